"""/settings/currencies: the base currency and the others with their rate to it."""

from __future__ import annotations

import reflex as rx

from crm_app.components.form_dialog import form_dialog
from crm_app.components.forms import crm_form, field_error, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.select_field import field_label
from crm_app.components.settings_list import (
    actions,
    admin_only,
    delete_button,
    edit_button,
    order_buttons,
    section,
    settings_page,
    settings_table,
)
from crm_app.services.i18n import N_
from crm_app.state.currencies import CurrenciesState as S


def currency_cells(row) -> list[rx.Component]:
    return [
        admin_only(S, rx.table.cell(order_buttons(S, "currency", row))),
        rx.table.cell(rx.code(row.id, variant="ghost", color_scheme="gray")),
        rx.table.cell(
            rx.hstack(
                rx.text(row.name, weight="medium"),
                rx.cond(row.is_base, rx.badge(t("Base"), color_scheme="green"), rx.fragment()),
                align="center",
                spacing="2",
                wrap="wrap",
            )
        ),
        rx.table.cell(rx.text(row.rate, font_variant_numeric="tabular-nums")),
        rx.table.cell(row.usage),
        actions(
            S,
            rx.cond(
                row.is_base,
                rx.fragment(),
                rx.button(t("Make base"), size="1", variant="soft", on_click=S.make_base(row.id)),
            ),
            edit_button(S, "currency", row),
            delete_button(
                S,
                "currency",
                row,
                row.can_delete,
                N_("The base currency, and a currency that records use, stay."),
            ),
        ),
    ]


def _input(label: str, name: str, width: str, **props) -> rx.Component:
    field_id = f"new-currency-{name}"
    return rx.vstack(
        field_label(label, field_id),
        rx.input(id=field_id, name=name, width=width, **props),
        field_error(S.add_errors, name),
        spacing="1",
    )


def add_currency_form() -> rx.Component:
    return admin_only(
        S,
        crm_form(
            rx.vstack(
                form_error(S.add_errors),
                rx.hstack(
                    _input(
                        N_("Code"),
                        "code",
                        "6rem",
                        max_length=3,
                        placeholder="PLN",
                        auto_capitalize="characters",
                    ),
                    _input(N_("Name"), "name", "14rem", max_length=100, placeholder=t("From the code")),
                    _input(
                        N_("Rate"), "rate", "8rem", max_length=30, input_mode="decimal", placeholder="4.27"
                    ),
                    rx.button(rx.icon("plus", size=16), t("Add currency"), type="submit"),
                    align="end",
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            on_submit=lambda form: S.add_item("currency", form),
            key=S.add_key,
            width="100%",
        ),
    )


def edit_dialog() -> rx.Component:
    errors = S.edit_errors
    return form_dialog(
        rx.fragment(t("Edit currency"), " ", S.edit_code),
        text_field("Name", "name", errors, default_value=S.edit_name, form_id="edit-currency"),
        rx.cond(
            S.edit_is_base,
            rx.text(t("The base currency's rate is always 1."), size="2", color_scheme="gray"),
            rx.vstack(
                field_label(N_("Rate"), "edit-currency-rate"),
                rx.input(
                    id="edit-currency-rate", name="rate", default_value=S.edit_rate, input_mode="decimal"
                ),
                field_error(errors, "rate"),
                spacing="1",
                width="100%",
            ),
        ),
        errors=errors,
        open=S.edit_open,
        on_open_change=S.set_edit_open,
        on_submit=S.save_edit,
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete currency")),
            rx.alert_dialog.description(rx.text(S.delete_code, " · ", S.delete_name)),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", color_scheme="gray")),
                rx.button(t("Delete"), color_scheme="red", on_click=S.confirm_delete),
                justify="end",
                spacing="3",
                margin_top="1rem",
            ),
            max_width="26rem",
        ),
        open=S.delete_open,
        on_open_change=S.set_delete_open,
    )


def currencies_page() -> rx.Component:
    return settings_page(
        "Currencies",
        S,
        "currencies",
        section(
            "currencies",
            N_("Base currency and exchange rates"),
            N_(
                "Amounts in another currency count in the base currency at its rate: 1 unit of the base"
                " buys this many units of the currency."
            ),
            settings_table(
                S, [N_("Code"), N_("Name"), N_("Rate"), N_("Used by")], S.rows, currency_cells, "currency-row"
            ),
            add_currency_form(),
        ),
        edit_dialog(),
        delete_dialog(),
    )
