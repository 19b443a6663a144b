"""/login."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.layout import public_card
from crm_app.state.auth_pages import LoginState


def login_page() -> rx.Component:
    errors = LoginState.errors
    return public_card(
        crm_form(
            rx.vstack(
                form_error(errors),
                text_field(
                    "E-mail", "email", errors, type_="email", autocomplete="username", form_id="login"
                ),
                text_field(
                    "Password",
                    "password",
                    errors,
                    type_="password",
                    autocomplete="current-password",
                    form_id="login",
                ),
                rx.button(t("Log in"), type="submit", width="100%", size="3"),
                spacing="3",
                width="100%",
            ),
            on_submit=LoginState.submit,
            width="100%",
        ),
        title="Log in",
    )
