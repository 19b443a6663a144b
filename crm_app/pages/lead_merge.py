"""/leads/merge?ids=...: merge likely duplicate leads side by side."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import ObjectVar

from crm_app import routes
from crm_app.components.data_table import scroll_box
from crm_app.components.forms import FieldErrors, crm_form, field_error, form_error
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.state.duplicates import (
    MergeCell,
    MergeColumn,
    MergeFieldRow,
    MergeItem,
    MergeListCell,
    MergeListRow,
    MergeState,
)

CELL_STYLE = {"verticalAlign": "top"}
# MergeState declares `errors` as a plain dict (not an rx.Field): a Var on class access
ERRORS = cast("FieldErrors", MergeState.errors)


def column_header(column: MergeColumn) -> rx.Component:
    return rx.table.column_header_cell(
        rx.vstack(
            rx.link(column.title, href=column.href, weight="bold"),
            rx.text("#", column.id, " · ", column.created, size="1", color_scheme="gray", weight="regular"),
            spacing="0",
        ),
        min_width="12rem",
    )


def keep_cell(column: ObjectVar[MergeColumn]) -> rx.Component:
    input_id = "keep-" + column.id.to_string()
    return rx.table.cell(
        rx.hstack(
            rx.el.input(
                type="radio",
                name="keep",
                id=input_id,
                value=column.id,
                default_checked=column.id == MergeState.columns[0].id,
            ),
            rx.el.label(t("Keep"), " #", column.id, html_for=input_id, style={"fontWeight": 600}),
            align="center",
            spacing="2",
        ),
        style=CELL_STYLE,
    )


def value_text(text: rx.Var) -> rx.Component:
    return rx.cond(text != "", text, rx.text(t("(empty)"), as_="span", color_scheme="gray"))


def choice_cell(row: MergeFieldRow, cell: ObjectVar[MergeCell]) -> rx.Component:
    input_id = "choice-" + row.field + "-" + cell.lead_id.to_string()
    return rx.table.cell(
        rx.cond(
            row.same,
            rx.text(cell.text, white_space="pre-wrap"),
            rx.hstack(
                rx.el.input(
                    type="radio",
                    name="choice_" + row.field,
                    id=input_id,
                    value=cell.lead_id,
                    default_checked=cell.checked,
                    style={"marginTop": "0.3rem"},
                ),
                rx.el.label(value_text(cell.text), html_for=input_id, style={"whiteSpace": "pre-wrap"}),
                align="start",
                spacing="2",
            ),
        ),
        style=CELL_STYLE,
    )


def field_row(row: MergeFieldRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(t(row.label), weight="medium"), field_error(ERRORS, row.field)),
        rx.foreach(row.cells, lambda cell: choice_cell(row, cell)),
        data_testid="merge-row-" + row.field,
    )


def list_item(item: MergeItem) -> rx.Component:
    return rx.cond(
        item.repeat,
        rx.text(item.text, " ", rx.text(t("(listed already)"), as_="span", color_scheme="gray"), size="2"),
        rx.hstack(
            rx.el.input(
                type="checkbox", name=item.name, id=item.name, value=item.value, default_checked=True
            ),
            rx.el.label(item.text, html_for=item.name),
            align="center",
            spacing="2",
        ),
    )


def list_cell(cell: MergeListCell) -> rx.Component:
    return rx.table.cell(
        rx.vstack(rx.foreach(cell.options, list_item), spacing="1"),
        style=CELL_STYLE,
    )


def list_row(row: MergeListRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(t(row.label), weight="medium"),
            rx.text(t("Every checked value is kept."), size="1", color_scheme="gray"),
            field_error(ERRORS, row.field),
        ),
        rx.foreach(row.cells, list_cell),
        data_testid="merge-row-" + row.field,
    )


def merge_form() -> rx.Component:
    return rx.fragment(
        crm_form(
            rx.vstack(
                rx.text(
                    t(
                        "Pick the lead to keep and, on each row, the value it keeps. The other leads go "
                        "to the recycle bin; their activities and history move to the kept lead."
                    ),
                    color_scheme="gray",
                ),
                form_error(ERRORS),
                scroll_box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell(t("Field"), width="11rem"),
                                rx.foreach(MergeState.columns, column_header),
                            )
                        ),
                        rx.table.body(
                            rx.table.row(
                                rx.table.row_header_cell(rx.text(t("Lead to keep"), weight="medium")),
                                rx.foreach(MergeState.columns, keep_cell),
                                data_testid="merge-row-keep",
                                background=rx.color("accent", 2),
                            ),
                            rx.foreach(MergeState.rows, field_row),
                            rx.foreach(MergeState.list_rows, list_row),
                        ),
                        variant="surface",
                        width="100%",
                    ),
                ),
                rx.hstack(
                    rx.button(rx.icon("merge", size=16), t("Merge"), type="submit"),
                    rx.link(t("Cancel"), href=routes.lead_duplicates()),
                    align="center",
                    spacing="4",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=MergeState.merge,
            key=MergeState.form_key,
            width="100%",
        ),
    )


def merged_panel() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("circle_check")),
        rx.callout.text(
            rx.vstack(
                rx.text(MergeState.done_text, weight="medium"),
                rx.hstack(
                    rx.link(t("Open the lead"), href=MergeState.kept_href),
                    rx.link(t("Back to duplicates"), href=routes.lead_duplicates()),
                    rx.button(
                        rx.icon("undo_2", size=14),
                        t("Undo merge"),
                        size="1",
                        variant="soft",
                        on_click=MergeState.undo_merge(MergeState.merge_id),
                    ),
                    spacing="4",
                    align="center",
                ),
                spacing="2",
            )
        ),
        color_scheme="green",
        width="100%",
        data_testid="merge-done",
    )


def merge_page() -> rx.Component:
    return app_shell(
        "Merge leads",
        rx.cond(
            MergeState.loaded,
            rx.box(
                rx.cond(
                    MergeState.merge_id > 0,
                    merged_panel(),
                    rx.cond(
                        MergeState.problem != "",
                        rx.callout(
                            MergeState.problem, icon="triangle_alert", color_scheme="red", role="alert"
                        ),
                        merge_form(),
                    ),
                ),
                width="100%",
                data_loaded="merge",
            ),
            rx.spinner(),
        ),
        actions=rx.link(
            rx.hstack(rx.icon("arrow_left", size=16), t("Back to duplicates"), align="center", spacing="1"),
            href=routes.lead_duplicates(),
        ),
        max_width="96rem",
    )
