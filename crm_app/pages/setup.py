"""/setup: the first administrator."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.layout import public_card
from crm_app.state.auth_pages import SetupState


def setup_page() -> rx.Component:
    errors = SetupState.errors
    return public_card(
        rx.text(t("Create the first administrator of your CRM."), color_scheme="gray", size="2"),
        crm_form(
            rx.vstack(
                form_error(errors),
                text_field("Name", "name", errors, autocomplete="name", form_id="setup"),
                text_field("E-mail", "email", errors, type_="email", autocomplete="email", form_id="setup"),
                text_field(
                    "Password",
                    "password",
                    errors,
                    type_="password",
                    autocomplete="new-password",
                    form_id="setup",
                ),
                rx.text(
                    t("At least 8 characters; common passwords are refused."), size="1", color_scheme="gray"
                ),
                rx.el.label(
                    rx.hstack(
                        rx.checkbox(name="demo", id="setup-demo"),
                        rx.text(t("Load demo data"), size="2"),
                        align="center",
                    ),
                    html_for="setup-demo",
                ),
                rx.button(t("Create administrator"), type="submit", width="100%", size="3"),
                spacing="3",
                width="100%",
            ),
            on_submit=SetupState.submit,
            width="100%",
        ),
        title="Welcome",
    )
