"""Settings -> Currencies: the base currency and the others' rates (services.currencies).

Everyone sees the list; only users with the settings right change it (the service checks,
whatever the browser sends)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from crm_app.services import currencies, formatting
from crm_app.services.defaults import display_name
from crm_app.services.errors import DomainError
from crm_app.services.i18n import Msg
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


@dataclasses.dataclass
class CurrencyView:
    id: str  # the code: the settings list pieces call it id
    name: str
    rate: str  # as the user's language writes numbers
    rate_input: str  # as the edit form shows it
    is_base: bool
    version: int
    usage: int
    can_up: bool
    can_down: bool
    can_delete: bool


class CurrenciesState(SessionState):
    rows: list[CurrencyView] = []
    base: str = ""
    loaded: bool = False
    add_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    add_key: int = 0
    edit_open: bool = False
    edit_code: str = ""
    edit_name: str = ""
    edit_rate: str = ""
    edit_is_base: bool = False
    edit_version: int = 0
    edit_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    delete_open: bool = False
    delete_code: str = ""
    delete_name: str = ""

    def _load(self, s) -> None:
        rows = currencies.list_currencies_rows(session=s, user=self._user(s))
        self.rows = [
            CurrencyView(
                id=r.code,
                name=display_name(r.name, self.lang),
                rate=formatting.decimal_text(r.rate, self.lang),
                rate_input=format(r.rate.normalize(), "f"),
                is_base=r.is_base,
                version=r.version,
                usage=r.usage,
                can_up=r.can_up,
                can_down=r.can_down,
                can_delete=r.can_delete,
            )
            for r in rows
        ]
        self.base = next((r.code for r in rows if r.is_base), "")
        self.loaded = True

    def _reload_and_fail(self, exc: DomainError):
        with self._db() as s:
            with self._handling(on={DomainError: lambda _: None}):
                self._load(s)
        return self._fail(exc)

    def _row(self, code: str) -> CurrencyView | None:
        return next((r for r in self.rows if r.id == code), None)

    @db_event
    def load(self):
        self.edit_open = False
        self.delete_open = False
        return self._in_session(self._load, page=True)

    @db_event
    def add_item(self, _kind: str, form: dict):
        with self._db() as s:
            with self._handling("add_errors") as h:
                added = currencies.add_currency(
                    session=s,
                    user=self._user(s),
                    code=str(form.get("code", "")),
                    rate=str(form.get("rate", "")),
                    name=str(form.get("name", "")),
                    lang=self.lang,
                )
                self._load(s)
            if h.failed:
                return h.events
        self.add_errors = {}
        self.add_key += 1
        return rx.toast.success(self._t(Msg("{code} added.", code=added.code)))

    @rx.event
    def open_edit(self, _kind: str, code: str):
        row = self._row(str(code))
        if row is None:
            return
        self.edit_code, self.edit_name, self.edit_rate = row.id, row.name, row.rate_input
        self.edit_is_base, self.edit_version = row.is_base, row.version
        self.edit_errors = {}
        self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool):
        self.edit_open = bool(value)
        if not value:
            self.edit_errors = {}

    @db_event
    def save_edit(self, form: dict):
        with self._db() as s:
            with self._handling("edit_errors", on={DomainError: self._reload_and_fail}) as h:
                currencies.update_currency(
                    session=s,
                    user=self._user(s),
                    code=self.edit_code,
                    name=str(form.get("name", "")),
                    rate=None if self.edit_is_base else str(form.get("rate", "")),
                    expected_version=self.edit_version,
                )
                self._load(s)
            if h.failed:
                return h.events
        self.edit_open = False
        return rx.toast.success(self._t("Saved."))

    @db_event
    def make_base(self, code: str):
        with self._db() as s:
            with self._handling(on={DomainError: self._reload_and_fail}) as h:
                currencies.set_base(session=s, user=self._user(s), code=str(code))
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(
            self._t(Msg("{code} is now the base currency; the other rates were converted.", code=str(code)))
        )

    @db_event
    def move(self, _kind: str, code: str, direction: str):
        with self._db() as s:
            with self._handling() as h:
                currencies.move_currency(session=s, user=self._user(s), code=str(code), direction=direction)
                self._load(s)
            if h.failed:
                return h.events
        return None

    @rx.event
    def ask_delete(self, _kind: str, code: str):
        row = self._row(str(code))
        if row is None:
            return
        self.delete_code, self.delete_name = row.id, row.name
        self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @db_event
    def confirm_delete(self):
        with self._db() as s:
            with self._handling(on={DomainError: self._reload_and_fail}) as h:
                currencies.delete_currency(session=s, user=self._user(s), code=self.delete_code)
                self._load(s)
            if h.failed:
                self.delete_open = False
                return h.events
        self.delete_open = False
        return rx.toast.success(self._t("Deleted."))
