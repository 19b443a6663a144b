"""The "Finalise" dialog of a lead: convert it (contact / company / deal) or close it as junk.

The lead card renders `finalise_dialog()` and calls `FinaliseState.open_for(lead_id)`; after a
successful finalise `done_count` goes up and the browser goes back to the card, which reloads.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from crm_app import routes
from crm_app.services import conversion, formatting, leads, records
from crm_app.services.defaults import display_name
from crm_app.services.errors import Conflict, StaleRecord
from crm_app.services.i18n import N_, Msg
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

# form field suffix -> label; the form names are "<record>_<field>" (contact_first_name, ...)
CONTACT_FIELDS: list[tuple[str, str]] = [
    ("first_name", N_("First name")),
    ("last_name", N_("Last name")),
    ("second_name", N_("Middle name")),
    ("honorific", N_("Salutation")),
    ("position", N_("Position")),
    ("phones", N_("Phones")),
    ("emails", N_("E-mails")),
    ("address", N_("Address")),
]
COMPANY_FIELDS: list[tuple[str, str]] = [
    ("name", N_("Company name")),
    ("website", N_("Website")),
    ("phones", N_("Phones")),
    ("emails", N_("E-mails")),
    ("address", N_("Address")),
]
DEAL_FIELDS = ("title", "amount", "currency_code", "pipeline_id")
RECORD_LABELS = {"contact": N_("Contact"), "company": N_("Company"), "deal": N_("Deal")}
SEARCH_LIMIT = 8


@dataclasses.dataclass
class Choice:
    value: str
    label: str


@dataclasses.dataclass
class Hit:
    id: int
    name: str
    detail: str


@dataclasses.dataclass
class RecordLink:
    kind: str
    label: str
    href: str


def _text(values: list[str] | str) -> str:
    return ", ".join(values) if isinstance(values, list) else str(values or "")


class FinaliseState(SessionState):
    dialog_open: bool = False
    lead_id: int = 0
    lead_name: str = ""
    lead_version: int = 0
    # a finalised lead: what it became (the dialog shows this instead of the forms)
    final_text: str = ""
    final_links: list[RecordLink] = []
    tab: str = "convert"
    do_contact: bool = False
    do_company: bool = False
    do_deal: bool = True
    contact_mode: str = "new"
    company_mode: str = "new"
    contact: dict[str, str] = {}
    company: dict[str, str] = {}
    deal: dict[str, str] = {}
    pipelines: list[Choice] = []
    currencies: list[Choice] = []
    junk_reasons: list[Choice] = []
    contact_hits: list[Hit] = []
    company_hits: list[Hit] = []
    contact_searched: bool = False
    company_searched: bool = False
    contact_lookalikes: int = 0
    company_lookalikes: int = 0
    picked_contact_id: int = 0
    picked_contact: str = ""
    picked_company_id: int = 0
    picked_company: str = ""
    errors: dict[str, str] = {}
    # the lead card watches this: it goes up after each successful finalise
    done_count: int = 0

    @rx.var
    def is_final(self) -> bool:
        return self.final_text != ""

    # --- helpers -----------------------------------------------------------------------------

    def _fill(self, d: dict) -> None:
        lead = d["lead"]
        self.lead_id = lead["id"]
        self.lead_name = lead["name"]
        self.lead_version = lead["version"]
        self._fill_final(lead)
        self.contact = {k: _text(d["contact"].get(k, "")) for k, _ in CONTACT_FIELDS}
        self.company = {k: _text(d["company"].get(k, "")) for k, _ in COMPANY_FIELDS}
        self.deal = {k: str(d["deal"].get(k, "")) for k in DEAL_FIELDS}
        suggest = d["suggest"]
        self.do_contact = suggest["contact"] or not suggest["company"]
        self.do_company = suggest["company"]
        self.do_deal = suggest["deal"]
        self.contact_mode = self.company_mode = "new"
        self.pipelines = [Choice(str(p["id"]), p["name"]) for p in d["pipelines"]]
        self.currencies = [Choice(c["code"], f"{c['code']} · {c['name']}") for c in d["currencies"]]
        self.junk_reasons = [
            Choice(str(r["id"]), display_name(r["name"], self.lang)) for r in d["junk_reasons"]
        ]
        # existing records that look the same are offered first under "Existing"
        reasons = {
            "email": self._t("same e-mail"),
            "phone": self._t("same phone"),
            "company": self._t("similar name"),
        }
        self.contact_hits = [
            Hit(m["id"], m["name"], reasons.get(m["reason"], "")) for m in d["matches"]["contact"]
        ]
        self.company_hits = [
            Hit(m["id"], m["name"], reasons.get(m["reason"], "")) for m in d["matches"]["company"]
        ]
        self.contact_lookalikes, self.company_lookalikes = len(self.contact_hits), len(self.company_hits)
        self.contact_searched = self.company_searched = False
        self.picked_contact_id = self.picked_company_id = 0
        self.picked_contact = self.picked_company = ""

    def _fill_final(self, lead: dict) -> None:
        self.final_links = []
        if not lead["result"]:
            self.final_text = ""
            return
        when = formatting.day(lead["closed_at"], self.lang)
        if lead["result"] == "junk":
            self.final_text = self._t(
                Msg(
                    "This lead was closed as junk on {date}: {reason}.",
                    date=when,
                    reason=display_name(lead["junk_reason"], self.lang) if lead["junk_reason"] else "—",
                )
            )
            return
        self.final_text = self._t(Msg("This lead was converted on {date}.", date=when))
        for kind, label in RECORD_LABELS.items():
            if lead[kind]:
                self.final_links.append(
                    RecordLink(
                        self._t(label), lead[kind]["name"] or "—", routes.record(kind, lead[kind]["id"])
                    )
                )

    def _reset_forms(self) -> None:
        self.errors = {}
        self.tab = "convert"

    @staticmethod
    def _renamed(errors: dict[str, str]) -> dict[str, str]:
        # "contact.first_name" from the service is the form's "contact_first_name"
        return {key.replace(".", "_"): text for key, text in errors.items()}

    def _set_form_errors(self, errors: dict[str, str]) -> None:
        self.errors = errors

    # --- events ---------------------------------------------------------------------------------

    @db_event
    def open_for(self, lead_id: int):
        """Load what the lead carries over and open the dialog on "Convert"."""
        return self._open(lead_id, "convert")

    @db_event
    def open_on_tab(self, lead_id: int, tab: str):
        """The same, on `tab` ("convert" or "junk": the status bar's final status clicked)."""
        return self._open(lead_id, tab)

    def _open(self, lead_id: int, tab: str):
        self._reset_forms()
        self.tab = "junk" if tab == "junk" else "convert"
        with self._db() as s:
            with self._handling() as h:
                user = self._user(s)
                defaults = conversion.conversion_defaults(session=s, user=user, lead_id=int(lead_id))
            if h.failed:
                return h.events
        self._fill(defaults)
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = bool(value)
        if not value:
            self.errors = {}

    @rx.event
    def set_tab(self, value: str):
        self.tab = "junk" if value == "junk" else "convert"
        self.errors = {}

    @rx.event
    def set_do_contact(self, value: bool):
        self.do_contact = bool(value)

    @rx.event
    def set_do_company(self, value: bool):
        self.do_company = bool(value)

    @rx.event
    def set_do_deal(self, value: bool):
        self.do_deal = bool(value)

    @rx.event
    def set_contact_mode(self, value: str):
        self.contact_mode = "existing" if value == "existing" else "new"
        self.errors.pop("contact_id", None)

    @rx.event
    def set_company_mode(self, value: str):
        self.company_mode = "existing" if value == "existing" else "new"
        self.errors.pop("company_id", None)

    @db_event
    def search_contacts(self, text: str):
        with self._db() as s:
            with self._handling() as h:
                hits = records.search_contacts(
                    session=s, user=self._user(s), text=str(text), limit=SEARCH_LIMIT
                )
            if h.failed:
                return h.events
        self.contact_hits = [Hit(h.id, h.name, h.detail) for h in hits]
        self.contact_searched = len(str(text).strip()) >= 2
        return None

    @db_event
    def search_companies(self, text: str):
        with self._db() as s:
            with self._handling() as h:
                hits = records.search_companies(
                    session=s, user=self._user(s), text=str(text), limit=SEARCH_LIMIT
                )
            if h.failed:
                return h.events
        self.company_hits = [Hit(h.id, h.name, h.detail) for h in hits]
        self.company_searched = len(str(text).strip()) >= 2
        return None

    @rx.event
    def pick_contact(self, contact_id: int):
        # only a record this dialog listed can be picked; the service re-checks it exists
        hit = next((h for h in self.contact_hits if h.id == int(contact_id)), None)
        if hit is not None:
            self.picked_contact_id, self.picked_contact = hit.id, hit.name
            self.errors.pop("contact_id", None)

    @rx.event
    def pick_company(self, company_id: int):
        hit = next((h for h in self.company_hits if h.id == int(company_id)), None)
        if hit is not None:
            self.picked_company_id, self.picked_company = hit.id, hit.name
            self.errors.pop("company_id", None)

    @rx.event
    def clear_contact(self):
        self.picked_contact_id, self.picked_contact = 0, ""

    @rx.event
    def clear_company(self):
        self.picked_company_id, self.picked_company = 0, ""

    @db_event
    def convert(self, form: dict):
        """Create and/or link what is ticked, in one transaction."""
        self.errors = {}

        def part(prefix: str, keys) -> dict[str, str]:
            return {k: str(form.get(f"{prefix}_{k}", "")) for k in keys}

        new_contact = self.do_contact and self.contact_mode == "new"
        new_company = self.do_company and self.company_mode == "new"
        # "existing" ticked but nothing picked: -1 is never a record, so the service refuses it
        # along with every other field error, and nothing is written
        contact_id = (self.picked_contact_id or -1) if self.do_contact and not new_contact else None
        company_id = (self.picked_company_id or -1) if self.do_company and not new_company else None
        not_picked = {}
        if contact_id == -1:
            not_picked["contact_id"] = self._t("Search for a contact and select it, or create a new one.")
        if company_id == -1:
            not_picked["company_id"] = self._t("Search for a company and select it, or create a new one.")
        with self._db() as s:
            with self._handling(
                lambda errors: self._set_form_errors({**self._renamed(errors), **not_picked}),
                on={StaleRecord: lambda _: self._stale(s), Conflict: lambda exc: self._already_final(s, exc)},
            ) as h:
                result = conversion.convert_lead(
                    session=s,
                    user=self._user(s),
                    lead_id=self.lead_id,
                    contact=part("contact", [k for k, _ in CONTACT_FIELDS]) if new_contact else None,
                    company=part("company", [k for k, _ in COMPANY_FIELDS]) if new_company else None,
                    deal=part("deal", DEAL_FIELDS) if self.do_deal else None,
                    contact_id=contact_id,
                    company_id=company_id,
                    expected_version=self.lead_version,
                )
            if h.failed:
                return h.events
        made = ", ".join(
            self._t(label) for k, label in RECORD_LABELS.items() if k in result.created + result.linked
        )
        return self._done(self._t(Msg("Lead converted: {records}.", records=made)))

    @db_event
    def close_junk(self, form: dict):
        self.errors = {}
        with self._db() as s:
            with self._handling(
                lambda errors: self._set_form_errors(self._renamed(errors)),
                on={StaleRecord: lambda _: self._stale(s), Conflict: lambda exc: self._already_final(s, exc)},
            ) as h:
                conversion.close_as_junk(
                    session=s,
                    user=self._user(s),
                    lead_id=self.lead_id,
                    reason_id=str(form.get("reason_id", "")),
                    comment=str(form.get("comment", "")),
                    expected_version=self.lead_version,
                )
            if h.failed:
                return h.events
        return self._done(self._t("Lead closed as junk."))

    def _done(self, message: str):
        self.dialog_open = False
        self.done_count += 1
        return [rx.toast.success(message), rx.redirect(routes.lead(self.lead_id))]

    def _stale(self, s):
        """Someone saved the lead meanwhile: keep what the user typed, take the new version."""
        with self._handling() as h:
            lead = leads.get_lead(session=s, user=self._user(s), lead_id=self.lead_id)
        if h.failed:
            return h.events
        self.lead_version = lead.version
        self.errors = {
            "": self._t(
                "Someone changed this lead since you opened it. Check the fields, then confirm again."
            )
        }
        return None

    def _already_final(self, s, exc: Conflict):
        """Finalised by someone else meanwhile (or a settings problem): say so, show the result."""
        with self._handling() as h:
            lead = leads.get_lead(session=s, user=self._user(s), lead_id=self.lead_id)
            self._fill_final(conversion.lead_summary(s, lead))
        if h.failed:
            return h.events
        if self.final_text:
            self.done_count += 1
        return self._fail(exc)
