"""/leads/new: the lead form, with possible duplicates shown before saving."""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session, col, select

from crm_app import routes
from crm_app.models import Currency, Source, StageSemantic, User
from crm_app.models.base import saved_id
from crm_app.services import duplicates, intake, leads
from crm_app.services.defaults import display_name
from crm_app.state.leads import Option
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


@dataclasses.dataclass
class MatchView:
    kind: str
    title: str
    reason: str
    value: str
    href: str


def load_lead_options(s: Session, state, *, in_progress_only: bool) -> None:
    """Fill status/source/user/currency options on a state (the lead form and the card share it)."""
    statuses = leads.lead_statuses(s)
    state.status_options = [
        Option(str(st.id), display_name(st.name, state.lang), st.color)
        for st in statuses
        if not in_progress_only or st.semantic == StageSemantic.IN_PROGRESS
    ]
    state.source_options = [
        Option(str(x.id), display_name(x.name, state.lang))
        for x in s.exec(select(Source).where(Source.is_active).order_by(col(Source.sort), col(Source.id)))
    ]
    state.user_options = [
        Option(str(u.id), u.name)
        for u in s.exec(select(User).where(User.is_active).order_by(User.name).limit(200))
    ]
    state.currency_options = [
        Option(c.code, f"{c.code} · {c.name}")
        for c in s.exec(select(Currency).order_by(col(Currency.sort), col(Currency.code)))
    ]


def match_views(matches: list[duplicates.Match]) -> list[MatchView]:
    return [
        MatchView(
            kind=m.entity_type,
            title=m.title or "—",
            reason=m.reason,
            value=m.value,
            href=routes.record(m.entity_type, m.id),
        )
        for m in matches
    ]


class LeadFormState(SessionState):
    values: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    matches: rx.Field[list[MatchView]] = rx.field(default_factory=list)
    confirmed_key: str = ""
    status_options: list[Option] = []
    source_options: list[Option] = []
    user_options: list[Option] = []
    currency_options: list[Option] = []
    ready: bool = False

    @db_event
    def load(self):
        self.errors, self.matches, self.confirmed_key, self.ready = {}, [], "", False
        with self._db() as s:
            with self._handling() as h:
                user = self._page_user(s)
                load_lead_options(s, self, in_progress_only=True)
            if h.failed:
                return h.events
            self.values = {"responsible_id": str(user.id), "status_id": str(leads.first_status(s).id)}
        self.ready = True
        return None

    @db_event
    def submit(self, form: dict):
        self.errors = {}
        data = {k: str(v) for k, v in form.items() if k in leads.ALL_FIELDS}
        self.values = data
        with self._db() as s:
            with self._handling("errors") as h:
                user = self._user(s)
                found, key = intake.check_new_lead(session=s, user=user, data=data)
                if found and key != self.confirmed_key:
                    self.matches = match_views(found)
                    self.confirmed_key = key
                    return None
                # saved anyway: the matches stay on the lead's "created" history entry
                lead = intake.create_lead_with_policy(session=s, user=user, data=data, origin="form").lead
            if h.failed:
                return h.events
        self.matches, self.confirmed_key = [], ""
        return [rx.toast.success(self._t("Lead created.")), rx.redirect(routes.lead(saved_id(lead)))]
