"""Form fields with a visible label and the server's message next to the field."""

from __future__ import annotations

from typing import Literal

import reflex as rx
from reflex.vars import ObjectVar

from crm_app.components.i18n import t

# the input types our forms use (a subset of what rx.input accepts)
InputType = Literal["text", "email", "password", "tel", "url", "number", "search", "date"]
FieldErrors = ObjectVar[dict[str, str]]  # a state var: field name -> message, "" for the whole form


def field_error(errors: FieldErrors, name: str) -> rx.Component:
    message = errors.get(name, "")
    return rx.cond(
        message != "",
        rx.text(message, color="red", size="1", role="alert", id=f"{name}-error"),
        rx.fragment(),
    )


def text_field(
    label: str,
    name: str,
    errors: FieldErrors,
    *,
    type_: InputType = "text",
    max_length: int | None = None,
    autocomplete: str | None = None,
    default_value: rx.Var | str | None = None,
    form_id: str = "",
) -> rx.Component:
    field_id = f"{form_id}-{name}" if form_id else name
    props = {}
    if max_length:
        props["max_length"] = max_length
    if autocomplete:
        props["auto_complete"] = autocomplete
    if default_value is not None:
        props["default_value"] = default_value
    return rx.vstack(
        rx.el.label(t(label), html_for=field_id, style={"fontSize": "0.875rem", "fontWeight": 500}),
        rx.input(id=field_id, name=name, type=type_, width="100%", **props),
        field_error(errors, name),
        spacing="1",
        width="100%",
    )


def form_error(errors: FieldErrors) -> rx.Component:
    return rx.cond(
        errors.get("", "") != "",
        rx.callout(errors.get("", ""), icon="triangle_alert", color_scheme="red", size="1", role="alert"),
        rx.fragment(),
    )


def crm_form(*children: rx.Component, **props) -> rx.Component:
    """A form checked by the server only: the browser's own checks would hide our messages."""
    return rx.form(*children, no_validate=True, **props)
