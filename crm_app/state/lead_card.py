"""/leads/<id>: the lead card — fields edited in place, the status bar, links, timeline."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from crm_app.models import Company, Contact, Deal, LostReason, Source, StageSemantic, User
from crm_app.services import formatting, leads
from crm_app.services.errors import NotFound, StaleRecord
from crm_app.services.i18n import N_, Msg
from crm_app.services.phones import display_phone
from crm_app.state.lead_form import load_lead_options
from crm_app.state.leads import Option
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
    status_options: list[Option] = []
    source_options: list[Option] = []
    user_options: list[Option] = []
    currency_options: list[Option] = []

    @rx.var
    def is_final(self) -> bool:
        return self.result != ""

    def _fill(self, s, lead) -> None:
        self.lead_id = lead.id
        self.version = lead.version
        values = leads.lead_values(s, lead)
        name = leads.person_name(lead.first_name, lead.last_name, lead.second_name)
        self.heading = lead.title or name or lead.company_name or self._t("Lead")
        self.subtitle = " · ".join(p for p in (name if lead.title else "", lead.company_name) if p)
        self.result = lead.result.value if lead.result else ""
        statuses = leads.lead_statuses(s)
        current_index = next((i for i, st in enumerate(statuses) if st.id == lead.status_id), 0)
        self.stages = [
            StageView(
                id=st.id,
                name=st.name,
                color=st.color,
                final=st.semantic != StageSemantic.IN_PROGRESS,
                reached=i <= current_index
                and (st.semantic == StageSemantic.IN_PROGRESS or st.id == lead.status_id),
                current=st.id == lead.status_id,
            )
            for i, st in enumerate(statuses)
        ]
        source = s.get(Source, lead.source_id) if lead.source_id else None
        responsible = s.get(User, lead.responsible_id) if lead.responsible_id else None
        shown = {
            **{k: str(values[k] or "") for k in leads.TEXT_FIELDS},
            "phones": ", ".join(display_phone(p) for p in values["phones"]),
            "emails": ", ".join(values["emails"]),
            "source_id": source.name if source else "",
            "responsible_id": responsible.name if responsible else "",
            "amount": formatting.money(lead.amount, lead.currency_code, self.lang),
        }
        self.fields = [FieldView(self._t(label), shown[key]) for key, label in DISPLAY_FIELDS if shown[key]]
        self.values = {
            **{k: str(values[k] or "") for k in leads.TEXT_FIELDS},
            "phones": ", ".join(display_phone(p) for p in values["phones"]),
            "emails": ", ".join(values["emails"]),
            "status_id": str(lead.status_id),
            "source_id": str(lead.source_id or ""),
            "responsible_id": str(lead.responsible_id or ""),
            "amount": str(lead.amount) if lead.amount is not None else "",
            "currency_code": lead.currency_code or "",
        }
        self.links = []
        if lead.contact_id and (contact := s.get(Contact, lead.contact_id)):
            label = leads.person_name(contact.first_name, contact.last_name) or self._t("Contact")
            self.links.append(LinkView(self._t("Contact"), label, f"/contacts/{contact.id}"))
        if lead.company_id and (company := s.get(Company, lead.company_id)):
            self.links.append(LinkView(self._t("Company"), company.name, f"/companies/{company.id}"))
        if lead.deal_id and (deal := s.get(Deal, lead.deal_id)):
            self.links.append(LinkView(self._t("Deal"), deal.title, f"/deals/{deal.id}"))
        if lead.result and lead.result.value == "junk":
            reason = s.get(LostReason, lead.junk_reason_id) if lead.junk_reason_id else None
            self.result_text = self._t(Msg("Closed as junk: {reason}", reason=reason.name if reason else "—"))
        elif lead.result:
            self.result_text = self._t(
                Msg("Converted on {date}", date=formatting.day(lead.closed_at or lead.updated_at, self.lang))
            )
        else:
            self.result_text = ""
        self.created_text = self._t(Msg("Created {when}", when=formatting.when(lead.created_at, self.lang)))
        self.loaded = True
        self.not_found = False

    def _not_found(self, _exc: NotFound) -> None:
        self.not_found, self.loaded = True, True

    def _stale_on_save(self, exc: StaleRecord) -> None:
        self.stale = True
        self.errors = {"": self._t(exc.message)}

    def _stale_on_move(self, s, exc: StaleRecord):
        self._reload(s)
        return rx.toast.error(self._t(exc.message))

    def _reload(self, s) -> None:
        lead = leads.get_lead(session=s, user=self._user(s), lead_id=self.lead_id)
        self._fill(s, lead)

    @rx.event
    def load(self):
        self.loaded, self.editing, self.stale, self.errors = False, False, False, {}
        self.lead_id = _lead_id_from_path(self.router.url.path)
        with self._db() as s:
            with self._handling(on={NotFound: self._not_found}) as h:
                user = self._user(s)
                load_lead_options(s, self, in_progress_only=False)
                lead = leads.get_lead(session=s, user=user, lead_id=self.lead_id)
                self._fill(s, lead)
            if h.failed:
                return h.events
        return TimelineState.load_for("lead", self.lead_id)

    @rx.event
    def start_edit(self):
        self.errors, self.stale = {}, False
        self.editing = True

    @rx.event
    def cancel_edit(self):
        self.editing, self.errors, self.stale = False, {}, False

    @rx.event
    def save(self, form: dict):
        self.errors, self.stale = {}, False
        data = {k: str(v) for k, v in form.items() if k in leads.ALL_FIELDS and k != "status_id"}
        with self._db() as s:
            with self._handling("errors", on={StaleRecord: self._stale_on_save}) as h:
                lead = leads.update_lead(
                    session=s,
                    user=self._user(s),
                    lead_id=self.lead_id,
                    data=data,
                    expected_version=self.version,
                )
                self._fill(s, lead)
            if h.failed:
                return h.events
        self.editing = False
        return [rx.toast.success(self._t("Saved.")), TimelineState.refresh]

    @rx.event
    def reload_after_stale(self):
        self.editing, self.stale, self.errors = False, False, {}
        with self._db() as s:
            with self._handling() as h:
                self._reload(s)
            if h.failed:
                return h.events
        return [TimelineState.refresh, LeadCardState.start_edit]

    @rx.event
    def move_to(self, status_id: int):
        status_id = int(status_id)
        if any(st.id == status_id and st.final for st in self.stages) and not self.result:
            from crm_app.state.finalise import FinaliseState

            return FinaliseState.open_for(self.lead_id)
        with self._db() as s:
            with self._handling(on={StaleRecord: lambda exc: self._stale_on_move(s, exc)}) as h:
                lead = leads.change_status(
                    session=s,
                    user=self._user(s),
                    lead_id=self.lead_id,
                    status_id=status_id,
                    expected_version=self.version,
                )
                self._fill(s, lead)
            if h.failed:
                return h.events
        return TimelineState.refresh
