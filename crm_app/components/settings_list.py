"""The pieces of a settings list (Settings -> Leads today; pipelines and currencies next).

A card per list (`section`), a table with an order column and edit / delete buttons that only
administrators see (`settings_table`, `order_buttons`, `edit_button`, `delete_button`), and an add
form under it (`add_form`). They drive a state with `is_admin` and the events `move(kind, id,
direction)`, `open_edit(kind, id)`, `ask_delete(kind, id)` and `add_item(kind, form)`, `kind`
telling its lists apart.
"""

from __future__ import annotations

from typing import Any, cast

import reflex as rx

from crm_app import routes
from crm_app.components.data_table import Column, data_table
from crm_app.components.forms import crm_form, field_error, form_error
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.select_field import field_label
from crm_app.services.i18n import N_
from crm_app.services.settings_lists import DEFAULT_COLOR

COLOR_STYLE = {"width": "3rem", "height": "2rem", "padding": "0.1rem", "border": "1px solid var(--gray-7)",
               "borderRadius": "0.4rem", "background": "var(--color-surface)", "cursor": "pointer"}  # fmt: skip


def admin_only(state: Any, component: rx.Component) -> rx.Component:
    return rx.cond(state.is_admin, component, rx.fragment())


def order_buttons(state: Any, kind: str, row: Any) -> rx.Component:
    return rx.hstack(
        rx.icon_button(
            rx.icon("arrow_up", size=14),
            aria_label=t("Move up"),
            title=t("Move up"),
            size="1",
            variant="soft",
            color_scheme="gray",
            disabled=~row.can_up,
            on_click=state.move(kind, row.id, "up"),
        ),
        rx.icon_button(
            rx.icon("arrow_down", size=14),
            aria_label=t("Move down"),
            title=t("Move down"),
            size="1",
            variant="soft",
            color_scheme="gray",
            disabled=~row.can_down,
            on_click=state.move(kind, row.id, "down"),
        ),
        spacing="1",
    )


def edit_button(state: Any, kind: str, row: Any) -> rx.Component:
    return rx.icon_button(
        rx.icon("pencil", size=14),
        aria_label=t("Edit"),
        title=t("Edit"),
        size="1",
        variant="soft",
        on_click=state.open_edit(kind, row.id),
    )


def delete_button(state: Any, kind: str, row: Any, enabled: Any, why_not: str) -> rx.Component:
    return rx.icon_button(
        rx.icon("trash_2", size=14),
        aria_label=t("Delete"),
        title=rx.cond(enabled, t("Delete"), t(why_not)),
        size="1",
        variant="soft",
        color_scheme="red",
        disabled=~enabled,
        on_click=state.ask_delete(kind, row.id),
    )


def actions(state: Any, *buttons: rx.Component) -> rx.Component:
    return rx.table.cell(admin_only(state, rx.hstack(*buttons, spacing="2", justify="end")), justify="end")


def swatch(color: Any) -> rx.Component:
    return rx.box(
        width="1.1rem",
        height="1.1rem",
        border_radius="0.3rem",
        background=color,
        border=f"1px solid {rx.color('gray', 7)}",
        flex_shrink="0",
    )


def settings_table(state: Any, headers: list[str], rows: Any, cells: Any, row_testid: str) -> rx.Component:
    """A settings list: the order column (administrators), the given columns, the actions."""
    return data_table(
        [Column(h) for h in headers] + [Column("")],
        rows,
        cells,
        row_testid=row_testid,
        leading=admin_only(state, rx.table.column_header_cell(t("Order"), width="5.5rem")),
    )


def name_input(kind: str, errors: Any) -> rx.Component:
    field_id = f"new-{kind}-name"
    return rx.vstack(
        field_label(N_("Name"), field_id),
        rx.input(id=field_id, name="name", width="16rem"),
        field_error(errors, "name"),
        spacing="1",
    )


def add_form(state: Any, kind: str, errors: Any, key: Any, button: str, *extra: rx.Component) -> rx.Component:
    return admin_only(
        state,
        crm_form(
            rx.vstack(
                form_error(errors),
                rx.hstack(
                    name_input(kind, errors),
                    *extra,
                    rx.button(rx.icon("plus", size=16), t(button), type="submit"),
                    align="end",
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            on_submit=lambda form: state.add_item(kind, form),
            key=key,
            width="100%",
        ),
    )


def settings_page(title: str, state: Any, marker: str, *content: rx.Component) -> rx.Component:
    """A settings page: its sections once `state.loaded` (a spinner before), a note for those who
    may only read them, `data-loaded=marker` for the tests, and the way back to the settings."""
    return app_shell(
        title,
        rx.cond(
            state.loaded,
            rx.vstack(
                rx.cond(
                    state.is_admin,
                    rx.fragment(),
                    rx.callout(
                        t("Only administrators can change these settings."),
                        icon="lock",
                        color_scheme="gray",
                        size="1",
                        width="100%",
                    ),
                ),
                *content,
                spacing="4",
                width="100%",
                data_loaded=marker,
            ),
            rx.spinner(),
        ),
        actions=rx.link(
            rx.hstack(rx.icon("arrow_left", size=14), t("Settings"), align="center", spacing="1"),
            href=routes.settings(),
            size="2",
        ),
    )


def section(testid: str, title: str, text: str, *content: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t(title), size="4", as_="h2"),
            rx.text(t(text), size="2", color_scheme="gray"),
            *content,
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid=testid,
    )


def semantic_badge(semantic: Any, success: str, failure: str) -> rx.Component:
    """A stage's kind: in progress, or final with the msgid `success` / `failure`."""
    # rx.match with component cases returns a Component (a Fragment): its stub says Component | Var
    return cast(
        "rx.Component",
        rx.match(
            semantic,
            ("success", rx.badge(t(success), color_scheme="green")),
            ("failure", rx.badge(t(failure), color_scheme="red")),
            rx.badge(t("In progress"), color_scheme="blue"),
        ),
    )


def color_input(kind: str, errors: Any) -> rx.Component:
    """The colour of a new stage or status, for its add form."""
    field_id = f"new-{kind}-color"
    return rx.vstack(
        field_label(N_("Colour"), field_id),
        rx.el.input(type="color", id=field_id, name="color", default_value=DEFAULT_COLOR, style=COLOR_STYLE),
        field_error(errors, "color"),
        spacing="1",
    )
