"""/leads/import: upload a CSV file, map its columns, dry run, import with a progress bar."""

from __future__ import annotations

from typing import cast

import reflex as rx

from crm_app import routes
from crm_app.components.i18n import t
from crm_app.components.import_progress import done_step, running_step
from crm_app.components.import_values import value_mapping
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_
from crm_app.services.lead_import import FIELDS, MAX_FILE_BYTES
from crm_app.state.lead_import import IGNORE, ColumnRow, LeadImportState

UPLOAD_ID = "lead_csv"
FIELD_OPTIONS: list[tuple[str, str]] = [(IGNORE, N_("Do not import")), *((f.key, f.label) for f in FIELDS)]
POLICIES: list[tuple[str, str, str]] = [
    ("skip", N_("Skip them"), N_("Nothing is changed; the summary counts them as duplicates skipped.")),
    (
        "update",
        N_("Update the existing lead"),
        N_("The values in the file replace the lead's; empty cells leave them as they are."),
    ),
    ("create", N_("Create them anyway"), N_("Each row becomes a new lead.")),
]
STEPS = [("upload", N_("Choose a file")), ("map", N_("Map columns")), ("done", N_("Import"))]


def step_badge(number: int, key: str, label: str) -> rx.Component:
    step = LeadImportState.step
    current = (step == key) | ((key == "done") & (step == "running"))
    return rx.hstack(
        rx.badge(str(number), radius="full", variant=rx.cond(current, "solid", "soft")),
        rx.text(t(label), size="2", weight=rx.cond(current, "bold", "regular")),
        align="center",
        spacing="2",
    )


def steps() -> rx.Component:
    items: list[rx.Component] = []
    for i, (key, label) in enumerate(STEPS):
        if i:
            items.append(rx.icon("chevron_right", size=16, color=rx.color("gray", 8)))
        items.append(step_badge(i + 1, key, label))
    return rx.hstack(*items, align="center", spacing="3", aria_label=t("Import steps"))


def error_callout(message: rx.Var[str]) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
        rx.fragment(),
    )


# --- step 1: upload ----------------------------------------------------------------------------


def upload_step() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.upload.root(
                rx.vstack(
                    rx.icon("file_up", size=32, color=rx.color("accent", 9)),
                    rx.text(t("Drop a CSV file here, or click to choose one"), weight="medium"),
                    rx.text(
                        t("Up to 50 MB. The first row holds the column names."),
                        size="2",
                        color_scheme="gray",
                    ),
                    align="center",
                    spacing="2",
                    padding="2.5rem",
                    width="100%",
                ),
                id=UPLOAD_ID,
                multiple=False,
                max_files=1,
                max_size=MAX_FILE_BYTES,
                accept={"text/csv": [".csv", ".txt", ".tsv"], "text/plain": [".csv", ".txt", ".tsv"]},
                on_drop=LeadImportState.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
                on_drop_rejected=LeadImportState.upload_rejected,
                border=f"2px dashed {rx.color('accent', 7)}",
                border_radius="0.75rem",
                background=rx.color("accent", 2),
                cursor="pointer",
                width="100%",
                aria_label=t("CSV file to import"),
            ),
            error_callout(LeadImportState.upload_error),
            rx.text(
                t(
                    "Columns are matched to lead fields by their names, including the headers of a "
                    "Bitrix24 lead export in English or French. You can change every match before importing."
                ),
                size="2",
                color_scheme="gray",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


# --- step 2: mapping -------------------------------------------------------------------------------


def field_select(column: ColumnRow) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=column.header, width="100%"),
        rx.select.content(*[rx.select.item(t(label), value=key) for key, label in FIELD_OPTIONS]),
        value=LeadImportState.mapping[column.index],
        on_change=lambda key: LeadImportState.set_column(column.index, key),
        disabled=LeadImportState.running,
    )


def mapping_row(column: ColumnRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(column.header, weight="medium")),
        rx.table.cell(field_select(column), min_width="14rem"),
        rx.table.cell(rx.text(column.sample, size="2", color_scheme="gray", trim="end")),
        align="center",
        data_testid="mapping-row",
    )


def mapping_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(t("Column in the file"), width="14rem"),
                rx.table.column_header_cell(t("Lead field"), width="16rem"),
                rx.table.column_header_cell(t("First values")),
            )
        ),
        rx.table.body(rx.foreach(LeadImportState.columns, mapping_row)),
        variant="surface",
        width="100%",
        size="1",
    )


def preview_table() -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.foreach(
                        LeadImportState.headers,
                        lambda h: rx.table.column_header_cell(h, white_space="nowrap"),
                    )
                )
            ),
            rx.table.body(
                rx.foreach(
                    LeadImportState.preview,
                    lambda row: rx.table.row(
                        rx.foreach(row, lambda cell: rx.table.cell(cell, white_space="pre-line"))
                    ),
                )
            ),
            size="1",
            variant="surface",
        ),
        overflow_x="auto",
        width="100%",
        aria_label=t("Preview of the first rows"),
        data_testid="preview",
    )


def policy_choice() -> rx.Component:
    return rx.vstack(
        rx.text(t("Rows whose e-mail or phone is already in the CRM"), weight="medium", id="policy-label"),
        rx.radio_group.root(
            rx.vstack(
                *[
                    rx.el.label(
                        rx.hstack(
                            rx.radio_group.item(value=key),
                            rx.vstack(
                                rx.text(t(label), size="2", weight="medium"),
                                rx.text(t(help_text), size="1", color_scheme="gray"),
                                spacing="0",
                            ),
                            align="start",
                            spacing="2",
                        ),
                        style={"cursor": "pointer"},
                    )
                    for key, label, help_text in POLICIES
                ],
                spacing="2",
            ),
            value=LeadImportState.on_duplicate,
            on_change=LeadImportState.set_on_duplicate,
            aria_labelledby="policy-label",
            disabled=LeadImportState.running,
        ),
        spacing="2",
    )


def map_step() -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.hstack(
                rx.icon("file_text", size=20, color=rx.color("accent", 9)),
                rx.vstack(
                    rx.text(LeadImportState.file_name, weight="bold"),
                    rx.text(LeadImportState.file_note, size="1", color_scheme="gray"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.button(
                    t("Choose another file"), variant="ghost", on_click=LeadImportState.restart, type="button"
                ),
                align="center",
                width="100%",
            ),
            width="100%",
        ),
        rx.heading(t("Columns"), size="4", as_="h2"),
        mapping_table(),
        value_mapping(),
        rx.heading(t("First rows of the file"), size="4", as_="h2"),
        preview_table(),
        rx.card(policy_choice(), width="100%"),
        error_callout(LeadImportState.mapping_error),
        rx.hstack(
            rx.text(
                LeadImportState.mapped_count,
                " ",
                t("columns will be imported."),
                size="2",
                color_scheme="gray",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("flask_conical", size=16),
                t("Dry run"),
                variant="soft",
                on_click=LeadImportState.start_dry_run,
                loading=LeadImportState.running,
            ),
            rx.button(
                rx.icon("upload", size=16),
                t("Import"),
                on_click=LeadImportState.start_import,
                loading=LeadImportState.running,
            ),
            align="center",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def lead_import_page() -> rx.Component:
    return app_shell(
        "Import leads",
        steps(),
        # rx.match with component cases returns a Component (a Fragment): its stub says Component | Var
        cast(
            "rx.Component",
            rx.match(
                LeadImportState.step,
                ("map", map_step()),
                ("running", running_step()),
                ("done", done_step()),
                upload_step(),
            ),
        ),
        actions=rx.hstack(
            rx.button(
                rx.link(
                    rx.icon("arrow_left", size=16), t("Back to leads"), href=routes.back_to_list(routes.LEADS)
                ),
                variant="soft",
                as_child=True,
            ),
            rx.button(
                rx.link(rx.icon("history", size=16), t("Import history"), href=routes.lead_import_history()),
                variant="soft",
                as_child=True,
            ),
            spacing="2",
            wrap="wrap",
        ),
    )
