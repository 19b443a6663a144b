"""/contacts/new and /companies/new: the form of a new contact or company, with the possible
duplicates (same e-mail or phone, a close company name) shown before saving."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from crm_app import routes
from crm_app.models.base import saved_id
from crm_app.services import parties
from crm_app.state.lead_form import MatchView, match_views
from crm_app.state.offload import db_event
from crm_app.state.party_card import FORM_KEYS
from crm_app.state.record_list import Option, set_common_options
from crm_app.state.session import SessionState


class PartyFormState(SessionState, mixin=True):
    KIND: ClassVar[parties.Kind] = parties.CONTACTS

    values: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    matches: rx.Field[list[MatchView]] = rx.field(default_factory=list)
    confirmed_key: str = ""
    source_options: list[Option] = []
    user_options: list[Option] = []
    ready: bool = False
    # a new contact from a company's card belongs to that company
    company_id: int = 0
    company_name: str = ""

    @db_event
    def load(self):
        self.errors, self.matches, self.confirmed_key, self.ready = {}, [], "", False
        self.company_id, self.company_name = 0, ""
        with self._db() as s:
            with self._handling() as h:
                user = self._page_user(s)
                set_common_options(self, s)
                company = str(self.router.url.query_parameters.get("company", ""))[:20]
                if self.KIND is parties.CONTACTS and company.isdigit():
                    found = parties.visible_company(s, user, int(company))
                    if found is not None:
                        self.company_id, self.company_name = saved_id(found), found.name
            if h.failed:
                return h.events
            self.values = {"responsible_id": str(user.id)}
        self.ready = True
        return None

    @rx.event
    def forget_company(self):
        self.company_id, self.company_name = 0, ""

    @db_event
    def submit(self, form: dict):
        self.errors = {}
        keys = FORM_KEYS[self.KIND.entity.value]
        data: dict = {k: str(v) for k, v in form.items() if k in keys}
        self.values = data
        if self.company_id:
            data["company_id"] = self.company_id
        with self._db() as s:
            with self._handling("errors") as h:
                user = self._user(s)
                found, key = parties.check_new(self.KIND, session=s, user=user, data=data)
                if found and key != self.confirmed_key:
                    self.matches = match_views(found)
                    self.confirmed_key = key
                    return None
                row = parties.create(self.KIND, session=s, user=user, data=data, duplicates=found)
            if h.failed:
                return h.events
        self.matches, self.confirmed_key = [], ""
        done = self._t("Contact created.") if self.KIND is parties.CONTACTS else self._t("Company created.")
        return [rx.toast.success(done), rx.redirect(routes.record(self.KIND.entity.value, saved_id(row)))]


class ContactFormState(PartyFormState, SessionState):
    KIND: ClassVar[parties.Kind] = parties.CONTACTS


class CompanyFormState(PartyFormState, SessionState):
    KIND: ClassVar[parties.Kind] = parties.COMPANIES
