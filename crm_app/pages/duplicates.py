"""/leads/duplicates: groups of likely duplicate leads, recent merges with undo."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from crm_app import routes
from crm_app.components.data_table import Column, cell, data_table
from crm_app.components.i18n import colon, t
from crm_app.components.layout import app_shell
from crm_app.components.pager import pager
from crm_app.services.duplicates import REASONS
from crm_app.services.i18n import N_
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
        href=routes.back_to_list(routes.LEADS),
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
        colon(),
        reason.value,
        variant="soft",
        color_scheme="amber",
        size="2",
        max_width="28rem",
        overflow="hidden",
        text_overflow="ellipsis",
        white_space="nowrap",
    )


GROUP_COLUMNS = [
    Column(N_("Name"), min_width="8rem"),
    Column(N_("Company"), min_width="8rem"),
    Column(N_("E-mails")),
    Column(N_("Phones"), nowrap=True),
    Column(N_("Status"), nowrap=True),
    Column(N_("Created"), nowrap=True),
]


def group_lead_cells(lead: ObjectVar[GroupLeadView]) -> list[rx.Component]:
    c = GROUP_COLUMNS
    return [
        cell(rx.link(rx.cond(lead.name != "", lead.name, "#" + lead.id.to_string()), href=lead.href), c[0]),
        cell(lead.company, c[1]),
        cell(lead.emails, c[2]),
        cell(lead.phones, c[3]),
        cell(lead.status, c[4]),
        cell(lead.created, c[5]),
    ]


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
            data_table(GROUP_COLUMNS, group.leads, group_lead_cells, variant="ghost"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="duplicate-group",
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
        # DuplicatesState declares `merges` as a plain list (not an rx.Field): a Var on class access
        cast("ArrayVar[list[MergeView]]", DuplicatesState.merges).length() > 0,
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
                        pager(DuplicatesState, sizes=DuplicatesState.PAGE_SIZES),
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
