"""/profile: name, password, language."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, form_error, text_field
from crm_app.components.i18n import colon, t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import LANGUAGES
from crm_app.state.profile import ProfileState


def profile_page() -> rx.Component:
    return app_shell(
        "Profile",
        rx.grid(
            rx.card(
                crm_form(
                    rx.vstack(
                        rx.heading(t("Your details"), size="4", as_="h2"),
                        form_error(ProfileState.errors),
                        text_field(
                            "Name",
                            "name",
                            ProfileState.errors,
                            default_value=ProfileState.user_name,
                            form_id="profile",
                        ),
                        rx.text(t("E-mail"), colon(), ProfileState.user_email, size="2", color_scheme="gray"),
                        rx.hstack(
                            rx.text(t("Language"), size="2", weight="medium"),
                            rx.select.root(
                                rx.select.trigger(aria_label=t("Language")),
                                rx.select.content(
                                    *[rx.select.item(n, value=c) for c, n in LANGUAGES.items()]
                                ),
                                value=ProfileState.lang,
                                on_change=ProfileState.set_language,
                            ),
                            align="center",
                        ),
                        rx.button(t("Save"), type="submit"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=ProfileState.save_profile,
                ),
            ),
            rx.card(
                crm_form(
                    rx.vstack(
                        rx.heading(t("Change password"), size="4", as_="h2"),
                        form_error(ProfileState.password_errors),
                        text_field(
                            "Current password",
                            "current_password",
                            ProfileState.password_errors,
                            type_="password",
                            autocomplete="current-password",
                            form_id="pw",
                        ),
                        text_field(
                            "New password",
                            "new_password",
                            ProfileState.password_errors,
                            type_="password",
                            autocomplete="new-password",
                            form_id="pw",
                        ),
                        rx.button(t("Change password"), type="submit"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=ProfileState.change_password,
                    reset_on_submit=True,
                ),
            ),
            columns="2",
            spacing="4",
            width="100%",
        ),
    )
