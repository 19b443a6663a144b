"""`form_dialog`: a dialog around one server-checked form: title, fields, errors, Cancel and submit."""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app.components.forms import crm_form, form_error
from crm_app.components.i18n import t


def dialog_buttons(submit_label: str = "Save", *, submit: rx.Component | None = None, **submit_props):
    """Cancel (closes the dialog, sends nothing) and the submit button (msgid `submit_label`)."""
    return rx.hstack(
        rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
        submit if submit is not None else rx.button(t(submit_label), type="submit", **submit_props),
        justify="end",
        width="100%",
        spacing="3",
    )


def form_dialog(
    title: str | rx.Component,
    *fields: rx.Component,
    open: Any,
    on_open_change: Any,
    on_submit: Any,
    errors: Any = None,
    submit_label: str = "Save",
    submit: rx.Component | None = None,
    submit_props: dict | None = None,
    trigger: rx.Component | None = None,
    max_width: str = "28rem",
    form_props: dict | None = None,
    **content_props,
) -> rx.Component:
    """`title`: a msgid or a component; `fields`: the form's body; `errors[""]` shows above the fields.

    `submit` replaces the default submit button (e.g. a label that depends on the state).
    """
    heading = rx.dialog.title(t(title)) if isinstance(title, str) else rx.dialog.title(title)
    body = rx.vstack(
        form_error(errors) if errors is not None else rx.fragment(),
        *fields,
        dialog_buttons(submit_label, submit=submit, **(submit_props or {})),
        spacing="3",
        width="100%",
    )
    children = [rx.dialog.trigger(trigger)] if trigger is not None else []
    return rx.dialog.root(
        *children,
        rx.dialog.content(
            heading,
            crm_form(body, on_submit=on_submit, **(form_props or {})),
            max_width=max_width,
            overflow_wrap="anywhere",  # a long value without spaces breaks, not past the edge
            **content_props,
        ),
        open=open,
        on_open_change=on_open_change,
    )
