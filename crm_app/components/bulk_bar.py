"""The bar a list shows over its table while rows are selected: how many, "Assign to…", the
list's own actions, Delete (with its confirmation) or, in the recycle bin, Restore.

The state is a record list (state/record_list): `selected_count`, `in_recycle_bin`,
`user_options`, `bulk_assign`, `bulk_delete`, `bulk_restore`, `can_delete_selection`,
`delete_open` and `set_delete_open`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app.components.card_parts import confirm_delete
from crm_app.components.i18n import t
from crm_app.services.i18n import N_


def option_select(placeholder: str, label: str, options: Any, on_change: Any) -> rx.Component:
    """A select that runs `on_change(value)` at once and shows its placeholder again."""
    return rx.select.root(
        rx.select.trigger(placeholder=t(placeholder), aria_label=t(label)),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value))),
        value="",
        on_change=on_change,
        size="1",
    )


def _delete_button(state: Any, title: str, denied: str) -> rx.Component:
    return confirm_delete(
        rx.button(
            rx.icon("trash_2", size=14),
            t("Delete"),
            color_scheme="red",
            variant="soft",
            size="1",
            # not offered when a selected row is not the user's to delete
            disabled=~state.can_delete_selection,
            title=rx.cond(state.can_delete_selection, "", t(denied)),
        ),
        title=title,
        description=N_("They go to the recycle bin and can be restored."),
        on_confirm=state.bulk_delete,
        open_=state.delete_open,
        on_open_change=state.set_delete_open,
    )


def bulk_bar(
    state: Any, selected_text: Any, *extra: rx.Component, delete_title: str, delete_denied: str
) -> rx.Component:
    """`selected_text`: e.g. `tn("{count} lead selected", ...)`; `extra`: the list's own actions;
    `delete_title` / `delete_denied`: msgids of the confirmation and of the disabled button's hint."""
    return rx.cond(
        state.selected_count > 0,
        rx.hstack(
            rx.text(selected_text, weight="medium", size="2"),
            rx.cond(
                state.in_recycle_bin,
                rx.button(
                    rx.icon("undo_2", size=14),
                    t("Restore"),
                    size="1",
                    variant="soft",
                    on_click=state.bulk_restore,
                ),
                rx.hstack(
                    option_select("Assign to…", N_("Assign to"), state.user_options, state.bulk_assign),
                    *extra,
                    _delete_button(state, delete_title, delete_denied),
                    align="center",
                    spacing="3",
                    flex_wrap="wrap",
                ),
            ),
            align="center",
            spacing="3",
            padding="0.5rem 0.75rem",
            border_radius="0.5rem",
            background=rx.color("accent", 3),
            width="100%",
            flex_wrap="wrap",
        ),
        rx.fragment(),
    )
