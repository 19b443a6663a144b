"""The edit and delete dialogs of a settings-list page (state/settings_lists): one of each for all
the page's lists, told apart by `kind`. Deleting an item in use asks where its records go; an
item whose records can go nowhere else (a pipeline with deals) says so and cannot be deleted."""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app.components.form_dialog import form_dialog
from crm_app.components.forms import field_error, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.select_field import field_label, select_field
from crm_app.components.settings_list import COLOR_STYLE
from crm_app.services.i18n import N_


def _by_kind(state: Any, texts: list[tuple[str, str]]) -> Any:
    """The msgid of `texts` ((kind, msgid), ...) for the dialog's kind; the last one otherwise."""
    *cases, (_, fallback) = texts
    return rx.match(state, *[(kind, t(msgid)) for kind, msgid in cases], t(fallback))


def edit_dialog(state: Any, titles: list[tuple[str, str]]) -> rx.Component:
    S = state  # noqa: N806 - as the pages name their state
    errors = S.edit_errors
    return form_dialog(
        # a fragment: form_dialog takes a component title, rx.match of texts gives a Var
        rx.fragment(_by_kind(S.edit_kind, titles)),
        text_field("Name", "name", errors, default_value=S.edit_name, form_id="edit"),
        rx.cond(
            S.edit_color != "",
            rx.vstack(
                field_label(N_("Colour"), "edit-color"),
                rx.el.input(
                    type="color",
                    id="edit-color",
                    name="color",
                    default_value=S.edit_color,
                    style=COLOR_STYLE,
                ),
                field_error(errors, "color"),
                spacing="1",
            ),
            rx.fragment(),
        ),
        rx.cond(
            S.edit_probability != "",
            rx.vstack(
                field_label(N_("Probability, %"), "edit-probability"),
                rx.input(
                    id="edit-probability",
                    name="probability",
                    type="number",
                    min=0,
                    max=100,
                    step=1,
                    default_value=S.edit_probability,
                    width="8rem",
                ),
                field_error(errors, "probability"),
                spacing="1",
            ),
            rx.fragment(),
        ),
        errors=errors,
        open=S.edit_open,
        on_open_change=S.set_edit_open,
        on_submit=S.save_edit,
    )


def delete_dialog(state: Any, titles: list[tuple[str, str]], in_use: list[tuple[str, str]]) -> rx.Component:
    """`in_use`: per kind, the label before the count of the records that use the item."""
    S = state  # noqa: N806 - as the pages name their state
    errors = S.delete_errors
    used = S.delete_count > 0
    stuck = used & (S.delete_targets.length() == 0)
    return form_dialog(
        rx.fragment(_by_kind(S.delete_kind, titles)),
        rx.text(S.delete_name, weight="bold", size="4"),
        rx.cond(
            used,
            rx.vstack(
                rx.callout(
                    rx.hstack(
                        _by_kind(S.delete_kind, in_use),
                        rx.text(S.delete_count, weight="bold", data_testid="delete-count"),
                        spacing="1",
                        wrap="wrap",
                    ),
                    icon="info",
                    color_scheme="amber",
                    size="1",
                    width="100%",
                ),
                rx.cond(
                    stuck,
                    rx.text(t("Move them elsewhere first; then it can be deleted."), size="2"),
                    rx.vstack(
                        rx.text(t("Choose where they go before deleting it."), size="2"),
                        select_field(
                            N_("Move them to"),
                            "move_to_id",
                            options=S.delete_targets,
                            pairs=True,
                            placeholder=N_("Choose…"),
                            errors=errors,
                            default_value="",
                            field_id="delete-move-to",
                        ),
                        spacing="2",
                        width="100%",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            rx.text(t("Nothing uses it: it can be deleted safely."), size="2", color_scheme="gray"),
        ),
        # the form's own message comes last here, after what it is about
        form_error(errors),
        open=S.delete_open,
        on_open_change=S.set_delete_open,
        on_submit=S.confirm_delete,
        submit=rx.button(
            rx.cond(used, t("Move and delete"), t("Delete")),
            color_scheme="red",
            type="submit",
            disabled=stuck,
        ),
    )
