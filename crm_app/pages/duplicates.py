"""/leads/duplicates (groups of likely duplicate leads) and /leads/merge?ids=... (merge side by side)."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, field_error, form_error
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.duplicates import REASONS
from crm_app.state.duplicates import (
    DuplicatesState,
    GroupLeadView,
    GroupView,
    MergeCell,
    MergeColumn,
    MergeFieldRow,
    MergeItem,
    MergeListCell,
    MergeListRow,
    MergeState,
    MergeView,
    ReasonView,
)


def back_to_leads() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow_left", size=16), t("Back to leads"), align="center", spacing="1"),
        href="/leads",
    )


# --- /leads/duplicates -------------------------------------------------------------------------


def reason_badge(reason: ReasonView) -> rx.Component:
    label = rx.match(reason.reason, *[(key, t(text)) for key, text in REASONS.items()], reason.reason)
    return rx.badge(
        rx.match(
            reason.reason,
            ("email", rx.icon("mail", size=12)),
            ("phone", rx.icon("phone", size=12)),
            rx.icon("building_2", size=12),
        ),
        label,
        ": ",
        reason.value,
        variant="soft",
        color_scheme="amber",
        size="2",
        max_width="28rem",
        overflow="hidden",
        text_overflow="ellipsis",
        white_space="nowrap",
    )


def group_lead_row(lead: GroupLeadView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(rx.cond(lead.name != "", lead.name, "#" + lead.id.to_string()), href=lead.href)
        ),
        rx.table.cell(lead.company),
        rx.table.cell(lead.emails),
        rx.table.cell(lead.phones, white_space="nowrap"),
        rx.table.cell(lead.status),
        rx.table.cell(lead.created, white_space="nowrap"),
    )


def group_card(group: GroupView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.hstack(rx.foreach(group.reasons, reason_badge), wrap="wrap", spacing="2"),
                rx.spacer(),
                rx.button(
                    rx.link(rx.icon("merge", size=16), t("Merge"), href=group.merge_href, underline="none"),
                    as_child=True,
                    size="2",
                ),
                width="100%",
                align="start",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell(t("Name")),
                        rx.table.column_header_cell(t("Company")),
                        rx.table.column_header_cell(t("E-mails")),
                        rx.table.column_header_cell(t("Phones")),
                        rx.table.column_header_cell(t("Status")),
                        rx.table.column_header_cell(t("Created")),
                    )
                ),
                rx.table.body(rx.foreach(group.leads, group_lead_row)),
                width="100%",
                size="1",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="duplicate-group",
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            t("Previous"),
            on_click=DuplicatesState.prev_page,
            disabled=~DuplicatesState.has_prev,
            variant="soft",
            size="1",
        ),
        rx.text(DuplicatesState.page + 1, " / ", DuplicatesState.page_count, size="2"),
        rx.button(
            t("Next"),
            on_click=DuplicatesState.next_page,
            disabled=~DuplicatesState.has_next,
            variant="soft",
            size="1",
        ),
        rx.text(t("Groups"), ": ", DuplicatesState.total, size="2", color_scheme="gray"),
        align="center",
        spacing="3",
    )


def recent_merge_row(merge: MergeView) -> rx.Component:
    return rx.hstack(
        rx.icon("merge", size=16, color=rx.color("gray", 10)),
        rx.link(merge.kept_name, href=merge.kept_href, weight="medium"),
        rx.text(merge.merged, size="2", color_scheme="gray"),
        rx.text(merge.author, " · ", merge.when, size="2", color_scheme="gray"),
        rx.spacer(),
        rx.cond(
            merge.can_undo,
            rx.button(
                rx.icon("undo_2", size=14),
                t("Undo merge"),
                size="1",
                variant="soft",
                on_click=DuplicatesState.undo_merge(merge.id),
            ),
            rx.fragment(),
        ),
        align="center",
        width="100%",
        data_testid="recent-merge",
    )


def recent_merges() -> rx.Component:
    return rx.cond(
        DuplicatesState.merges.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading(t("Recent merges"), size="3", as_="h2"),
                rx.foreach(DuplicatesState.merges, recent_merge_row),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        rx.fragment(),
    )


def duplicates_page() -> rx.Component:
    return app_shell(
        "Duplicates",
        rx.text(
            t("Open leads that share an e-mail, a phone number or a similar company name."),
            color_scheme="gray",
        ),
        rx.cond(
            DuplicatesState.loaded,
            rx.vstack(
                recent_merges(),
                rx.cond(
                    DuplicatesState.total > 0,
                    rx.vstack(
                        rx.foreach(DuplicatesState.groups, group_card),
                        pager(),
                        spacing="3",
                        width="100%",
                    ),
                    rx.callout(t("No duplicates found."), icon="circle_check", color_scheme="green"),
                ),
                spacing="4",
                width="100%",
                data_loaded="duplicates",
            ),
            rx.spinner(),
        ),
        actions=back_to_leads(),
    )


# --- /leads/merge ---------------------------------------------------------------------------------

CELL_STYLE = {"verticalAlign": "top"}


def column_header(column: MergeColumn) -> rx.Component:
    return rx.table.column_header_cell(
        rx.vstack(
            rx.link(column.title, href=column.href, weight="bold"),
            rx.text("#", column.id, " · ", column.created, size="1", color_scheme="gray", weight="regular"),
            spacing="0",
        ),
        min_width="12rem",
    )


def keep_cell(column: MergeColumn) -> rx.Component:
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


def choice_cell(row: MergeFieldRow, cell: MergeCell) -> rx.Component:
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
        rx.table.row_header_cell(
            rx.text(t(row.label), weight="medium"), field_error(MergeState.errors, row.field)
        ),
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
            field_error(MergeState.errors, row.field),
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
                form_error(MergeState.errors),
                rx.box(
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
                    width="100%",
                    overflow_x="auto",
                ),
                rx.hstack(
                    rx.button(rx.icon("merge", size=16), t("Merge"), type="submit"),
                    rx.link(t("Cancel"), href="/leads/duplicates"),
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
                    rx.link(t("Back to duplicates"), href="/leads/duplicates"),
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
            href="/leads/duplicates",
        ),
        max_width="96rem",
    )
