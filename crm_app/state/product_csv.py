"""/products: import a CSV file into the catalogue (its report in the dialog) and export it."""

from __future__ import annotations

import asyncio

import reflex as rx

from crm_app.services import formatting, lead_import, product_csv
from crm_app.services.errors import DomainError
from crm_app.services.i18n import SEMICOLON, Msg
from crm_app.state.offload import db_event, in_thread
from crm_app.state.products import ProductsState
from crm_app.state.session import SessionState

UPLOAD_ID = "product-csv"


class ProductCsvState(SessionState):
    import_open: bool = False
    importing: bool = False
    import_error: str = ""
    summary: list[str] = []  # the report's lines: created, updated...
    failures: list[str] = []  # "Row 4: Name is required."
    more_failures: str = ""  # "... and 12 more rows"

    @rx.var
    def has_report(self) -> bool:
        return bool(self.summary)

    @rx.event
    def set_import_open(self, value: bool):
        self.import_open = bool(value)
        if value:
            self.import_error, self.summary, self.failures, self.more_failures = "", [], [], ""

    @rx.event
    def upload_rejected(self, rejected: list[dict]):
        codes = {str(e.get("code", "")) for r in rejected for e in (r.get("errors") or [])}
        if "file-too-large" in codes:
            self.import_error = self._t(
                Msg(
                    "This file is larger than {max} MB: split it into smaller files.",
                    max=lead_import.MAX_FILE_BYTES // 2**20,
                )
            )
        else:
            self.import_error = self._t("Choose one CSV file.")

    def _import(self, path: str) -> None:
        self.import_error, self.summary, self.failures, self.more_failures = "", [], [], ""
        with self._db() as s, self._handling(on={DomainError: self._failed}):
            report = product_csv.import_products(session=s, user=self._user(s), path=path)
            self._show(report)

    def _failed(self, exc: DomainError) -> None:
        self.import_error = self._t(exc.message)

    def _show(self, report: product_csv.ImportReport) -> None:
        def shown(count: int) -> str:
            return formatting.number(count, self.lang)

        lines = [
            Msg(
                "{shown} product added",
                plural="{shown} products added",
                count=report.created,
                shown=shown(report.created),
            ),
            Msg(
                "{shown} product updated",
                plural="{shown} products updated",
                count=report.updated,
                shown=shown(report.updated),
            ),
        ]
        if report.unchanged:
            lines.append(
                Msg(
                    "{shown} product unchanged",
                    plural="{shown} products unchanged",
                    count=report.unchanged,
                    shown=shown(report.unchanged),
                )
            )
        if report.sections_created:
            lines.append(
                Msg(
                    "{shown} section added",
                    plural="{shown} sections added",
                    count=report.sections_created,
                    shown=shown(report.sections_created),
                )
            )
        lines.append(
            Msg(
                "{shown} row not imported",
                plural="{shown} rows not imported",
                count=report.failed,
                shown=shown(report.failed),
            )
        )
        if report.ignored_columns:
            lines.append(Msg("Columns ignored: {columns}", columns=", ".join(report.ignored_columns)[:300]))
        self.summary = [self._t(m) for m in lines]
        sep = self._t(SEMICOLON)
        self.failures = [
            self._t(Msg("Row {row}: {reasons}", row=f.row, reasons=sep.join(self._t(r) for r in f.reasons)))
            for f in report.failures[:200]
        ]
        rest = report.failed - len(self.failures)
        self.more_failures = (
            self._t(
                Msg("… and {shown} more row", plural="… and {shown} more rows", count=rest, shown=shown(rest))
            )
            if rest > 0
            else ""
        )

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        """Store the file (refused past 50 MB), then import it in a database thread."""
        if not files:
            return
        with self._handling(on={DomainError: self._failed}) as h:
            path = await asyncio.to_thread(lead_import.store_upload, files[0].file)
        if h.failed:
            return
        self.importing = True
        yield
        try:
            await in_thread(self._import, str(path))
        finally:
            lead_import.remove_upload(path)
            self.importing = False
        yield ProductsState.refresh

    @db_event
    def export(self):
        with self._db() as s, self._handling() as h:
            data = product_csv.export_csv(session=s, user=self._user(s))
        if h.failed:
            return h.events
        return rx.download(data=data, filename="products.csv", mime_type="text/csv")
