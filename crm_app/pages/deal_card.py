"""/deals/<id>: the deal card — stage bar, About (fields edited in place), Products with totals,
the contact, company and lead, and the timeline; the close, reopen and product row dialogs."""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app import routes
from crm_app.components.card_parts import about_card, confirm_delete
from crm_app.components.form_dialog import form_dialog
from crm_app.components.forms import FieldErrors, field_error
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.lead_fields import (
    FieldValues,
    fields_section,
    labelled,
    select_input,
    text_area,
    text_input,
)
from crm_app.components.record_picker import record_picker
from crm_app.components.select_field import SELECT_STYLE
from crm_app.components.stage_bar import stage_bar
from crm_app.components.timeline import timeline_panel
from crm_app.services.i18n import N_
from crm_app.state.deal_card import DealCardState, LineView, PartyView

S: Any = DealCardState  # its vars, as the components take them


def _checkbox(label: str, name: str, checked) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, default_checked=checked, id=f"field-{name}"),
        rx.text(t(label), size="2"),
        style={"display": "flex", "gap": "0.5rem", "alignItems": "center"},
    )


def deal_fields(values: FieldValues, errors: FieldErrors, state) -> rx.Component:
    return rx.vstack(
        fields_section(
            "Deal",
            text_input("Deal title", "title", values, errors),
            text_input("Expected close date", "close_date", values, errors, type_="date"),
            text_input("Amount", "amount", values, errors),
            select_input("Currency", "currency_code", values, errors, state.currency_options),
        ),
        _checkbox(
            N_("Amount typed by hand (else it follows the products)"),
            "amount_manual",
            values["amount_manual"] == "on",
        ),
        fields_section(
            "Sales",
            select_input("Source", "source_id", values, errors, state.source_options),
            select_input("Responsible", "responsible_id", values, errors, state.user_options),
        ),
        text_area("Comment", "comment", values, errors),
        spacing="4",
        width="100%",
    )


# --- products --------------------------------------------------------------------------------------


def _cell(text, **props) -> rx.Component:
    return rx.table.cell(text, **props)


def line_row(line: LineView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.text(line.name, weight="medium", overflow_wrap="break-word", min_width="8rem"),
                rx.cond(
                    line.from_catalogue, rx.icon("package", size=12, color=rx.color("gray", 9)), rx.fragment()
                ),
                align="center",
                spacing="1",
            )
        ),
        _cell(line.quantity, white_space="nowrap"),
        _cell(line.price, white_space="nowrap"),
        _cell(line.discount),
        _cell(line.tax),
        _cell(line.total, white_space="nowrap", data_testid="line-total"),
        rx.table.cell(
            rx.cond(
                S.can_edit,
                rx.hstack(
                    rx.icon_button(
                        rx.icon("pencil", size=14),
                        size="1",
                        variant="ghost",
                        aria_label=t("Change"),
                        title=t("Change"),
                        on_click=S.edit_row(line.id),
                    ),
                    rx.icon_button(
                        rx.icon("trash_2", size=14),
                        size="1",
                        variant="ghost",
                        color_scheme="red",
                        aria_label=t("Remove"),
                        title=t("Remove"),
                        on_click=S.remove_row(line.id),
                    ),
                    spacing="1",
                ),
                rx.fragment(),
            )
        ),
        data_testid="product-row",
    )


def line_block(line: LineView) -> rx.Component:
    """A product row on a phone: stacked instead of a wide table."""
    return rx.vstack(
        rx.hstack(
            rx.text(line.name, weight="medium", overflow_wrap="anywhere", min_width="0"),
            rx.spacer(),
            rx.text(line.total, weight="bold", white_space="nowrap"),
            width="100%",
            align="start",
        ),
        rx.text(line.quantity, " × ", line.price, size="1", color_scheme="gray"),
        rx.hstack(
            rx.text(t("Discount:"), " ", line.discount, size="1", color_scheme="gray"),
            rx.text(t("Tax:"), " ", line.tax, size="1", color_scheme="gray"),
            spacing="3",
            flex_wrap="wrap",
        ),
        rx.cond(
            S.can_edit,
            rx.hstack(
                rx.button(t("Change"), size="1", variant="soft", on_click=S.edit_row(line.id)),
                rx.button(
                    t("Remove"), size="1", variant="soft", color_scheme="red", on_click=S.remove_row(line.id)
                ),
                spacing="2",
            ),
            rx.fragment(),
        ),
        spacing="1",
        width="100%",
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _total_line(label: str, value, testid: str, bold: bool = False) -> rx.Component:
    return rx.hstack(
        rx.text(t(label), size="2", color_scheme="gray"),
        rx.text(value, size="3" if bold else "2", weight="bold" if bold else "regular", data_testid=testid),
        justify="between",
        width="100%",
        max_width="20rem",
    )


def products_card() -> rx.Component:
    headers = [N_("Product"), N_("Quantity"), N_("Price"), N_("Discount"), N_("Tax"), N_("Total"), ""]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(t("Products"), size="4", as_="h2"),
                rx.spacer(),
                rx.cond(
                    S.can_edit,
                    rx.hstack(
                        rx.button(
                            rx.icon("plus", size=14),
                            t("Add a new product"),
                            size="1",
                            variant="soft",
                            on_click=S.open_new_row,
                        ),
                        rx.button(
                            rx.icon("package_search", size=14),
                            t("Choose from the catalogue"),
                            size="1",
                            variant="soft",
                            on_click=S.open_catalogue,
                        ),
                        spacing="2",
                        flex_wrap="wrap",
                    ),
                    rx.fragment(),
                ),
                width="100%",
                align="center",
                flex_wrap="wrap",
                spacing="2",
            ),
            rx.cond(
                S.lines.length() > 0,
                rx.mobile_only(
                    rx.vstack(rx.foreach(S.lines, line_block), spacing="0", width="100%"), width="100%"
                ),
                rx.fragment(),
            ),
            rx.cond(
                S.lines.length() > 0,
                rx.tablet_and_desktop(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(*[rx.table.column_header_cell(t(h) if h else "") for h in headers])
                        ),
                        rx.table.body(rx.foreach(S.lines, line_row)),
                        size="1",
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                rx.text(t("No product yet."), size="2", color_scheme="gray"),
            ),
            rx.cond(
                S.lines.length() > 0,
                rx.vstack(
                    _total_line(N_("Subtotal"), S.subtotal, "subtotal"),
                    _total_line(N_("Discount"), S.discount_total, "discount-total"),
                    _total_line(N_("Tax"), S.tax_total, "tax-total"),
                    _total_line(N_("Total"), S.grand_total, "grand-total", bold=True),
                    align="end",
                    width="100%",
                    spacing="1",
                ),
                rx.fragment(),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        data_testid="products",
    )


def _row_select(label: str, name: str, items: list[tuple[str, str]]) -> rx.Component:
    return labelled(
        label,
        rx.el.select(
            *[rx.el.option(t(text), value=v) for v, text in items],
            id=f"field-{name}",
            name=name,
            default_value=S.row_values.get(name, items[0][0]),
            style=SELECT_STYLE,
        ),
        name,
        S.row_errors,
    )


def row_dialog() -> rx.Component:
    values, errors = S.row_values, S.row_errors
    discount = rx.grid(
        text_input("Discount", "discount_value", values, errors),
        _row_select("Discount as", "discount_type", [("percent", N_("%")), ("amount", N_("Amount"))]),
        columns="2",
        spacing="3",
        width="100%",
    )
    own_fields = rx.vstack(
        text_input("Product", "name", values, errors),
        rx.grid(
            text_input("Quantity", "quantity", values, errors),
            text_input("Unit", "unit", values, errors),
            text_input("Unit price", "unit_price", values, errors),
            text_input("Tax rate, %", "tax_rate", values, errors),
            columns="2",
            spacing="3",
            width="100%",
        ),
        discount,
        _checkbox(N_("Tax included in the price"), "tax_included", values.get("tax_included", "") == "on"),
        rx.cond(
            S.row_mode == "new",
            _checkbox(N_("Also save it in the catalogue"), "save_to_catalogue", False),
            rx.fragment(),
        ),
        spacing="3",
        width="100%",
    )
    catalogue_fields = rx.vstack(
        record_picker(
            N_("Search the catalogue"),
            hits=S.product_hits,
            searched=S.product_searched,
            picked_id=S.picked_product_id,
            picked_label=S.picked_product_label,
            on_search=S.search_products,
            on_pick=S.pick_product,
            on_clear=S.clear_product,
            placeholder=N_("Name or SKU"),
            outside_form="no-such-form",
            testid="product-picked",
            picked_text=N_("Product:"),
        ),
        field_error(errors, "product_id"),
        rx.grid(text_input("Quantity", "quantity", values, errors), columns="2", spacing="3", width="100%"),
        discount,
        spacing="3",
        width="100%",
    )
    title = rx.text(
        rx.cond(
            S.row_mode == "edit",
            t("Change the product row"),
            rx.cond(S.row_mode == "catalogue", t("Choose from the catalogue"), t("Add a new product")),
        ),
        as_="span",
    )
    return form_dialog(
        title,
        rx.box(
            rx.cond(S.row_mode == "catalogue", catalogue_fields, own_fields),
            key=S.row_form_key.to_string(),
            width="100%",
        ),
        open=S.row_open,
        on_open_change=S.set_row_open,
        on_submit=S.submit_row,
        errors=errors,
        max_width="34rem",
    )


# --- closing and reopening --------------------------------------------------------------------------


def close_dialog() -> rx.Component:
    errors = S.close_errors
    return form_dialog(
        "Close the deal",
        rx.radio_group.root(
            rx.hstack(
                rx.radio_group.item(value="won", id="close-won"),
                rx.el.label(t("Won"), html_for="close-won"),
                rx.radio_group.item(value="lost", id="close-lost"),
                rx.el.label(t("Lost"), html_for="close-lost"),
                spacing="2",
                align="center",
            ),
            value=S.close_result,
            on_change=S.set_close_result,
            name="result",
            aria_label=t("Result"),
        ),
        rx.cond(
            S.close_result == "lost",
            labelled(
                "Reason",
                rx.el.select(
                    rx.el.option(t("Choose a reason"), value=""),
                    rx.foreach(S.reason_options, lambda o: rx.el.option(o.label, value=o.value)),
                    id="field-reason_id",
                    name="reason_id",
                    style=SELECT_STYLE,
                ),
                "reason_id",
                errors,
            ),
            rx.fragment(),
        ),
        labelled(
            "Comment",
            rx.text_area(id="field-comment", name="comment", rows="3", width="100%"),
            "comment",
            errors,
            hint=N_("Required when the reason is “Other”."),
        ),
        open=S.close_open,
        on_open_change=S.set_close_open,
        on_submit=S.submit_close,
        errors=errors,
        submit_label="Close the deal",
    )


def reopen_dialog() -> rx.Component:
    errors = S.reopen_errors
    return form_dialog(
        "Reopen the deal",
        labelled(
            "Back to the stage",
            rx.el.select(
                rx.foreach(S.stage_options, lambda o: rx.el.option(o.label, value=o.value)),
                id="field-stage_id",
                name="stage_id",
                default_value=S.reopen_stage_id,
                style=SELECT_STYLE,
            ),
            "stage_id",
            errors,
        ),
        labelled(
            "Why do you reopen it?",
            rx.text_area(id="field-reason", name="reason", rows="3", width="100%"),
            "reason",
            errors,
        ),
        open=S.reopen_open,
        on_open_change=S.set_reopen_open,
        on_submit=S.submit_reopen,
        errors=errors,
        submit_label="Reopen",
    )


def result_banner() -> rx.Component:
    return rx.cond(
        S.closed,
        rx.callout(
            rx.hstack(
                rx.text(S.result_text, data_testid="deal-result"),
                rx.spacer(),
                rx.cond(
                    S.can_reopen,
                    rx.button(t("Reopen"), size="1", variant="soft", on_click=S.set_reopen_open(True)),
                    rx.fragment(),
                ),
                width="100%",
                align="center",
                flex_wrap="wrap",
                spacing="2",
            ),
            icon=rx.cond(S.result == "won", "trophy", "circle_x"),
            color_scheme=rx.cond(S.result == "won", "green", "red"),
            width="100%",
        ),
        rx.cond(
            S.can_edit,
            rx.hstack(
                rx.button(
                    rx.icon("trophy", size=14),
                    t("Close as won"),
                    size="1",
                    variant="soft",
                    color_scheme="green",
                    on_click=S.open_close("won"),
                ),
                rx.button(
                    rx.icon("circle_x", size=14),
                    t("Close as lost"),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.open_close("lost"),
                ),
                spacing="2",
                flex_wrap="wrap",
            ),
            rx.fragment(),
        ),
    )


def party_line(p: PartyView) -> rx.Component:
    return rx.hstack(
        rx.badge(p.kind, variant="soft"),
        rx.link(p.name, href=p.href, overflow_wrap="anywhere"),
        align="center",
        spacing="2",
        padding_y="0.3rem",
    )


def parties_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Customer"), size="4", as_="h2"),
            rx.cond(
                S.parties.length() > 0,
                rx.vstack(rx.foreach(S.parties, party_line), spacing="0", width="100%"),
                rx.text(t("No contact or company yet."), size="2", color_scheme="gray"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        min_width="0",
        data_testid="deal-parties",
    )


def deal_card_page() -> rx.Component:
    return app_shell(
        S.heading,
        rx.cond(
            S.not_found,
            rx.callout(S.heading, icon="triangle_alert", color_scheme="red"),
            rx.cond(
                S.loaded,
                rx.vstack(
                    rx.text(S.subtitle, color_scheme="gray", overflow_wrap="anywhere"),
                    stage_bar(S.stages, S.move_to, label="Stage", disabled=~S.can_edit),
                    result_banner(),
                    products_card(),
                    rx.grid(
                        rx.vstack(
                            about_card(S, deal_fields, testid="deal-fields"),
                            parties_card(),
                            spacing="4",
                            width="100%",
                            min_width="0",
                        ),
                        timeline_panel(),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        width="100%",
                    ),
                    row_dialog(),
                    close_dialog(),
                    reopen_dialog(),
                    spacing="4",
                    width="100%",
                    data_loaded="deal-card",
                ),
                rx.spinner(),
            ),
        ),
        actions=rx.hstack(
            rx.link(
                rx.button(rx.icon("arrow_left", size=16), t("Deals"), variant="soft"),
                href=routes.DEALS,
            ),
            rx.cond(
                S.can_delete,
                confirm_delete(
                    rx.button(rx.icon("trash_2", size=16), t("Delete"), color_scheme="red", variant="soft"),
                    title=N_("Delete this record?"),
                    description=N_("It goes to the recycle bin and can be restored."),
                    on_confirm=S.delete_record,
                    open_=S.delete_open,
                    on_open_change=S.set_delete_open,
                ),
                rx.fragment(),
            ),
            spacing="2",
        ),
    )
