"""Parts of every record card (lead, contact, company, deal): the About card with its fields
edited in place, and the delete confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import reflex as rx
from reflex.vars import ObjectVar

from crm_app.components.forms import FieldErrors, crm_form, form_error
from crm_app.components.i18n import t


def field_line(f: Any) -> rx.Component:
    """One field of a card: its label, then its value (wrapping, never wider than the card)."""
    return rx.hstack(
        rx.text(f.label, size="2", color_scheme="gray", min_width="9rem", flex_shrink="0"),
        rx.text(f.value, size="2", white_space="pre-wrap", word_break="break-word", min_width="0"),
        align="start",
        width="100%",
        padding_y="0.3rem",
        border_bottom=f"1px solid {rx.color('gray', 3)}",
    )


def about_card(state: Any, fields: Callable[..., rx.Component], *, testid: str) -> rx.Component:
    """The About card: the fields as label/value lines, or (after Edit) the form `fields(values,
    errors, state)` with Save, Cancel and, after a stale save, "Reload the latest version".
    `state` has values, errors, fields, editing, stale, can_edit, created_text and the events
    start_edit, cancel_edit, save, reload_after_stale."""
    values = cast("ObjectVar[dict[str, str]]", state.values)
    errors = cast("FieldErrors", state.errors)
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(t("About"), size="4", as_="h2"),
                rx.spacer(),
                rx.cond(
                    state.editing | ~state.can_edit,
                    rx.fragment(),
                    rx.button(
                        rx.icon("pencil", size=14),
                        t("Edit"),
                        size="1",
                        variant="soft",
                        on_click=state.start_edit,
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                state.editing,
                crm_form(
                    rx.vstack(
                        form_error(errors),
                        rx.cond(
                            state.stale,
                            rx.button(
                                t("Reload the latest version"),
                                size="1",
                                variant="soft",
                                on_click=state.reload_after_stale,
                                type="button",
                            ),
                            rx.fragment(),
                        ),
                        fields(values, errors, state),
                        rx.hstack(
                            rx.button(
                                t("Cancel"),
                                variant="soft",
                                color_scheme="gray",
                                type="button",
                                on_click=state.cancel_edit,
                            ),
                            rx.button(t("Save"), type="submit"),
                            justify="end",
                            width="100%",
                            spacing="3",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=state.save,
                    width="100%",
                ),
                rx.vstack(rx.foreach(state.fields, field_line), spacing="0", width="100%"),
            ),
            rx.text(state.created_text, size="1", color_scheme="gray"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        data_testid=testid,
    )


def confirm_delete(
    trigger: rx.Component, *, title: str, description: str, on_confirm: Any, open_: Any, on_open_change: Any
) -> rx.Component:
    """An alert dialog asking before a delete (`title` / `description`: msgids)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(t(title)),
            rx.alert_dialog.description(t(description)),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(t("Delete"), color_scheme="red", on_click=on_confirm)),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=open_,
        on_open_change=on_open_change,
    )
