"""/forms/<slug>: the public web form (no login, no app shell)."""

from __future__ import annotations

import reflex as rx
from reflex.constants.colors import ColorType
from reflex.vars import ObjectVar

from crm_app.components.forms import crm_form, form_error
from crm_app.components.i18n import t
from crm_app.services.web_forms import HONEYPOT
from crm_app.state.web_forms import (
    PublicFieldView,
    PublicFormState,
)

LABEL_STYLE = {"fontSize": "0.875rem", "fontWeight": 500}


def _public_field(f: ObjectVar[PublicFieldView]) -> rx.Component:
    message = PublicFormState.errors.get(f.name, "")
    return rx.vstack(
        rx.el.label(
            f.label,
            rx.cond(
                f.required,
                rx.el.span(" *", aria_hidden="true", style={"color": "var(--red-10)"}),
                rx.fragment(),
            ),
            html_for=f.field_id,
            style=LABEL_STYLE,
        ),
        rx.cond(
            f.kind == "textarea",
            rx.text_area(id=f.field_id, name=f.name, rows="5", width="100%", max_length=10000),
            rx.input(id=f.field_id, name=f.name, type=f.kind, width="100%", max_length=255, size="3"),
        ),
        rx.cond(
            message != "",
            rx.text(message, color="red", size="1", role="alert", id=f.field_id.to(str) + "-error"),
            rx.fragment(),
        ),
        spacing="1",
        width="100%",
    )


def _honeypot() -> rx.Component:
    """Hidden from people (off screen, out of the tab order, hidden from screen readers)."""
    return rx.el.div(
        rx.el.label(t("Leave this field empty"), html_for="wf-hp"),
        rx.el.input(id="wf-hp", name=HONEYPOT, type="text", tab_index=-1, auto_complete="off"),
        aria_hidden="true",
        style={
            "position": "absolute",
            "left": "-10000px",
            "top": "auto",
            "width": "1px",
            "height": "1px",
            "overflow": "hidden",
        },
    )


def _the_form() -> rx.Component:
    return rx.vstack(
        rx.heading(PublicFormState.form_title, size="6", as_="h1"),
        rx.cond(
            PublicFormState.has_required,
            rx.text(t("Fields marked * are required."), size="1", color_scheme="gray"),
            rx.fragment(),
        ),
        crm_form(
            rx.vstack(
                form_error(PublicFormState.errors),
                rx.foreach(PublicFormState.fields, _public_field),
                _honeypot(),
                rx.button(t("Send"), type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
                position="relative",
            ),
            on_submit=PublicFormState.submit,
            width="100%",
        ),
        spacing="3",
        width="100%",
        data_ready="form",
    )


def _message(icon: str, color: ColorType, *content: rx.Component, **props) -> rx.Component:
    return rx.vstack(
        rx.icon(icon, size=40, color=rx.color(color, 9)),
        *content,
        align="center",
        text_align="center",
        spacing="3",
        width="100%",
        padding_y="1.5rem",
        **props,
    )


def public_form_page() -> rx.Component:
    """No app shell and no login: this page is linked to, or shown in an iframe on another site."""
    return rx.center(
        rx.card(
            rx.match(
                PublicFormState.status,
                ("ready", _the_form()),
                (
                    "done",
                    _message(
                        "circle_check",
                        "green",
                        rx.text(PublicFormState.thank_you, size="4", white_space="pre-wrap"),
                        role="status",
                    ),
                ),
                (
                    "missing",
                    _message(
                        "circle_off",
                        "gray",
                        rx.heading(t("This form is not available"), size="5", as_="h1"),
                        rx.text(
                            t("It may have been closed. Please contact us another way."), color_scheme="gray"
                        ),
                    ),
                ),
                rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
            ),
            width="100%",
            max_width="36rem",
            size="3",
        ),
        min_height="100vh",
        padding="1rem",
        background=rx.color("gray", 2),
    )
