"""/contacts/<id> and /companies/<id>: the card of a contact or a company — fields edited in place,
the companies of a contact (one primary) or the contacts of a company, their deals, the lead they
came from and the timeline. One mixin for both; `ContactCardState` and `CompanyCardState` set the
kind."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

import reflex as rx

from crm_app import routes
from crm_app.services import defaults, formatting, parties, party_links, records
from crm_app.services.defaults import display_name
from crm_app.services.errors import NotFound, StaleRecord
from crm_app.services.i18n import N_, Msg
from crm_app.services.phones import display_phone
from crm_app.state.lead_card import FieldView
from crm_app.state.offload import db_event
from crm_app.state.record_list import Option, set_common_options
from crm_app.state.session import SessionState
from crm_app.state.timeline import TimelineState


@dataclasses.dataclass
class RelatedView:
    id: int
    name: str
    detail: str
    primary: bool
    href: str


@dataclasses.dataclass
class DealView:
    id: int
    title: str
    stage: str
    color: str
    amount: str
    closed: bool
    href: str


@dataclasses.dataclass
class HitView:
    id: int
    name: str
    detail: str


CONTACT_FIELDS = [
    ("honorific", N_("Salutation")),
    ("first_name", N_("First name")),
    ("second_name", N_("Middle name")),
    ("last_name", N_("Last name")),
    ("position", N_("Position")),
    ("birthdate", N_("Date of birth")),
    ("phones", N_("Phones")),
    ("emails", N_("E-mails")),
    ("address", N_("Address")),
    ("source_id", N_("Source")),
    ("responsible_id", N_("Responsible")),
    ("comment", N_("Comment")),
]
COMPANY_FIELDS = [
    ("name", N_("Company name")),
    ("industry", N_("Industry")),
    ("website", N_("Website")),
    ("employees", N_("Employees")),
    ("revenue", N_("Annual revenue")),
    ("phones", N_("Phones")),
    ("emails", N_("E-mails")),
    ("address", N_("Address")),
    ("source_id", N_("Source")),
    ("responsible_id", N_("Responsible")),
    ("comment", N_("Comment")),
]
FORM_KEYS = {
    "contact": frozenset(k for k, _ in CONTACT_FIELDS),
    "company": frozenset(k for k, _ in COMPANY_FIELDS),
}


def form_values(kind: parties.Kind, values: dict) -> dict[str, str]:
    """A record's values as the form's text (phones shown, lists joined with commas)."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if key == "phones":
            out[key] = ", ".join(display_phone(p) for p in value)
        elif key == "emails":
            out[key] = ", ".join(value)
        else:
            out[key] = "" if value is None else str(value)
    return out


class PartyCardState(SessionState, mixin=True):
    KIND: ClassVar[parties.Kind] = parties.CONTACTS
    PATH: ClassVar[re.Pattern] = re.compile(r"^/contacts/(\d+)/?$")

    record_id: int = 0
    loaded: bool = False
    not_found: bool = False
    version: int = 0
    heading: str = ""
    subtitle: str = ""
    fields: list[FieldView] = []
    values: dict[str, str] = {}
    editing: bool = False
    stale: bool = False
    errors: dict[str, str] = {}
    created_text: str = ""
    can_edit: bool = False
    can_delete: bool = False
    source_options: list[Option] = []
    user_options: list[Option] = []
    related: rx.Field[list[RelatedView]] = rx.field(default_factory=list)
    deals: rx.Field[list[DealView]] = rx.field(default_factory=list)
    lead_name: str = ""
    lead_href: str = ""
    # the "link a company / contact" picker
    link_hits: rx.Field[list[HitView]] = rx.field(default_factory=list)
    link_searched: bool = False
    link_picked_id: int = 0
    link_picked_label: str = ""
    delete_open: bool = False

    # --- filling the card --------------------------------------------------------------------------

    def _shown(self, card: party_links.PartyCard, base_currency: str) -> dict[str, str]:
        v = card.values
        shown = {k: str(v.get(k) or "") for k, _ in self._display_fields()}
        shown["phones"] = ", ".join(display_phone(p) for p in v["phones"])
        shown["emails"] = ", ".join(v["emails"])
        shown["source_id"] = display_name(card.source_name, self.lang) if card.source_name else ""
        shown["responsible_id"] = card.responsible_name
        if "birthdate" in v:
            shown["birthdate"] = formatting.day(v["birthdate"], self.lang) if v["birthdate"] else ""
        if "employees" in v:
            shown["employees"] = (
                formatting.number(v["employees"], self.lang) if v["employees"] is not None else ""
            )
        if "revenue" in v:
            shown["revenue"] = (
                formatting.money(v["revenue"], base_currency, self.lang) if v["revenue"] is not None else ""
            )
        return shown

    def _display_fields(self) -> list[tuple[str, str]]:
        return CONTACT_FIELDS if self.KIND is parties.CONTACTS else COMPANY_FIELDS

    def _fill(self, s, row=None) -> None:
        user = self._user(s)
        kind = self.KIND
        card = party_links.card(kind, session=s, user=user, record_id=self.record_id, row=row)
        self.record_id, self.version = card.id, card.version
        self.heading = card.name
        primary = next((r for r in card.related if r.primary), None)
        if kind is parties.CONTACTS:
            position = str(card.values.get("position") or "")
            self.subtitle = " · ".join(p for p in (position, primary.name if primary else "") if p)
        else:
            self.subtitle = str(card.values.get("industry") or "")
        shown = self._shown(card, defaults.base_currency(session=s))
        self.fields = [
            FieldView(self._t(label), shown[key]) for key, label in self._display_fields() if shown.get(key)
        ]
        self.values = form_values(kind, card.values)
        other = "company" if kind is parties.CONTACTS else "contact"
        self.related = [
            RelatedView(r.id, r.name, r.detail, r.primary, routes.record(other, r.id)) for r in card.related
        ]
        self.deals = [
            DealView(
                d.id,
                d.title,
                display_name(d.stage, self.lang),
                d.stage_color,
                formatting.money(d.amount, d.currency_code, self.lang),
                d.closed,
                routes.deal(d.id),
            )
            for d in card.deals
        ]
        self.lead_name = card.lead.name if card.lead else ""
        self.lead_href = routes.lead(card.lead.id) if card.lead else ""
        self.created_text = self._t(Msg("Created {when}", when=formatting.when(card.created_at, self.lang)))
        self.can_edit, self.can_delete = card.may_edit, card.may_delete
        self.loaded, self.not_found = True, False

    def _not_found(self, _exc: NotFound) -> None:
        self.not_found, self.loaded = True, True
        self.heading = self._t(Msg(self.KIND.not_found))
        self.can_edit = self.can_delete = False
        self.fields, self.related, self.deals = [], [], []

    # --- events ----------------------------------------------------------------------------------

    @db_event
    def load(self):
        self.loaded, self.editing, self.stale, self.errors = False, False, False, {}
        self.heading, self.can_edit, self.delete_open = "", False, False
        self._clear_link()
        match = self.PATH.match(self.router.url.path or "")
        self.record_id = int(match.group(1)) if match else 0
        with self._db() as s:
            with self._handling(on={NotFound: self._not_found}) as h:
                self._page_user(s)
                set_common_options(self, s)
                self._fill(s)
            if h.failed:
                return h.events
        return TimelineState.load_for(self.KIND.entity.value, self.record_id)

    @rx.event
    def start_edit(self):
        self.errors, self.stale = {}, False
        if not self.can_edit:  # the button is hidden; the service refuses the save anyway
            return rx.toast.error(self._t("You may not change this record: it belongs to another user."))
        self.editing = True
        return None

    @rx.event
    def cancel_edit(self):
        self.editing, self.errors, self.stale = False, {}, False

    def _stale_on_save(self, exc: StaleRecord) -> None:
        self.stale = True
        self.errors = {"": self._t(exc.message)}

    @db_event
    def save(self, form: dict):
        self.errors, self.stale = {}, False
        keys = FORM_KEYS[self.KIND.entity.value]
        data = {k: str(v) for k, v in form.items() if k in keys}
        self.values = {**self.values, **data}  # what was typed stays in the form if it is refused
        with self._db() as s:
            with self._handling("errors", on={StaleRecord: self._stale_on_save}) as h:
                row = parties.update(
                    self.KIND,
                    session=s,
                    user=self._user(s),
                    record_id=self.record_id,
                    data=data,
                    expected_version=self.version,
                )
                self._fill(s, row)
            if h.failed:
                return h.events
        self.editing = False
        return [rx.toast.success(self._t("Saved.")), TimelineState.refresh]

    @db_event
    def reload_after_stale(self):
        self.editing, self.stale, self.errors = False, False, {}
        with self._db() as s:
            with self._handling(on={NotFound: self._not_found}) as h:
                self._fill(s)
            if h.failed:
                return h.events
        return [TimelineState.refresh, type(self).start_edit]

    # --- links between contacts and companies ----------------------------------------------------

    def _clear_link(self) -> None:
        self.link_hits, self.link_searched = [], False
        self.link_picked_id, self.link_picked_label = 0, ""

    @db_event
    def search_link(self, text: str):
        text = str(text or "")[:200]
        with self._db() as s:
            with self._handling() as h:
                user = self._user(s)
                search = (
                    records.search_companies if self.KIND is parties.CONTACTS else records.search_contacts
                )
                hits = search(session=s, user=user, text=text, limit=8)
                taken = {r.id for r in self.related}
                self.link_hits = [HitView(x.id, x.name, x.detail) for x in hits if x.id not in taken]
                self.link_searched = len(text.strip()) >= 2
            if h.failed:
                return h.events
        return None

    @rx.event
    def pick_link(self, record_id: int):
        hit = next((x for x in self.link_hits if x.id == int(record_id)), None)
        if hit is not None:
            self.link_picked_id, self.link_picked_label = hit.id, hit.name

    @rx.event
    def clear_link(self):
        self._clear_link()

    def _pair(self, other_id: int) -> dict[str, int]:
        if self.KIND is parties.CONTACTS:
            return {"contact_id": self.record_id, "company_id": int(other_id)}
        return {"contact_id": int(other_id), "company_id": self.record_id}

    def _link_action(self, action, other_id: int, done: str, **kwargs):
        with self._db() as s:
            with self._handling() as h:
                action(session=s, user=self._user(s), **self._pair(other_id), **kwargs)
                self._fill(s)
            if h.failed:
                return h.events
        return [rx.toast.success(self._t(done)), TimelineState.refresh]

    @db_event
    def add_link(self):
        if not self.link_picked_id:
            return None
        picked = self.link_picked_id
        self._clear_link()
        return self._link_action(party_links.link, picked, N_("Linked."))

    @db_event
    def remove_link(self, other_id: int):
        return self._link_action(party_links.unlink, other_id, N_("Link removed."))

    @db_event
    def set_primary(self, company_id: int):
        if self.KIND is not parties.CONTACTS:
            return None
        return self._link_action(party_links.make_primary, company_id, N_("Primary company changed."))

    # --- delete ------------------------------------------------------------------------------------

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @db_event
    def delete_record(self):
        self.delete_open = False
        with self._db() as s:
            with self._handling() as h:
                parties.delete(self.KIND, session=s, user=self._user(s), record_id=self.record_id)
            if h.failed:
                return h.events
        back = routes.CONTACTS if self.KIND is parties.CONTACTS else routes.COMPANIES
        return [
            rx.toast.success(self._t("Moved to the recycle bin.")),
            rx.redirect(routes.back_to_list(back)),
        ]


class ContactCardState(PartyCardState, SessionState):
    KIND: ClassVar[parties.Kind] = parties.CONTACTS
    PATH: ClassVar[re.Pattern] = re.compile(r"^/contacts/(\d+)/?$")


class CompanyCardState(PartyCardState, SessionState):
    KIND: ClassVar[parties.Kind] = parties.COMPANIES
    PATH: ClassVar[re.Pattern] = re.compile(r"^/companies/(\d+)/?$")
