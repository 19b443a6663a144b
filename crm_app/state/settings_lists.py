"""The base of the settings-list pages' states (Settings -> Leads, Settings -> Deals): the add
forms, the edit dialog, the order buttons and the delete dialog, for any number of lists told
apart by `kind`.

A page state subclasses `SettingsListState` (and names `SessionState` too, see state/listing.py),
implements `_load(session)` and `_ops()` (kind -> `ListOps`: which var holds its rows and which
service calls add, rename, move, count and delete its items), and declares `<kind>_errors` and
`<kind>_key` for each add form. Every call goes to the services, which check the settings right;
nothing here trusts what the browser sends.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from crm_app.models import User
from crm_app.services.defaults import display_name
from crm_app.services.errors import DomainError
from crm_app.services.i18n import Msg
from crm_app.services.settings_lists import InUse, int_id
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


@dataclass(frozen=True)
class ListOps:
    rows: str  # the state var with the list's rows (each with id, name, version)
    added: str  # msgid of the toast after an add
    add: Callable[[Session, User, dict], Any]  # (session, user, form)
    rename: Callable[[Session, User, Any, dict], Any]  # (session, user, row, form)
    move: Callable[[Session, User, int, str], bool]  # (session, user, id, "up" | "down")
    usage: Callable[[Session, User, int], int]  # records that use the item
    delete: Callable[[Session, User, int, int | None], int]  # (..., id, move_to_id) -> moved
    # may `other` take the records of `row` when row is deleted
    takes: Callable[[Any, Any], bool] = lambda row, other: True


def shown(row: Any, lang: str) -> Any:
    """A row whose name, a default nobody renamed, shows in the user's language."""
    return dataclasses.replace(row, name=display_name(row.name, lang))


class SettingsListState(SessionState, mixin=True):
    loaded: bool = False
    # the edit dialog
    edit_open: bool = False
    edit_kind: str = ""
    edit_id: int = 0
    edit_name: str = ""
    edit_color: str = ""
    # a deal stage in progress: its probability, shown in the dialog ("" when it has none)
    edit_probability: str = ""
    edit_version: int = 0
    edit_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    # the delete dialog: what uses the item, and where its records may go
    delete_open: bool = False
    delete_kind: str = ""
    delete_id: int = 0
    delete_name: str = ""
    delete_count: int = 0
    delete_targets: list[list[str]] = []
    delete_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    # --- what a page state gives -------------------------------------------------------------

    def _load(self, s: Session) -> None:
        raise NotImplementedError

    def _ops(self) -> dict[str, ListOps]:
        raise NotImplementedError

    # --- helpers -----------------------------------------------------------------------------

    def _reload(self) -> None:
        with self._db() as s:
            with self._handling(on={DomainError: lambda _: None}):
                self._load(s)

    def _reload_and_fail(self, exc: DomainError):
        self._reload()
        return self._fail(exc)

    def _in_use(self, exc: InUse) -> None:
        # someone gave it records meanwhile: ask where they go
        self.delete_count = exc.count
        self.delete_errors = {"move_to_id": self._t(exc.message)}

    def _delete_failed(self, exc: DomainError):
        self.delete_open = False
        return self._reload_and_fail(exc)

    def _rows(self, kind: str) -> list[Any]:
        ops = self._ops().get(kind)
        return list(getattr(self, ops.rows)) if ops else []

    def _row(self, kind: str, item_id: int) -> Any:
        return next((r for r in self._rows(kind) if r.id == item_id), None)

    def _close_dialogs(self) -> None:
        self.edit_open = False
        self.delete_open = False

    # --- events -------------------------------------------------------------------------------

    @db_event
    def add_item(self, kind: str, form: dict):
        ops = self._ops().get(kind)
        if ops is None:
            return None
        with self._db() as s:
            with self._handling(lambda errors: setattr(self, f"{kind}_errors", errors)) as h:
                ops.add(s, self._user(s), form)
                self._load(s)
            if h.failed:
                return h.events
        setattr(self, f"{kind}_errors", {})
        setattr(self, f"{kind}_key", getattr(self, f"{kind}_key") + 1)  # an emptied form
        return rx.toast.success(self._t(ops.added))

    @rx.event
    def open_edit(self, kind: str, item_id: int):
        row = self._row(kind, int(item_id))
        if row is None:
            return None
        self.edit_kind = kind
        self.edit_id = row.id
        self.edit_name = row.name
        self.edit_color = getattr(row, "color", "")
        chance = getattr(row, "probability", None)
        takes_chance = kind == "stage" and getattr(row, "semantic", "") == "in_progress"
        self.edit_probability = str(chance) if takes_chance and chance is not None else ""
        self.edit_version = row.version
        self.edit_errors = {}
        self.edit_open = True
        return None

    @rx.event
    def set_edit_open(self, value: bool):
        self.edit_open = bool(value)
        if not value:
            self.edit_errors = {}

    @db_event
    def save_edit(self, form: dict):
        ops = self._ops().get(self.edit_kind)
        row = self._row(self.edit_kind, self.edit_id)
        if ops is None or row is None:
            return None
        # the version the dialog opened with, not the row's now: a stale edit is refused
        row = dataclasses.replace(row, version=self.edit_version)
        with self._db() as s:
            with self._handling("edit_errors", on={DomainError: self._reload_and_fail}) as h:
                ops.rename(s, self._user(s), row, form)
                self._load(s)
            if h.failed:
                return h.events
        self.edit_open = False
        return rx.toast.success(self._t("Saved."))

    @db_event
    def move(self, kind: str, item_id: int, direction: str):
        ops = self._ops().get(kind)
        if ops is None:
            return None
        with self._db() as s:
            with self._handling(on={ValueError: lambda _: None}) as h:
                ops.move(s, self._user(s), int(item_id), str(direction))
                self._load(s)
            if h.failed:
                return h.events
        return None

    @db_event
    def ask_delete(self, kind: str, item_id: int):
        """Open the delete dialog with a fresh count of what uses the item and where it may go."""
        ops = self._ops().get(kind)
        if ops is None:
            return None
        item_id = int(item_id)
        with self._db() as s:
            with self._handling() as h:
                count = ops.usage(s, self._user(s), item_id)
                self._load(s)
            if h.failed:
                return h.events
        row = self._row(kind, item_id)
        if row is None:
            return None
        self.delete_kind = kind
        self.delete_id = item_id
        self.delete_name = row.name
        self.delete_count = count
        self.delete_targets = [
            [str(r.id), display_name(r.name, self.lang)]
            for r in self._rows(kind)
            if r.id != item_id and ops.takes(row, r)
        ]
        self.delete_errors = {}
        self.delete_open = True
        return None

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)
        if not value:
            self.delete_errors = {}

    @db_event
    def confirm_delete(self, form: dict):
        ops = self._ops().get(self.delete_kind)
        if ops is None:
            return None
        move_to = str(form.get("move_to_id", "") or "") or None
        # the services read it with int_id too (a bad value gives -1, refused): the same outcome
        move_to_id = int_id(move_to)
        if self.delete_count and not move_to:
            self.delete_errors = {"move_to_id": self._t("Choose where to move them.")}
            return None
        with self._db() as s:
            with self._handling(
                "delete_errors", on={InUse: self._in_use, DomainError: self._delete_failed}
            ) as h:
                moved = ops.delete(s, self._user(s), self.delete_id, move_to_id)
                self._load(s)
            if h.failed:
                return h.events
        self.delete_open = False
        if moved:
            return rx.toast.success(
                self._t(
                    Msg(
                        "Deleted; {count} record moved.",
                        plural="Deleted; {count} records moved.",
                        count=moved,
                    )
                )
            )
        return rx.toast.success(self._t("Deleted."))
