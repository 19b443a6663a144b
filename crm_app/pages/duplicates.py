"""/leads/duplicates: groups of likely duplicate leads, recent merges with undo."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.duplicates import REASONS
from crm_app.state.duplicates import (
    DuplicatesState,
    GroupLeadView,
    GroupView,
    MergeView,
    ReasonView,
)


def back_to_leads() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow_left", size=16), t("Back to leads"), align="center", spacing="1"),
        href=routes.leads(),
    )


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
