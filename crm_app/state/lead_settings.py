"""Settings -> Leads: statuses, sources, junk reasons and the default phone region.

Everyone sees the lists; only administrators change them (the service checks, whatever the browser
sends). The three lists share one edit dialog and one delete dialog, told apart by `kind`.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

import reflex as rx

from crm_app.services import lead_settings as ls
from crm_app.services.defaults import display_name
from crm_app.services.errors import DomainError
from crm_app.services.i18n import N_, Msg
from crm_app.services.junk_reasons import ReasonRow
from crm_app.services.lead_statuses import StatusRow
from crm_app.services.settings_lists import int_id
from crm_app.services.sources import SourceRow
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

KINDS = ("status", "source", "reason")


Row = TypeVar("Row", StatusRow, SourceRow, ReasonRow)


def _shown(row: Row, lang: str) -> Row:
    return dataclasses.replace(row, name=display_name(row.name, lang))


class LeadSettingsState(SessionState):
    statuses: list[StatusRow] = []
    sources: list[SourceRow] = []
    reasons: rx.Field[list[ReasonRow]] = rx.field(default_factory=list)
    region: str = ""
    regions: list[list[str]] = []
    loaded: bool = False
    # the add forms: {field: message} each; a form remounts (emptied) when its key changes
    status_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    source_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    reason_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    status_key: int = 0
    source_key: int = 0
    reason_key: int = 0
    region_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    # the edit dialog
    edit_open: bool = False
    edit_kind: str = ""
    edit_id: int = 0
    edit_name: str = ""
    edit_color: str = ""
    edit_version: int = 0
    edit_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    # the delete dialog: what uses the item, and where it can go
    delete_open: bool = False
    delete_kind: str = ""
    delete_id: int = 0
    delete_name: str = ""
    delete_count: int = 0
    delete_targets: list[list[str]] = []
    delete_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    # --- helpers -----------------------------------------------------------------------------

    def _load(self, s) -> None:
        user = self._user(s)
        # defaults nobody renamed show in the user's language (services/defaults.display_name)
        self.statuses = [_shown(r, self.lang) for r in ls.list_statuses(session=s, user=user)]
        self.sources = [_shown(r, self.lang) for r in ls.list_sources(session=s, user=user)]
        self.reasons = [_shown(r, self.lang) for r in ls.list_junk_reasons(session=s, user=user)]
        self.region = ls.get_phone_region(session=s, user=user)
        self.regions = [[code, label] for code, label in ls.region_choices(self.lang)]
        self.loaded = True

    def _reload(self) -> None:
        with self._db() as s:
            with self._handling(on={DomainError: lambda _: None}):
                self._load(s)

    def _reload_and_fail(self, exc: DomainError):
        self._reload()
        return self._fail(exc)

    def _in_use(self, exc: ls.InUse) -> None:
        # someone gave it records meanwhile: ask where they go
        self.delete_count = exc.count
        self.delete_errors = {"move_to_id": self._t(exc.message)}

    def _delete_failed(self, exc: DomainError):
        self.delete_open = False
        return self._reload_and_fail(exc)

    def _row(self, kind: str, item_id: int):
        rows = {"status": self.statuses, "source": self.sources, "reason": self.reasons}.get(kind, [])
        return next((r for r in rows if r.id == item_id), None)

    def _set_add_errors(self, kind: str, errors: dict[str, str]) -> None:
        setattr(self, f"{kind}_errors", errors)

    # --- events -------------------------------------------------------------------------------

    @db_event
    def load(self):
        self.edit_open = False
        self.delete_open = False
        return self._in_session(self._load, page=True)

    @db_event
    def add_item(self, kind: str, form: dict):
        """The three add forms: a status (name, colour, type), a source or a junk reason (name)."""
        if kind not in KINDS:
            return None
        name = str(form.get("name", ""))
        with self._db() as s:
            with self._handling(lambda errors: self._set_add_errors(kind, errors)) as h:
                user = self._user(s)
                if kind == "status":
                    ls.add_status(
                        session=s,
                        user=user,
                        name=name,
                        color=str(form.get("color", ls.DEFAULT_COLOR)),
                        semantic=str(form.get("semantic", "in_progress")),
                    )
                elif kind == "source":
                    ls.add_source(session=s, user=user, name=name)
                else:
                    ls.add_junk_reason(session=s, user=user, name=name)
                self._load(s)
            if h.failed:
                return h.events
        messages = {
            "status": N_("Status added."),
            "source": N_("Source added."),
            "reason": N_("Reason added."),
        }
        self._set_add_errors(kind, {})
        setattr(self, f"{kind}_key", getattr(self, f"{kind}_key") + 1)
        return rx.toast.success(self._t(messages[kind]))

    @rx.event
    def open_edit(self, kind: str, item_id: int):
        row = self._row(kind, int(item_id))
        if row is None:
            return None
        self.edit_kind = kind
        self.edit_id = row.id
        self.edit_name = row.name
        self.edit_color = getattr(row, "color", "")
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
        name = str(form.get("name", ""))
        with self._db() as s:
            with self._handling("edit_errors", on={DomainError: self._reload_and_fail}) as h:
                user = self._user(s)
                if self.edit_kind == "status":
                    ls.update_status(
                        session=s,
                        user=user,
                        status_id=self.edit_id,
                        name=name,
                        color=str(form.get("color", self.edit_color)),
                        expected_version=self.edit_version,
                    )
                elif self.edit_kind == "source":
                    ls.rename_source(
                        session=s,
                        user=user,
                        source_id=self.edit_id,
                        name=name,
                        expected_version=self.edit_version,
                    )
                elif self.edit_kind == "reason":
                    ls.rename_junk_reason(
                        session=s,
                        user=user,
                        reason_id=self.edit_id,
                        name=name,
                        expected_version=self.edit_version,
                    )
                else:
                    return None
                self._load(s)
            if h.failed:
                return h.events
        self.edit_open = False
        return rx.toast.success(self._t("Saved."))

    @db_event
    def move(self, kind: str, item_id: int, direction: str):
        with self._db() as s:
            with self._handling() as h:
                user = self._user(s)
                if kind == "status":
                    ls.move_status(session=s, user=user, status_id=int(item_id), direction=direction)
                elif kind == "source":
                    ls.move_source(session=s, user=user, source_id=int(item_id), direction=direction)
                elif kind == "reason":
                    ls.move_junk_reason(session=s, user=user, reason_id=int(item_id), direction=direction)
                self._load(s)
            if h.failed:
                return h.events
        return None

    @db_event
    def set_source_active(self, source_id: int, active: bool):
        with self._db() as s:
            with self._handling() as h:
                ls.set_source_active(
                    session=s, user=self._user(s), source_id=int(source_id), active=bool(active)
                )
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Source activated.") if active else self._t("Source deactivated."))

    @db_event
    def ask_delete(self, kind: str, item_id: int):
        """Open the delete dialog with a fresh count of what uses the item and where it may go."""
        item_id = int(item_id)
        with self._db() as s:
            with self._handling() as h:
                user = self._user(s)
                if kind == "status":
                    count = ls.status_usage(session=s, user=user, status_id=item_id)
                    self._load(s)
                    row = self._row(kind, item_id)
                    targets = [
                        r for r in self.statuses if r.id != item_id and row and r.semantic == row.semantic
                    ]
                elif kind == "source":
                    count = ls.source_usage(session=s, user=user, source_id=item_id)
                    self._load(s)
                    targets = [r for r in self.sources if r.id != item_id and r.is_active]
                elif kind == "reason":
                    count = ls.junk_reason_usage(session=s, user=user, reason_id=item_id)
                    self._load(s)
                    targets = [r for r in self.reasons if r.id != item_id]
                else:
                    return None
            if h.failed:
                return h.events
        row = self._row(kind, item_id)
        if row is None:
            return None
        self.delete_kind = kind
        self.delete_id = item_id
        self.delete_name = row.name
        self.delete_count = count
        self.delete_targets = [[str(r.id), display_name(r.name, self.lang)] for r in targets]
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
        move_to = str(form.get("move_to_id", "") or "") or None
        # the services read it with int_id too (a bad value gives -1, refused): the same outcome
        move_to_id = int_id(move_to)
        if self.delete_count and not move_to:
            self.delete_errors = {"move_to_id": self._t("Choose where to move them.")}
            return None
        with self._db() as s:
            with self._handling(
                "delete_errors", on={ls.InUse: self._in_use, DomainError: self._delete_failed}
            ) as h:
                user = self._user(s)
                if self.delete_kind == "status":
                    moved = ls.delete_status(
                        session=s, user=user, status_id=self.delete_id, move_to_id=move_to_id
                    )
                elif self.delete_kind == "source":
                    moved = ls.delete_source(
                        session=s, user=user, source_id=self.delete_id, move_to_id=move_to_id
                    )
                elif self.delete_kind == "reason":
                    moved = ls.delete_junk_reason(
                        session=s, user=user, reason_id=self.delete_id, move_to_id=move_to_id
                    )
                else:
                    return None
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

    @rx.event
    def set_region(self, value: str):
        self.region = str(value)
        self.region_errors = {}

    @db_event
    def save_region(self, form: dict):
        with self._db() as s:
            with self._handling("region_errors") as h:
                self.region = ls.set_phone_region(
                    session=s, user=self._user(s), region=str(form.get("phone_region", self.region))
                )
            if h.failed:
                return h.events
        self.region_errors = {}
        return rx.toast.success(self._t("Default country saved."))
