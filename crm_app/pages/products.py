"""/products: the product catalogue (search, filters, the product form, sections, CSV import/export)."""

from __future__ import annotations

import reflex as rx

from crm_app.components.data_table import Column, cell, data_table
from crm_app.components.filter_bar import filter_bar, filter_select, search_form
from crm_app.components.form_dialog import form_dialog
from crm_app.components.forms import crm_form, field_error, form_error
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.pager import paged_list
from crm_app.components.select_field import field_label, select_field
from crm_app.services.i18n import N_
from crm_app.services.lead_import.upload import MAX_FILE_BYTES
from crm_app.services.products import NO_SECTION
from crm_app.state.leads import ALL
from crm_app.state.product_csv import UPLOAD_ID, ProductCsvState
from crm_app.state.product_csv import ProductCsvState as C
from crm_app.state.products import ProductsState as S
from crm_app.state.products import ProductView

COLUMNS: list[Column] = [
    Column(N_("Name"), "name", min_width="11rem"),
    Column(N_("SKU"), "sku"),
    Column(N_("Section"), "section", nowrap=True),
    Column(N_("Price"), "price", align="right", nowrap=True),
    Column(N_("Unit"), nowrap=True),
    Column(N_("Tax"), nowrap=True),
    Column(N_("Deal rows"), align="right", nowrap=True),
    Column(""),
]
# the name opens the form: a button (not a link: nothing to navigate to) that looks like the
# lists' links and wraps a long name
NAME_BUTTON = {
    "all": "unset",
    "cursor": "pointer",
    "color": "var(--accent-11)",
    "fontWeight": "500",
    "overflowWrap": "anywhere",
    "minWidth": "0",
    "&:hover": {"textDecoration": "underline"},
    "&:focus-visible": {"outline": "2px solid var(--accent-8)", "outlineOffset": "2px"},
}
ACTIVE = [("active", N_("Active products")), ("inactive", N_("Inactive products")), (ALL, N_("All products"))]


def toolbar() -> rx.Component:
    return filter_bar(
        rx.select.root(
            rx.select.trigger(aria_label=t("Section"), min_width="10rem"),
            rx.select.content(
                rx.select.item(t("All sections"), value=ALL),
                rx.select.item(t("Without a section"), value=str(NO_SECTION)),
                rx.foreach(S.section_options, lambda o: rx.select.item(o.label, value=o.value)),
            ),
            value=S.section_filter,
            on_change=S.set_section_filter,
        ),
        filter_select("Products shown", S.active_filter, None, S.set_active_filter, items=ACTIVE),
        rx.button(t("Reset"), variant="ghost", size="2", on_click=S.reset_filters),
        search=search_form(
            name="search",
            value=S.search,
            label="Search products",
            placeholder="Name or SKU",
            on_submit=S.run_search,
        ),
    )


def row_actions(row: ProductView) -> rx.Component:
    return rx.hstack(
        rx.cond(
            S.can_edit,
            rx.cond(
                row.is_active,
                rx.button(
                    t("Deactivate"),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.toggle_active(row.id, row.version, False),
                ),
                rx.button(
                    t("Activate"),
                    size="1",
                    variant="soft",
                    on_click=S.toggle_active(row.id, row.version, True),
                ),
            ),
        ),
        rx.cond(
            S.can_delete & (row.deal_rows == 0),
            rx.icon_button(
                rx.icon("trash_2", size=14),
                size="1",
                variant="soft",
                color_scheme="red",
                aria_label=t("Delete"),
                title=t("Delete"),
                on_click=S.ask_delete(row.id),
            ),
        ),
        spacing="2",
        justify="end",
    )


def product_cells(row: ProductView) -> list[rx.Component]:
    c = COLUMNS
    return [
        cell(
            rx.hstack(
                rx.el.button(
                    row.name,
                    type="button",
                    on_click=S.open_edit(row.id),
                    title=t("Edit product"),
                    style=NAME_BUTTON,
                ),
                rx.cond(row.is_active, rx.fragment(), rx.badge(t("Inactive"), color_scheme="gray")),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            c[0],
        ),
        cell(rx.code(row.sku, variant="ghost", color_scheme="gray", overflow_wrap="anywhere"), c[1]),
        cell(row.section, c[2]),
        cell(rx.text(row.price, font_variant_numeric="tabular-nums"), c[3]),
        cell(row.unit, c[4]),
        cell(row.tax, c[5]),
        cell(row.deal_rows, c[6]),
        cell(row_actions(row), c[7]),
    ]


def _input(label: str, name: str, **props) -> rx.Component:
    field_id = f"product-{name}"
    return rx.vstack(
        field_label(label, field_id),
        rx.input(id=field_id, name=name, default_value=S.edit_values.get(name, ""), width="100%", **props),
        field_error(S.edit_errors, name),
        spacing="1",
        width="100%",
    )


def _check(label: str, name: str, checked) -> rx.Component:
    field_id = f"product-{name}"
    return rx.el.label(
        rx.hstack(
            rx.checkbox(name=name, id=field_id, default_checked=checked),
            rx.text(t(label), size="2"),
            align="center",
        ),
        html_for=field_id,
    )


def product_dialog() -> rx.Component:
    errors = S.edit_errors
    return form_dialog(
        rx.fragment(rx.cond(S.edit_id > 0, t("Edit product"), t("New product"))),
        _input(N_("Name"), "name", max_length=255),
        rx.grid(
            _input(N_("SKU"), "sku", max_length=64),
            select_field(
                "Section",
                "section_id",
                options=S.section_options,
                placeholder="No section",
                default_value=S.edit_values.get("section_id", ""),
                errors=errors,
                form_id="product",
            ),
            _input(N_("Price"), "price", input_mode="decimal", max_length=40, placeholder="0.00"),
            rx.vstack(
                field_label("Currency", "product-currency_code"),
                rx.el.select(
                    rx.foreach(S.currency_options, lambda c: rx.el.option(c, value=c)),
                    id="product-currency_code",
                    name="currency_code",
                    default_value=S.edit_values.get("currency_code", ""),
                    style={"width": "100%", "height": "var(--space-6)", "borderRadius": "var(--radius-2)"},
                ),
                field_error(errors, "currency_code"),
                spacing="1",
                width="100%",
            ),
            _input(N_("Unit"), "unit", max_length=20, list="product-units"),
            _input(N_("Tax rate, %"), "tax_rate", input_mode="decimal", max_length=40, placeholder="0"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.el.datalist(rx.foreach(S.unit_options, lambda u: rx.el.option(value=u)), id="product-units"),
        _check(N_("Tax included in the price"), "tax_included", S.edit_tax_included),
        rx.vstack(
            field_label("Description", "product-description"),
            rx.text_area(
                id="product-description",
                name="description",
                default_value=S.edit_values.get("description", ""),
                max_length=10000,
                width="100%",
                rows="3",
            ),
            field_error(errors, "description"),
            spacing="1",
            width="100%",
        ),
        rx.cond(S.edit_id > 0, _check(N_("Active (offered on deals)"), "is_active", S.edit_active)),
        errors=errors,
        open=S.edit_open,
        on_open_change=S.set_edit_open,
        on_submit=S.save_product,
        max_width="34rem",
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete product")),
            rx.alert_dialog.description(
                rx.text(S.delete_name, weight="medium"),
                rx.text(t("No deal uses it: it is deleted for good."), size="2", color_scheme="gray"),
            ),
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


def section_row(row) -> rx.Component:
    return rx.hstack(
        crm_form(
            rx.hstack(
                rx.input(
                    name="name",
                    default_value=row.name,
                    aria_label=t("Section name"),
                    max_length=100,
                    flex="1",
                ),
                rx.button(t("Rename"), size="1", variant="soft", type="submit"),
                align="center",
                spacing="2",
                width="100%",
            ),
            on_submit=lambda form: S.rename_section(row.id, row.version, form),
            flex="1",
            key=f"{row.id}-{row.version}",
        ),
        rx.text(row.products, size="1", color_scheme="gray", title=t("Products")),
        rx.icon_button(
            rx.icon("trash_2", size=14),
            size="1",
            variant="soft",
            color_scheme="red",
            aria_label=t("Delete section"),
            on_click=S.delete_section(row.id),
        ),
        align="center",
        spacing="2",
        width="100%",
        data_testid="section-row",
    )


def sections_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Product sections")),
            rx.vstack(
                form_error(S.section_errors),
                field_error(S.section_errors, "name"),
                rx.foreach(S.sections, section_row),
                crm_form(
                    rx.hstack(
                        rx.input(
                            name="name",
                            placeholder=t("New section"),
                            aria_label=t("New section"),
                            max_length=100,
                            flex="1",
                        ),
                        rx.button(rx.icon("plus", size=14), t("Add section"), type="submit", size="2"),
                        spacing="2",
                        width="100%",
                    ),
                    on_submit=S.add_section,
                    key=S.section_key,
                    width="100%",
                ),
                rx.text(
                    t("Deleting a section keeps its products, without a section."),
                    size="1",
                    color_scheme="gray",
                ),
                rx.hstack(
                    rx.dialog.close(rx.button(t("Close"), variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="30rem",
        ),
        open=S.sections_open,
        on_open_change=S.set_sections_open,
    )


def import_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Import products")),
            rx.vstack(
                rx.upload.root(
                    rx.vstack(
                        rx.icon("file_up", size=28, color=rx.color("accent", 9)),
                        rx.text(t("Drop a CSV file here, or click to choose one"), weight="medium", size="2"),
                        align="center",
                        spacing="2",
                        padding="1.5rem",
                        width="100%",
                    ),
                    id=UPLOAD_ID,
                    multiple=False,
                    max_files=1,
                    max_size=MAX_FILE_BYTES,
                    accept={"text/csv": [".csv", ".txt"], "text/plain": [".csv", ".txt"]},
                    on_drop=C.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
                    on_drop_rejected=C.upload_rejected,
                    border=f"2px dashed {rx.color('accent', 7)}",
                    border_radius="0.75rem",
                    cursor="pointer",
                    width="100%",
                    aria_label=t("CSV file to import"),
                ),
                rx.text(
                    t(
                        "Columns: Name (required), SKU, Description, Price, Currency, Unit, Tax rate, Tax included,"
                        " Section, Active; in English or French. A row whose SKU is in the catalogue updates"
                        " that product."
                    ),
                    size="1",
                    color_scheme="gray",
                ),
                rx.cond(C.importing, rx.hstack(rx.spinner(), rx.text(t("Importing…"), size="2"))),
                rx.cond(
                    C.import_error != "",
                    rx.callout(
                        C.import_error, icon="triangle_alert", color_scheme="red", size="1", role="alert"
                    ),
                ),
                rx.cond(
                    C.has_report,
                    rx.vstack(
                        rx.foreach(C.summary, lambda line: rx.text(line, size="2")),
                        rx.foreach(C.failures, lambda line: rx.text(line, size="1", color="red")),
                        rx.cond(C.more_failures != "", rx.text(C.more_failures, size="1")),
                        spacing="1",
                        width="100%",
                        max_height="16rem",
                        overflow_y="auto",
                        data_testid="import-report",
                    ),
                ),
                rx.hstack(
                    rx.dialog.close(rx.button(t("Close"), variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="32rem",
        ),
        open=C.import_open,
        on_open_change=C.set_import_open,
    )


def products_page() -> rx.Component:
    return app_shell(
        "Products",
        toolbar(),
        paged_list(
            S,
            data_table(COLUMNS, S.rows, product_cells, state=S, row_testid="product-row"),
            (N_("No products match."), N_("Add a product, import a file, or change the filters.")),
            loaded="products",
        ),
        product_dialog(),
        delete_dialog(),
        sections_dialog(),
        import_dialog(),
        actions=rx.hstack(
            rx.cond(
                S.can_edit,
                rx.button(
                    rx.icon("folder_tree", size=16),
                    t("Edit sections"),
                    variant="soft",
                    on_click=S.set_sections_open(True),
                ),
            ),
            rx.cond(
                S.can_import,
                rx.button(
                    rx.icon("upload", size=16),
                    t("Import"),
                    variant="soft",
                    on_click=ProductCsvState.set_import_open(True),
                ),
            ),
            rx.cond(
                S.can_export,
                rx.button(
                    rx.icon("download", size=16), t("Export"), variant="soft", on_click=ProductCsvState.export
                ),
            ),
            rx.cond(S.can_create, rx.button(rx.icon("plus", size=16), t("Add product"), on_click=S.open_new)),
            spacing="2",
            flex_wrap="wrap",
            justify="end",
        ),
        max_width="100%",
    )
