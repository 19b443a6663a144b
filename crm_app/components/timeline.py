"""The timeline panel (comment box, planned activities, history), shared by every card."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form
from crm_app.components.i18n import t
from crm_app.state.timeline import PlannedView, TimelineState, TimelineView


def comment_box() -> rx.Component:
    return crm_form(
        rx.vstack(
            rx.el.label(
                t("New comment"),
                html_for="timeline-comment",
                style={"fontSize": "0.875rem", "fontWeight": 500},
            ),
            rx.text_area(
                id="timeline-comment",
                name="comment",
                placeholder=t("Write a comment…"),
                rows="3",
                width="100%",
            ),
            rx.cond(
                TimelineState.comment_error != "",
                rx.text(TimelineState.comment_error, color="red", size="1", role="alert"),
                rx.fragment(),
            ),
            rx.hstack(rx.button(t("Add comment"), type="submit", size="2"), justify="end", width="100%"),
            spacing="2",
            width="100%",
        ),
        on_submit=TimelineState.add_comment,
        width="100%",
    )


def planned_item(item: PlannedView) -> rx.Component:
    return rx.hstack(
        rx.icon(item.icon, size=16, color=rx.cond(item.overdue, rx.color("red", 10), rx.color("accent", 10))),
        rx.vstack(
            rx.text(item.subject, size="2", weight="medium"),
            rx.text(
                item.deadline,
                " · ",
                item.responsible,
                size="1",
                color=rx.cond(item.overdue, rx.color("red", 11), rx.color("gray", 11)),
            ),
            spacing="0",
        ),
        align="start",
        spacing="2",
        padding_y="0.25rem",
    )


def history_item(item: TimelineView) -> rx.Component:
    return rx.hstack(
        rx.box(
            rx.icon(item.icon, size=14),
            padding="0.35rem",
            border_radius="50%",
            background=rx.color("accent", 3),
            color=rx.color("accent", 11),
        ),
        rx.vstack(
            rx.hstack(
                rx.text(item.title, size="2", weight="medium"),
                rx.spacer(),
                rx.text(item.when, size="1", color_scheme="gray"),
                width="100%",
            ),
            rx.cond(
                item.detail != "",
                rx.text(
                    item.detail,
                    size="2",
                    white_space="pre-wrap",
                    word_break="break-word",
                    background=rx.cond(item.is_comment, rx.color("gray", 2), "transparent"),
                    padding=rx.cond(item.is_comment, "0.5rem", "0"),
                    border_radius="0.4rem",
                    width="100%",
                ),
                rx.fragment(),
            ),
            rx.cond(item.author != "", rx.text(item.author, size="1", color_scheme="gray"), rx.fragment()),
            rx.cond(
                item.merge_id > 0,
                rx.button(
                    rx.icon("undo_2", size=12),
                    t("Undo merge"),
                    size="1",
                    variant="soft",
                    on_click=TimelineState.undo_merge(item.merge_id),
                ),
                rx.fragment(),
            ),
            spacing="1",
            width="100%",
        ),
        align="start",
        spacing="3",
        width="100%",
        padding_y="0.4rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="timeline-item",
    )


def timeline_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Timeline"), size="4", as_="h2"),
            comment_box(),
            rx.cond(
                TimelineState.planned.length() > 0,
                rx.vstack(
                    rx.text(t("Planned"), weight="bold", size="2", color_scheme="gray"),
                    rx.foreach(TimelineState.planned, planned_item),
                    spacing="1",
                    width="100%",
                ),
                rx.fragment(),
            ),
            rx.text(t("History"), weight="bold", size="2", color_scheme="gray"),
            rx.vstack(rx.foreach(TimelineState.items, history_item), spacing="0", width="100%"),
            rx.cond(
                TimelineState.has_more,
                rx.button(t("Show older"), variant="ghost", size="1", on_click=TimelineState.load_more),
                rx.fragment(),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        data_testid="timeline",
    )
