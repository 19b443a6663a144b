"""Leads -> Import history: one page of past imports, and the "Undo this import" dialog."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from crm_app import routes
from crm_app.services import formatting, lead_import
from crm_app.services.i18n import N_, Msg
from crm_app.state.listing import ListState
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

STATUS_LABELS = {
    "pending": N_("Waiting"),
    "running": N_("Running"),
    "done": N_("Done"),
    "failed": N_("Failed"),
    "interrupted": N_("Interrupted"),
    "undone": N_("Undone"),
}


@dataclasses.dataclass
class ImportView:
    id: int
    when: str
    who: str
    file: str
    created: str
    updated: str
    skipped: str
    failed: str
    status: str  # the key (done, interrupted, undone, ...): the badge's colour
    status_label: str
    note: str  # why it failed or stopped, or who undid it and when
    can_undo: bool


@dataclasses.dataclass
class LeadLink:
    id: int
    name: str
    url: str


class ImportHistoryState(ListState, SessionState):
    PAGE_SIZES: ClassVar[tuple[int, ...]] = (10, 20, 50)

    rows: rx.Field[list[ImportView]] = rx.field(default_factory=list)
    loaded: bool = False
    # the dialog: what undoing the chosen import would do
    undo_open: bool = False
    undo_job_id: int = 0
    undo_file: str = ""
    to_delete: int = 0
    to_restore: int = 0
    changed: rx.Field[list[LeadLink]] = rx.field(default_factory=list)
    changed_count: int = 0
    final: rx.Field[list[LeadLink]] = rx.field(default_factory=list)
    final_count: int = 0
    not_allowed: rx.Field[list[LeadLink]] = rx.field(default_factory=list)
    not_allowed_count: int = 0
    include_changed: bool = False
    result_message: str = ""

    @rx.var
    def undo_summary(self) -> str:
        deleted = Msg(
            "{count} lead goes to the recycle bin.",
            plural="{count} leads go to the recycle bin.",
            count=self.to_delete,
        )
        restored = Msg(
            "{count} lead gets back the values the import replaced.",
            plural="{count} leads get back the values the import replaced.",
            count=self.to_restore,
        )
        return f"{self._t(deleted)} {self._t(restored)}"

    @rx.var
    def include_changed_label(self) -> str:
        return self._t(
            Msg(
                "Also undo the {count} lead changed since the import",
                plural="Also undo the {count} leads changed since the import",
                count=self.changed_count,
            )
        )

    # --- helpers -----------------------------------------------------------------------------

    def _view(self, r: lead_import.ImportRow) -> ImportView:
        n = lambda value: formatting.number(value, self.lang)  # noqa: E731
        if r.status == "undone":
            note = self._t(
                Msg(
                    "Undone by {name}, {when}",
                    name=r.undone_by_name,
                    when=formatting.when(r.undone_at, self.lang),
                )
            )
        else:
            note = self._t(r.message) if r.status in ("failed", "interrupted") else ""
        return ImportView(
            id=r.id,
            when=formatting.when(r.created_at, self.lang),
            who=r.user_name,
            file=r.filename,
            created=n(r.created),
            updated=n(r.updated),
            skipped=n(r.skipped),
            failed=n(r.failed),
            status=r.status,
            status_label=self._t(STATUS_LABELS.get(r.status, r.status)),
            note=note,
            can_undo=r.can_undo,
        )

    def _reload(self):
        return self._in_session(self._load_page)

    def _load_page(self, s) -> None:
        user = self._user(s)
        rows, total = lead_import.list_imports(session=s, user=user, page=self.page, page_size=self.page_size)
        if not rows and total and self.page:  # the page went away (fewer imports): the last one
            self.page = self._last_page(total)
            rows, total = lead_import.list_imports(
                session=s, user=user, page=self.page, page_size=self.page_size
            )
        self.rows = [self._view(r) for r in rows]
        self._set_page([r.id for r in rows], total)
        self.loaded = True

    def _links(self, refs: list[lead_import.LeadRef]) -> list[LeadLink]:
        return [LeadLink(r.id, r.name, routes.lead(r.id)) for r in refs]

    def _show_preview(self, p: lead_import.UndoPreview) -> None:
        self.undo_job_id, self.undo_file = p.job_id, p.filename
        self.to_delete, self.to_restore = p.to_delete, p.to_restore
        self.changed, self.changed_count = self._links(p.changed), p.changed_count
        self.final, self.final_count = self._links(p.final), p.final_count
        self.not_allowed, self.not_allowed_count = self._links(p.not_allowed), p.not_allowed_count

    # --- events ------------------------------------------------------------------------------

    @db_event
    def load(self):
        self.result_message = ""
        return self._in_session(self._load_page, page=True)

    @db_event
    def open_undo(self, job_id: int):
        try:
            job_id = int(job_id)
        except (TypeError, ValueError):
            return None
        self.include_changed = False
        with self._db() as s:
            with self._handling() as h:
                self._show_preview(lead_import.undo_preview(session=s, user=self._user(s), job_id=job_id))
            if h.failed:  # undone meanwhile, say: the row shows it now
                self._load_page(s)
                return h.events
        self.undo_open = True
        return None

    @rx.event
    def set_undo_open(self, value: bool):
        self.undo_open = bool(value)

    @rx.event
    def set_include_changed(self, value: bool):
        self.include_changed = bool(value)

    @db_event
    def confirm_undo(self):
        if not self.undo_job_id:
            return None
        with self._db() as s:
            with self._handling() as h:
                result = lead_import.undo_import(
                    session=s,
                    user=self._user(s),
                    job_id=self.undo_job_id,
                    include_changed=self.include_changed,
                )
            self.undo_open = False
            self._load_page(s)
            if h.failed:
                return h.events
        kept = result.kept_changed + result.kept_final + result.kept_other
        self.result_message = self._t(
            Msg(
                "Import undone: {count} lead moved to the recycle bin, {restored} restored, {kept} kept.",
                plural="Import undone: {count} leads moved to the recycle bin, {restored} restored, {kept} kept.",
                count=result.deleted,
                restored=result.restored,
                kept=kept,
            )
        )
        return rx.toast.success(self.result_message)
