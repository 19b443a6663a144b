"""/leads/<id>: the lead card — fields edited in place, the status bar, links, timeline."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from crm_app import routes
from crm_app.services import cards, formatting, leads
from crm_app.services.defaults import display_name
from crm_app.services.errors import NotFound, StaleRecord
from crm_app.services.i18n import N_, Msg
from crm_app.services.phones import display_phone
from crm_app.state.lead_form import load_lead_options
from crm_app.state.leads import Option
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState
from crm_app.state.timeline import TimelineState


@dataclasses.dataclass
class StageView:
    id: int
    name: str
    color: str
    final: bool
    reached: bool
    current: bool
    failure: bool = False


@dataclasses.dataclass
class FieldView:
    label: str
    value: str


@dataclasses.dataclass
class LinkView:
    kind: str
    label: str
    href: str


DISPLAY_FIELDS = [
    ("title", N_("Lead title")),
    ("honorific", N_("Salutation")),
    ("first_name", N_("First name")),
    ("second_name", N_("Middle name")),
    ("last_name", N_("Last name")),
    ("company_name", N_("Company name")),
    ("position", N_("Position")),
    ("phones", N_("Phones")),
    ("emails", N_("E-mails")),
    ("website", N_("Website")),
    ("address", N_("Address")),
    ("source_id", N_("Source")),
    ("responsible_id", N_("Responsible")),
    ("amount", N_("Expected amount")),
    ("comment", N_("Comment")),
]


LINK_LABELS = {"contact": N_("Contact"), "company": N_("Company"), "deal": N_("Deal")}


def _lead_id_from_path(path: str) -> int:
    match = re.match(r"^/leads/(\d+)/?$", path or "")
    return int(match.group(1)) if match else 0


class LeadCardState(SessionState):
    lead_id: int = 0
    loaded: bool = False
    not_found: bool = False
    version: int = 0
    heading: str = ""
    subtitle: str = ""
    result: str = ""
    result_text: str = ""
    stages: list[StageView] = []
    fields: list[FieldView] = []
    links: list[LinkView] = []
    values: dict[str, str] = {}
    editing: bool = False
    stale: bool = False
    errors: dict[str, str] = {}
    created_text: str = ""
    # what this user may do with the lead (permissions.can, through the card's view model)
    can_edit: bool = False
    can_delete: bool = False
    can_convert: bool = False
    status_options: list[Option] = []
    source_options: list[Option] = []
    user_options: list[Option] = []
    currency_options: list[Option] = []

    @rx.var
    def is_final(self) -> bool:
        return self.result != ""

    def _fill(self, s, lead, user=None) -> None:
        """Copy the card's view model (services/cards) into the vars the page shows."""
        user = user if user is not None else self._user(s)
        card = cards.lead_card(session=s, user=user, lead_id=lead.id, lead=lead)
        self.lead_id = card.id
        self.version = card.version
        values = card.values
        self.heading = card.name or self._t("Lead")
        self.subtitle = " · ".join(
            p for p in (card.title, card.company_name if card.person else "") if p and p != card.name
        )
        self.result = card.result
        self.stages = [
            StageView(
                st.id,
                display_name(st.name, self.lang),
                st.color,
                st.final,
                st.reached,
                st.current,
                st.failure,
            )
            for st in card.statuses
        ]
        shown = {
            **{k: str(values[k] or "") for k in leads.TEXT_FIELDS},
            "phones": ", ".join(display_phone(p) for p in values["phones"]),
            "emails": ", ".join(values["emails"]),
            "source_id": display_name(card.source_name, self.lang) if card.source_name else "",
            "responsible_id": card.responsible_name,
            "amount": formatting.money(card.amount, card.currency_code, self.lang),
        }
        self.fields = [FieldView(self._t(label), shown[key]) for key, label in DISPLAY_FIELDS if shown[key]]
        self.values = {
            **{k: str(values[k] or "") for k in leads.TEXT_FIELDS},
            "phones": ", ".join(display_phone(p) for p in values["phones"]),
            "emails": ", ".join(values["emails"]),
            "status_id": str(card.status_id),
            "source_id": str(values["source_id"] or ""),
            "responsible_id": str(values["responsible_id"] or ""),
            "amount": str(card.amount) if card.amount is not None else "",
            "currency_code": card.currency_code,
        }
        self.links = [
            LinkView(self._t(LINK_LABELS[link.kind]), link.name, routes.record(link.kind, link.id))
            for link in card.links
        ]
        if card.result == "junk":
            self.result_text = self._t(
                Msg(
                    "Closed as junk: {reason}",
                    reason=display_name(card.junk_reason, self.lang) if card.junk_reason else "—",
                )
            )
        elif card.result:
            self.result_text = self._t(
                Msg("Converted on {date}", date=formatting.day(card.closed_at or card.updated_at, self.lang))
            )
        else:
            self.result_text = ""
        self.created_text = self._t(Msg("Created {when}", when=formatting.when(card.created_at, self.lang)))
        self.can_edit, self.can_delete, self.can_convert = card.can.edit, card.can.delete, card.can.convert
        self.loaded = True
        self.not_found = False

    def _not_found(self, _exc: NotFound) -> None:
        """Nothing of the lead shown before stays: a clear "not found" heading, no actions."""
        self.not_found, self.loaded = True, True
        self.heading = self._t("Lead not found")
        self.can_edit = self.can_delete = self.can_convert = False
        self.stages, self.fields, self.result = [], [], ""

    def _stale_on_save(self, exc: StaleRecord) -> None:
        self.stale = True
        self.errors = {"": self._t(exc.message)}

    def _stale_on_move(self, s, exc: StaleRecord):
        self._reload(s)
        return rx.toast.error(self._t(exc.message))

    def _reload(self, s) -> None:
        user = self._user(s)
        lead = leads.get_lead(session=s, user=user, lead_id=self.lead_id)
        self._fill(s, lead, user)

    @db_event
    def load(self):
        self.loaded, self.editing, self.stale, self.errors = False, False, False, {}
        self.heading, self.can_edit = "", False  # not the previous lead's while this one loads
        self.lead_id = _lead_id_from_path(self.router.url.path)
        with self._db() as s:
            with self._handling(on={NotFound: self._not_found}) as h:
                user = self._page_user(s)
                load_lead_options(s, self, in_progress_only=False)
                lead = leads.get_lead(session=s, user=user, lead_id=self.lead_id)
                self._fill(s, lead, user)
            if h.failed:
                return h.events
        return TimelineState.load_for("lead", self.lead_id)

    @rx.event
    def start_edit(self):
        self.errors, self.stale = {}, False
        if not self.can_edit:  # the button is hidden; the service refuses the save anyway
            return rx.toast.error(self._t("You may not change this lead: it belongs to another user."))
        self.editing = True
        return None

    @rx.event
    def cancel_edit(self):
        self.editing, self.errors, self.stale = False, {}, False

    @db_event
    def save(self, form: dict):
        self.errors, self.stale = {}, False
        data = {k: str(v) for k, v in form.items() if k in leads.ALL_FIELDS and k != "status_id"}
        with self._db() as s:
            with self._handling("errors", on={StaleRecord: self._stale_on_save}) as h:
                user = self._user(s)
                lead = leads.update_lead(
                    session=s,
                    user=user,
                    lead_id=self.lead_id,
                    data=data,
                    expected_version=self.version,
                )
                self._fill(s, lead, user)
            if h.failed:
                return h.events
        self.editing = False
        return [rx.toast.success(self._t("Saved.")), TimelineState.refresh]

    @db_event
    def reload_after_stale(self):
        self.editing, self.stale, self.errors = False, False, {}
        with self._db() as s:
            with self._handling() as h:
                self._reload(s)
            if h.failed:
                return h.events
        return [TimelineState.refresh, LeadCardState.start_edit]

    @db_event
    def move_to(self, status_id: int):
        status_id = int(status_id)
        target = next((st for st in self.stages if st.id == status_id), None)
        if target is not None and target.final and not self.result:
            from crm_app.state.finalise import FinaliseState

            # "Junk" opens Finalise on "Close as junk", "Converted" on "Convert"
            return FinaliseState.open_on_tab(self.lead_id, "junk" if target.failure else "convert")
        with self._db() as s:
            with self._handling(on={StaleRecord: lambda exc: self._stale_on_move(s, exc)}) as h:
                user = self._user(s)
                lead = leads.change_status(
                    session=s,
                    user=user,
                    lead_id=self.lead_id,
                    status_id=status_id,
                    expected_version=self.version,
                )
                self._fill(s, lead, user)
            if h.failed:
                return h.events
        return TimelineState.refresh
