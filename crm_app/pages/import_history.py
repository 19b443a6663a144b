"""/leads/import/history: past imports (who, when, file, counts, status) and "Undo this import"."""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app import routes
from crm_app.components.data_table import Column, cell, data_table
from crm_app.components.form_dialog import dialog_buttons
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.pager import paged_list
from crm_app.services.i18n import N_
from crm_app.state.import_history import ImportHistoryState, ImportView

S = ImportHistoryState

# the status (and its Undo button) second: what a phone shows before the table scrolls sideways
COLUMNS = [
    Column(N_("When"), nowrap=True),
    Column(N_("Status"), min_width="9rem"),
    Column(N_("File"), min_width="10rem"),
    Column(N_("Created"), align="right"),
    Column(N_("Updated"), align="right"),
    Column(N_("Skipped"), align="right"),
    Column(N_("Failed"), align="right"),
    Column(N_("Who"), nowrap=True),
]

STATUS_COLOURS: dict[str, Any] = {
    "done": "green",
    "failed": "red",
    "interrupted": "orange",
    "running": "blue",
    "pending": "gray",
    "undone": "gray",
}


def undo_button(row: ImportView) -> rx.Component:
    return rx.cond(
        row.can_undo,
        rx.button(
            rx.icon("undo_2", size=14),
            t("Undo this import"),
            size="1",
            variant="soft",
            color_scheme="red",
            white_space="nowrap",
            on_click=S.open_undo(row.id),
        ),
        rx.fragment(),
    )


def status_cell(row: ImportView) -> rx.Component:
    return rx.vstack(
        rx.match(
            row.status,
            *[
                (key, rx.badge(row.status_label, color_scheme=colour))
                for key, colour in STATUS_COLOURS.items()
            ],
            rx.badge(row.status_label),
        ),
        rx.cond(row.note != "", rx.text(row.note, size="1", color_scheme="gray"), rx.fragment()),
        undo_button(row),
        spacing="1",
        align="start",
    )


def import_cells(row: ImportView) -> list[rx.Component]:
    c = COLUMNS
    return [
        cell(row.when, c[0]),
        cell(status_cell(row), c[1]),
        cell(rx.text(row.file, overflow_wrap="anywhere"), c[2]),
        cell(row.created, c[3]),
        cell(row.updated, c[4]),
        cell(row.skipped, c[5]),
        cell(row.failed, c[6]),
        cell(row.who, c[7]),
    ]


def lead_list(title: str, help_text: str, links: Any, count: Any, testid: str) -> rx.Component:
    """One list of the preview: its title and count, the leads as links (the first ones)."""
    return rx.cond(
        count > 0,
        rx.vstack(
            rx.hstack(
                rx.text(t(title), weight="medium", size="2"),
                rx.badge(count, variant="soft"),
                align="center",
                spacing="2",
            ),
            rx.text(t(help_text), size="1", color_scheme="gray"),
            rx.flex(
                rx.foreach(
                    links,
                    lambda link: rx.link(link.name, href=link.url, size="2", data_testid=f"{testid}-lead"),
                ),
                wrap="wrap",
                spacing="1",
                column_gap="0.75rem",
            ),
            spacing="1",
            width="100%",
            data_testid=testid,
        ),
        rx.fragment(),
    )


def undo_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Undo this import")),
            rx.vstack(
                rx.text(S.undo_file, weight="bold", overflow_wrap="anywhere"),
                rx.text(S.undo_summary, size="2", data_testid="undo-summary"),
                lead_list(
                    N_("Changed since the import"),
                    N_("Kept as they are, unless you tick the box below."),
                    S.changed,
                    S.changed_count,
                    "changed-since",
                ),
                lead_list(
                    N_("Converted or closed as junk since"),
                    N_("Always kept."),
                    S.final,
                    S.final_count,
                    "final-leads",
                ),
                lead_list(
                    N_("Not yours to delete or change"),
                    N_("Kept."),
                    S.not_allowed,
                    S.not_allowed_count,
                    "not-allowed",
                ),
                rx.cond(
                    S.changed_count > 0,
                    rx.el.label(
                        rx.hstack(
                            rx.checkbox(checked=S.include_changed, on_change=S.set_include_changed),
                            rx.text(S.include_changed_label, size="2"),
                            align="center",
                            spacing="2",
                        ),
                        style={"cursor": "pointer"},
                    ),
                    rx.fragment(),
                ),
                rx.text(
                    t("Deleted leads can be brought back from the recycle bin."),
                    size="1",
                    color_scheme="gray",
                ),
                dialog_buttons(
                    submit=rx.button(t("Undo the import"), color_scheme="red", on_click=S.confirm_undo),
                ),
                spacing="3",
                width="100%",
            ),
            max_width="32rem",
            overflow_wrap="anywhere",
        ),
        open=S.undo_open,
        on_open_change=S.set_undo_open,
    )


def import_history_page() -> rx.Component:
    return app_shell(
        "Import history",
        paged_list(
            S,
            data_table(COLUMNS, S.rows, import_cells, row_testid="import-row"),
            (N_("No imports yet."), N_("Imports you run appear here, and can be undone.")),
            loaded="imports",
        ),
        undo_dialog(),
        actions=rx.hstack(
            rx.link(
                rx.button(rx.icon("arrow_left", size=16), t("Back to leads"), variant="soft"),
                href=routes.back_to_list(routes.LEADS),
            ),
            rx.link(
                rx.button(rx.icon("upload", size=16), t("Import leads"), variant="soft"),
                href=routes.lead_import(),
            ),
            spacing="2",
            wrap="wrap",
        ),
    )
