"""Leads -> Import: upload a CSV, map its columns, dry run, then the import as a background job."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import reflex as rx

from crm_app.models import ImportJob, ImportStatus
from crm_app.services import formatting, lead_import
from crm_app.services.errors import DomainError
from crm_app.state import import_jobs, import_values
from crm_app.state.import_values import ValueRow
from crm_app.state.offload import db_event, in_thread
from crm_app.state.session import SessionState

IGNORE = "ignore"  # a select cannot hold "": the value of "Do not import"
POLL_SECONDS = 0.5
PREVIEW_CELL = 80  # characters of a cell shown in the preview


@dataclasses.dataclass
class ColumnRow:
    index: int
    header: str
    sample: str  # the first values of the column


class LeadImportState(SessionState):
    step: str = "upload"  # upload, map, running, done
    file_name: str = ""
    file_note: str = ""  # how the file was read: encoding and separator
    upload_error: rx.Field[str] = rx.field("")
    columns: list[ColumnRow] = []
    headers: list[str] = []
    preview: list[list[str]] = []
    mapping: list[str] = []  # a field key per column, IGNORE for none
    on_duplicate: str = "skip"
    mapping_error: rx.Field[str] = rx.field("")
    # the values of list columns that match nothing, and what the user makes of each
    value_rows: rx.Field[list[ValueRow]] = rx.field(default_factory=list)
    value_choices: dict[str, str] = {}
    job_id: int = 0
    dry_run: bool = False
    running: bool = False
    job_failed: bool = False
    job_message: str = ""
    processed: int = 0
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    reasons: rx.Field[list[list[str]]] = rx.field(
        default_factory=list
    )  # the summary's [reason, rows], most rows first
    other_reasons: int = 0  # rows failed for the reasons not listed
    left_empty: rx.Field[list[str]] = rx.field(
        default_factory=list
    )  # values that matched nothing and were left empty
    _upload_path: str = ""  # backend only: the browser never sees or sets it

    @rx.var
    def progress_percent(self) -> int:
        if self.total <= 0:
            return 0 if self.running else 100
        return min(100, self.processed * 100 // self.total)

    @rx.var
    def mapped_count(self) -> int:
        return sum(1 for key in self.mapping if key != IGNORE)

    # --- helpers ----------------------------------------------------------------------------

    def _upload_failed(self, exc: DomainError) -> None:
        self.upload_error = self._t(exc.message)

    def _set_mapping_error(self, errors: dict[str, str]) -> None:
        self.mapping_error = next(iter(errors.values()), "")

    def _clear_file(self) -> None:
        lead_import.remove_upload(self._upload_path)
        self._upload_path = ""
        self.file_name = ""
        self.file_note = ""
        self.columns = []
        self.headers = []
        self.preview = []
        self.mapping = []
        self.mapping_error = ""
        self.value_rows = []
        self.value_choices = {}

    def _column_mapping(self) -> dict[int, str]:
        return {i: key for i, key in enumerate(self.mapping) if key != IGNORE}

    def _show_job(self, job: ImportJob) -> None:
        self.processed = job.processed
        self.total = job.total_rows
        self.created, self.updated, self.skipped, self.failed = (
            job.created,
            job.updated,
            job.skipped,
            job.failed,
        )

    # --- events -------------------------------------------------------------------------------

    @rx.var
    def shown_counts(self) -> dict[str, str]:
        """The summary's numbers, written the way the user's language writes them (25,000)."""
        # each var named here: Reflex recomputes this when one of them changes
        counts = {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
        }
        return {key: formatting.number(value, self.lang) for key, value in counts.items()}

    @rx.event
    def load(self):
        """A file uploaded earlier may have been cleaned away: then start again. Coming back after
        an import finished starts a new one too (the summary was shown)."""
        if self.step == "done" and not self.dry_run and not self.running:
            self.restart()
            return
        if self.step == "map" and not (self._upload_path and Path(self._upload_path).exists()):
            self._clear_file()
            self.step = "upload"

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        self.upload_error = ""
        with self._handling() as h:
            await in_thread(self._check_user)
        if h.failed:
            return h.events
        if not files:
            return None
        upload = files[0]
        self._clear_file()
        with self._handling(on={DomainError: self._upload_failed}) as h:
            path = await asyncio.to_thread(lead_import.store_upload, upload.file)
            try:
                csv_file = await asyncio.to_thread(lead_import.open_csv, path)
            except DomainError:
                lead_import.remove_upload(path)
                raise
        if h.failed:
            return h.events
        self._upload_path = str(path)
        self.file_name = Path(upload.filename or "leads.csv").name
        self.file_note = self._t("Read as {encoding}, columns separated by {separator}.").format(
            encoding={"utf-8-sig": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}[csv_file.encoding],
            separator={",": self._t("commas"), ";": self._t("semicolons"), "\t": self._t("tabs")}[
                csv_file.delimiter
            ],
        )
        width = len(csv_file.headers)
        rows = [(r + [""] * width)[:width] for r in csv_file.preview]
        self.headers = csv_file.headers
        self.preview = [[c if len(c) <= PREVIEW_CELL else c[:PREVIEW_CELL] + "…" for c in r] for r in rows]
        self.columns = [
            ColumnRow(i, h, " · ".join(v[:40] for v in (r[i].strip() for r in rows) if v)[:160])
            for i, h in enumerate(csv_file.headers)
        ]
        auto = lead_import.auto_map(csv_file.headers)
        self.mapping = [auto.get(i, IGNORE) for i in range(width)]
        self.step = "map"
        return await self._check_values()

    async def _check_values(self):
        """List the values of the mapped list columns that match nothing (one read of the file)."""
        token, path, mapping = self._token(), self._upload_path, self._column_mapping()
        with self._handling() as h:
            fields = await in_thread(import_values.unknown_values, token, path, mapping)
        if h.failed:
            return h.events
        chosen = import_values.suggested(fields)
        # a choice the user made for a value still listed stays
        chosen.update({k: v for k, v in self.value_choices.items() if k in chosen})
        self.value_rows = import_values.rows_of(fields, self._t, self.lang)
        self.value_choices = chosen
        return None

    @rx.event
    def set_value_choice(self, row_id: str, choice: str):
        if row_id in self.value_choices and isinstance(choice, str) and len(choice) <= 40:
            self.value_choices = {**self.value_choices, row_id: choice}

    def _check_user(self) -> None:
        with self._db() as s:
            self._user(s)

    @rx.event
    def upload_rejected(self, rejected: list[dict]):
        codes = {str(e.get("code", "")) for r in rejected for e in (r.get("errors") or [])}
        if "file-too-large" in codes:
            self.upload_error = self._t(
                "This file is larger than {max} MB: split it into smaller files."
            ).format(max=lead_import.MAX_FILE_BYTES // 2**20)
        else:
            self.upload_error = self._t("Choose one CSV file.")

    @rx.event
    async def set_column(self, index: int, key: str):
        index = int(index)
        if 0 <= index < len(self.mapping) and (key == IGNORE or key in lead_import.FIELDS_BY_KEY):
            mapping = list(self.mapping)
            before, mapping[index] = mapping[index], key
            self.mapping = mapping
            self.mapping_error = ""
            if {before, key} & set(lead_import.VALUE_FIELDS):
                return await self._check_values()
        return None

    @rx.event
    def set_on_duplicate(self, value: str):
        if value in lead_import.POLICIES:
            self.on_duplicate = value

    @rx.event
    def restart(self):
        if self.running:
            return
        self._clear_file()
        self.upload_error = ""
        self.job_id = 0
        self.step = "upload"

    @rx.event
    def change_mapping(self):
        if not self.running and self._upload_path and Path(self._upload_path).exists():
            self.step = "map"
        else:
            self.restart()

    @rx.event(background=True)
    async def start_dry_run(self):
        return await self._run(dry_run=True)

    @rx.event(background=True)
    async def start_import(self):
        return await self._run(dry_run=False)

    async def _run(self, *, dry_run: bool):
        async with self:
            if self.running or not self._upload_path:
                return None
            token, columns, width = self._token(), self._column_mapping(), len(self.headers)
            path, policy, file_name = self._upload_path, self.on_duplicate, self.file_name
            choices, lang = import_values.choices(self.value_rows, self.value_choices), self.lang
            with self._handling(self._set_mapping_error) as h:
                user_id, job_id, mapping = await in_thread(
                    import_jobs.create_job, token, columns, width, file_name, policy, dry_run
                )
            if h.failed:
                return h.events
            self.running, self.dry_run, self.job_id, self.step = True, dry_run, job_id, "running"
            self.job_failed, self.job_message = False, ""
            self.processed = self.total = self.created = self.updated = self.skipped = self.failed = 0
            self.reasons, self.other_reasons, self.left_empty = [], 0, []
        task = asyncio.create_task(
            asyncio.to_thread(import_jobs.run_job, user_id, job_id, path, mapping, policy, dry_run, choices)
        )
        while not task.done():
            await asyncio.wait({task}, timeout=POLL_SECONDS)
            job = await in_thread(import_jobs.read_job, job_id)
            async with self:
                self._show_job(job)
        error = task.exception()
        job = await in_thread(import_jobs.read_job, job_id)
        reasons, other_reasons, left_empty = await in_thread(import_jobs.report, user_id, job_id, lang)
        async with self:
            self._show_job(job)
            self.reasons, self.other_reasons, self.left_empty = reasons, other_reasons, left_empty
            self.running = False
            self.step = "done"
            if error is not None or job.status == ImportStatus.FAILED:
                self.job_failed = True
                self.job_message = (
                    self._t(error.message) if isinstance(error, DomainError) else job.message or str(error)
                )
            if not dry_run:
                self._clear_file()  # imported: the file is not needed any more
        if error is not None and not isinstance(error, DomainError):
            raise error
        return None

    @db_event
    def download_failed_rows(self):
        with self._db() as s:
            with self._handling() as h:
                data = lead_import.failed_rows_csv(session=s, user=self._user(s), job_id=self.job_id)
            if h.failed:
                return h.events
        # bytes: in the imported file's encoding (a UTF-8 one keeps its BOM for spreadsheets)
        return rx.download(data=data, filename=f"failed-rows-{self.job_id}.csv", mime_type="text/csv")
