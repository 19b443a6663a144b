"""/settings/api-keys: keys for the REST API (a key is shown once, when it is made)."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components.forms import crm_form, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.state.api_keys import ApiKeysState, ApiKeyView


def key_row(row: ApiKeyView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(rx.code(row.prefix + "…")),
        rx.cond(ApiKeysState.is_admin, rx.table.cell(row.owner), rx.fragment()),
        rx.table.cell(row.created),
        rx.table.cell(rx.cond(row.last_used != "", row.last_used, "—")),
        rx.table.cell(
            rx.cond(
                row.revoked,
                rx.badge(t("Revoked"), color_scheme="gray"),
                rx.badge(t("Active"), color_scheme="green"),
            )
        ),
        rx.table.cell(
            rx.cond(
                row.revoked,
                rx.fragment(),
                rx.button(
                    t("Revoke"),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=ApiKeysState.ask_revoke(row.id, row.name),
                ),
            )
        ),
        data_testid="api-key-row",
    )


def keys_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(t("Name")),
                rx.table.column_header_cell(t("Key")),
                rx.cond(ApiKeysState.is_admin, rx.table.column_header_cell(t("User")), rx.fragment()),
                rx.table.column_header_cell(t("Created")),
                rx.table.column_header_cell(t("Last used")),
                rx.table.column_header_cell(t("Status")),
                rx.table.column_header_cell(""),
            )
        ),
        rx.table.body(rx.foreach(ApiKeysState.rows, key_row)),
        width="100%",
        variant="surface",
    )


def _name_form() -> rx.Component:
    errors = ApiKeysState.errors
    return crm_form(
        rx.vstack(
            form_error(errors),
            text_field("Name", "name", errors, max_length=100, form_id="api-key"),
            rx.text(t("What the key is for, e.g. Zapier or the website."), size="1", color_scheme="gray"),
            rx.hstack(
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")),
                rx.button(t("Create key"), type="submit"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=ApiKeysState.create_key,
    )


def _show_key() -> rx.Component:
    return rx.vstack(
        rx.callout(
            t("Copy this key now: it will not be shown again."),
            icon="triangle_alert",
            color_scheme="amber",
            width="100%",
        ),
        rx.el.label(
            t("API key"), html_for="api-key-value", style={"fontSize": "0.875rem", "fontWeight": 500}
        ),
        rx.hstack(
            rx.input(
                id="api-key-value",
                value=ApiKeysState.new_key,
                read_only=True,
                width="100%",
                font_family="monospace",
            ),
            rx.button(rx.icon("copy", size=14), t("Copy"), type="button", on_click=ApiKeysState.copy_key),
            width="100%",
        ),
        rx.text(t("Send it as: Authorization: Bearer <key>"), size="1", color_scheme="gray"),
        rx.hstack(
            rx.dialog.close(rx.button(t("Done"), type="button")),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("plus", size=16), t("Create key"), on_click=ApiKeysState.open_dialog)
        ),
        rx.dialog.content(
            rx.dialog.title(t("New API key")),
            rx.cond(ApiKeysState.new_key != "", _show_key(), _name_form()),
            max_width="34rem",
        ),
        open=ApiKeysState.dialog_open,
        on_open_change=ApiKeysState.set_dialog_open,
    )


def revoke_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Revoke this key?")),
            rx.alert_dialog.description(
                rx.text(
                    rx.text.strong(ApiKeysState.revoke_name),
                    " — ",
                    t("programs using it stop working at once. This cannot be undone."),
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(
                        t("Cancel"), variant="soft", color_scheme="gray", on_click=ApiKeysState.cancel_revoke
                    )
                ),
                rx.alert_dialog.action(
                    rx.button(t("Revoke"), color_scheme="red", on_click=ApiKeysState.confirm_revoke)
                ),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
        ),
        open=ApiKeysState.revoke_id > 0,
    )


def api_keys_page() -> rx.Component:
    return app_shell(
        "API keys",
        rx.cond(
            ApiKeysState.loaded,
            rx.vstack(
                rx.text(
                    t("A key lets another program use the CRM's REST API with your rights."),
                    " ",
                    rx.link(t("API documentation"), href=routes.api_docs(), is_external=True),
                    color_scheme="gray",
                    size="2",
                ),
                rx.cond(
                    ApiKeysState.rows.length() > 0,
                    keys_table(),
                    rx.callout(t("No API keys yet."), icon="info", width="100%"),
                ),
                revoke_dialog(),
                width="100%",
                spacing="4",
                data_loaded="api-keys",
            ),
            rx.spinner(),
        ),
        actions=create_dialog(),
    )
