"""/settings/web-forms: the web forms and their settings."""

from __future__ import annotations

import reflex as rx

from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.web_form_dialog import edit_dialog
from crm_app.services.i18n import N_
from crm_app.state.web_forms import (
    WebFormsState,
    WebFormView,
)


def _icon_button(icon: str, label: str, on_click) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon(icon, size=14), size="1", variant="soft", aria_label=t(label), on_click=on_click
        ),
        content=t(label),
    )


def form_row(row: WebFormView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(row.name, weight="medium"),
                rx.link(row.url, href=row.url, is_external=True, size="1"),
                spacing="1",
            )
        ),
        rx.table.cell(rx.text(row.fields_text, size="2")),
        rx.table.cell(row.source),
        rx.table.cell(row.responsible),
        rx.table.cell(
            rx.cond(
                row.is_active,
                rx.badge(t("Active"), color_scheme="green"),
                rx.badge(t("Deactivated"), color_scheme="gray"),
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.button(t("Edit"), size="1", variant="soft", on_click=WebFormsState.open_edit(row.id)),
                _icon_button("link", N_("Copy link"), WebFormsState.copy_link(row.url)),
                _icon_button("code", N_("Copy embed code"), WebFormsState.copy_snippet(row.url, row.name)),
                rx.cond(
                    row.is_active,
                    rx.button(
                        t("Deactivate"),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=WebFormsState.set_active(row.id, False),
                    ),
                    rx.button(
                        t("Activate"),
                        size="1",
                        variant="soft",
                        on_click=WebFormsState.set_active(row.id, True),
                    ),
                ),
                spacing="2",
                align="center",
            )
        ),
        data_testid="web-form-row",
    )


def forms_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(t("Name")),
                rx.table.column_header_cell(t("Fields")),
                rx.table.column_header_cell(t("Source")),
                rx.table.column_header_cell(t("Responsible")),
                rx.table.column_header_cell(t("Status")),
                rx.table.column_header_cell(""),
            )
        ),
        rx.table.body(rx.foreach(WebFormsState.rows, form_row)),
        width="100%",
        variant="surface",
    )


def web_forms_page() -> rx.Component:
    return app_shell(
        "Web forms",
        rx.cond(
            WebFormsState.loaded,
            rx.cond(
                WebFormsState.forbidden,
                rx.callout(
                    t("Only administrators and managers manage web forms."), icon="lock", width="100%"
                ),
                rx.vstack(
                    rx.text(
                        t(
                            "Each form has its own public page that creates a lead. Share its link,"
                            " or paste its embed code into your website."
                        ),
                        color_scheme="gray",
                        size="2",
                    ),
                    rx.cond(
                        WebFormsState.rows.length() > 0,
                        forms_table(),
                        rx.callout(t("No web forms yet."), icon="info", width="100%"),
                    ),
                    edit_dialog(),
                    width="100%",
                    spacing="4",
                    data_loaded="web-forms",
                ),
            ),
            rx.spinner(),
        ),
        actions=rx.cond(
            WebFormsState.loaded & ~WebFormsState.forbidden,
            rx.button(rx.icon("plus", size=16), t("New web form"), on_click=WebFormsState.open_create),
            rx.fragment(),
        ),
    )
