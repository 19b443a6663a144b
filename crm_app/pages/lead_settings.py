"""/settings/leads: lead statuses, sources, junk reasons and the default phone region."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, field_error, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_
from crm_app.services.settings_lists import DEFAULT_COLOR
from crm_app.state.lead_settings import LeadSettingsState as S

LABEL_STYLE = {"fontSize": "0.875rem", "fontWeight": 500}
SELECT_STYLE = {
    "height": "2rem",
    "padding": "0 0.5rem",
    "fontSize": "var(--font-size-2)",
    "borderRadius": "var(--radius-2)",
    "border": "1px solid var(--gray-7)",
    "background": "var(--color-surface)",
}
COLOR_STYLE = {"width": "3rem", "height": "2rem", "padding": "0.1rem", "border": "1px solid var(--gray-7)",
               "borderRadius": "0.4rem", "background": "var(--color-surface)", "cursor": "pointer"}  # fmt: skip


def label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(t(text), html_for=html_for, style=LABEL_STYLE)


def admin_only(component: rx.Component) -> rx.Component:
    return rx.cond(S.is_admin, component, rx.fragment())


# --- rows ----------------------------------------------------------------------------------------


def order_buttons(kind: str, row) -> rx.Component:
    return rx.hstack(
        rx.icon_button(
            rx.icon("arrow_up", size=14),
            aria_label=t("Move up"),
            title=t("Move up"),
            size="1",
            variant="soft",
            color_scheme="gray",
            disabled=~row.can_up,
            on_click=S.move(kind, row.id, "up"),
        ),
        rx.icon_button(
            rx.icon("arrow_down", size=14),
            aria_label=t("Move down"),
            title=t("Move down"),
            size="1",
            variant="soft",
            color_scheme="gray",
            disabled=~row.can_down,
            on_click=S.move(kind, row.id, "down"),
        ),
        spacing="1",
    )


def edit_button(kind: str, row) -> rx.Component:
    return rx.icon_button(
        rx.icon("pencil", size=14),
        aria_label=t("Edit"),
        title=t("Edit"),
        size="1",
        variant="soft",
        on_click=S.open_edit(kind, row.id),
    )


def delete_button(kind: str, row, enabled, why_not: str) -> rx.Component:
    return rx.icon_button(
        rx.icon("trash_2", size=14),
        aria_label=t("Delete"),
        title=rx.cond(enabled, t("Delete"), t(why_not)),
        size="1",
        variant="soft",
        color_scheme="red",
        disabled=~enabled,
        on_click=S.ask_delete(kind, row.id),
    )


def actions(*buttons: rx.Component) -> rx.Component:
    return rx.table.cell(admin_only(rx.hstack(*buttons, spacing="2", justify="end")), justify="end")


def swatch(color) -> rx.Component:
    return rx.box(
        width="1.1rem",
        height="1.1rem",
        border_radius="0.3rem",
        background=color,
        border=f"1px solid {rx.color('gray', 7)}",
        flex_shrink="0",
    )


def semantic_badge(semantic) -> rx.Component:
    return rx.match(
        semantic,
        ("success", rx.badge(t("Final: converted"), color_scheme="green")),
        ("failure", rx.badge(t("Final: junk"), color_scheme="red")),
        rx.badge(t("In progress"), color_scheme="blue"),
    )


def status_row(row) -> rx.Component:
    return rx.table.row(
        admin_only(rx.table.cell(order_buttons("status", row))),
        rx.table.cell(
            rx.hstack(swatch(row.color), rx.text(row.name, weight="medium"), align="center", spacing="2")
        ),
        rx.table.cell(semantic_badge(row.semantic)),
        rx.table.cell(row.lead_count),
        actions(
            edit_button("status", row),
            delete_button(
                "status",
                row,
                row.can_delete,
                N_("The converted status and the last status of its kind stay."),
            ),
        ),
        data_testid="status-row",
        align="center",
    )


def source_row(row) -> rx.Component:
    return rx.table.row(
        admin_only(rx.table.cell(order_buttons("source", row))),
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(rx.code(row.code, variant="ghost", color_scheme="gray")),
        rx.table.cell(row.usage),
        rx.table.cell(
            rx.cond(
                row.is_active,
                rx.badge(t("Active"), color_scheme="green"),
                rx.badge(t("Deactivated"), color_scheme="gray"),
            )
        ),
        actions(
            edit_button("source", row),
            rx.cond(
                row.is_active,
                rx.button(
                    t("Deactivate"), size="1", variant="soft", on_click=S.set_source_active(row.id, False)
                ),
                rx.button(
                    t("Activate"), size="1", variant="soft", on_click=S.set_source_active(row.id, True)
                ),
            ),
            delete_button(
                "source",
                row,
                ~row.is_system,
                N_("The CRM gives this source itself: rename or deactivate it."),
            ),
        ),
        data_testid="source-row",
        align="center",
    )


def reason_row(row) -> rx.Component:
    return rx.table.row(
        admin_only(rx.table.cell(order_buttons("reason", row))),
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(row.lead_count),
        actions(
            edit_button("reason", row),
            delete_button("reason", row, S.reasons.length() > 1, N_("At least one junk reason must remain.")),
        ),
        data_testid="reason-row",
        align="center",
    )


def table(headers: list[str], rows, render) -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                admin_only(rx.table.column_header_cell(t("Order"), width="5.5rem")),
                *[rx.table.column_header_cell(t(h)) for h in headers],
                rx.table.column_header_cell(""),
            )
        ),
        rx.table.body(rx.foreach(rows, render)),
        width="100%",
        variant="surface",
        size="1",
    )


# --- add forms ----------------------------------------------------------------------------------


def name_input(kind: str, errors) -> rx.Component:
    field_id = f"new-{kind}-name"
    return rx.vstack(
        label(N_("Name"), field_id),
        rx.input(id=field_id, name="name", width="16rem"),
        field_error(errors, "name"),
        spacing="1",
    )


def add_form(kind: str, errors, key, button: str, *extra: rx.Component) -> rx.Component:
    return admin_only(
        crm_form(
            rx.vstack(
                form_error(errors),
                rx.hstack(
                    name_input(kind, errors),
                    *extra,
                    rx.button(rx.icon("plus", size=16), t(button), type="submit"),
                    align="end",
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            on_submit=lambda form: S.add_item(kind, form),
            key=key,
            width="100%",
        )
    )


def status_extra_fields() -> list[rx.Component]:
    errors = S.status_errors
    return [
        rx.vstack(
            label(N_("Colour"), "new-status-color"),
            rx.el.input(
                type="color",
                id="new-status-color",
                name="color",
                default_value=DEFAULT_COLOR,
                style=COLOR_STYLE,
            ),
            field_error(errors, "color"),
            spacing="1",
        ),
        rx.vstack(
            label(N_("Type"), "new-status-semantic"),
            rx.el.select(
                rx.el.option(t("In progress"), value="in_progress"),
                rx.el.option(t("Final: junk"), value="failure"),
                id="new-status-semantic",
                name="semantic",
                default_value="in_progress",
                style=SELECT_STYLE,
            ),
            field_error(errors, "semantic"),
            spacing="1",
        ),
    ]


# --- sections ------------------------------------------------------------------------------------


def section(testid: str, title: str, text: str, *content: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t(title), size="4", as_="h2"),
            rx.text(t(text), size="2", color_scheme="gray"),
            *content,
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid=testid,
    )


def statuses_section() -> rx.Component:
    return section(
        "statuses",
        N_("Lead statuses"),
        N_(
            "The steps a lead goes through. New leads start in the first status in progress; "
            "the final statuses come last."
        ),
        table([N_("Name"), N_("Type"), N_("Leads")], S.statuses, status_row),
        add_form("status", S.status_errors, S.status_key, N_("Add status"), *status_extra_fields()),
    )


def sources_section() -> rx.Component:
    return section(
        "sources",
        N_("Sources"),
        N_(
            "Where leads and deals come from. A deactivated source stays on its records but is no longer offered."
        ),
        table([N_("Name"), N_("Code"), N_("Used by"), N_("Status")], S.sources, source_row),
        add_form("source", S.source_errors, S.source_key, N_("Add source")),
    )


def reasons_section() -> rx.Component:
    return section(
        "reasons",
        N_("Junk reasons"),
        N_("Why a lead was closed as junk."),
        table([N_("Name"), N_("Leads")], S.reasons, reason_row),
        add_form("reason", S.reason_errors, S.reason_key, N_("Add reason")),
    )


def region_section() -> rx.Component:
    return section(
        "phone-region",
        N_("Phone numbers"),
        N_("The country assumed for phone numbers typed without a + and a country code."),
        crm_form(
            rx.hstack(
                rx.vstack(
                    label(N_("Default country"), "phone-region"),
                    rx.el.select(
                        rx.foreach(S.regions, lambda r: rx.el.option(r[1], value=r[0])),
                        id="phone-region",
                        name="phone_region",
                        value=S.region,
                        on_change=S.set_region,
                        disabled=~S.is_admin,
                        style={**SELECT_STYLE, "width": "20rem"},
                    ),
                    field_error(S.region_errors, "phone_region"),
                    spacing="1",
                ),
                admin_only(rx.button(t("Save"), type="submit")),
                align="end",
                spacing="3",
            ),
            on_submit=S.save_region,
        ),
    )


# --- dialogs -------------------------------------------------------------------------------------


def edit_dialog() -> rx.Component:
    errors = S.edit_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.match(
                    S.edit_kind,
                    ("status", t("Edit status")),
                    ("source", t("Edit source")),
                    t("Edit junk reason"),
                )
            ),
            crm_form(
                rx.vstack(
                    form_error(errors),
                    text_field("Name", "name", errors, default_value=S.edit_name, form_id="edit"),
                    rx.cond(
                        S.edit_kind == "status",
                        rx.vstack(
                            label(N_("Colour"), "edit-color"),
                            rx.el.input(
                                type="color",
                                id="edit-color",
                                name="color",
                                default_value=S.edit_color,
                                style=COLOR_STYLE,
                            ),
                            field_error(errors, "color"),
                            spacing="1",
                        ),
                        rx.fragment(),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(t("Save"), type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.save_edit,
            ),
            max_width="28rem",
        ),
        open=S.edit_open,
        on_open_change=S.set_edit_open,
    )


def delete_dialog() -> rx.Component:
    errors = S.delete_errors
    in_use = S.delete_count > 0
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.match(
                    S.delete_kind,
                    ("status", t("Delete status")),
                    ("source", t("Delete source")),
                    t("Delete junk reason"),
                )
            ),
            crm_form(
                rx.vstack(
                    rx.text(S.delete_name, weight="bold", size="4"),
                    rx.cond(
                        in_use,
                        rx.vstack(
                            rx.callout(
                                rx.hstack(
                                    rx.match(
                                        S.delete_kind,
                                        ("status", t("Leads with this status:")),
                                        ("source", t("Records with this source:")),
                                        t("Leads closed with this reason:"),
                                    ),
                                    rx.text(S.delete_count, weight="bold", data_testid="delete-count"),
                                    spacing="1",
                                ),
                                icon="info",
                                color_scheme="amber",
                                size="1",
                                width="100%",
                            ),
                            rx.text(t("Choose where they go before deleting it."), size="2"),
                            label(N_("Move them to"), "delete-move-to"),
                            rx.el.select(
                                rx.el.option(t("Choose…"), value=""),
                                rx.foreach(S.delete_targets, lambda o: rx.el.option(o[1], value=o[0])),
                                id="delete-move-to",
                                name="move_to_id",
                                default_value="",
                                style={**SELECT_STYLE, "width": "100%"},
                            ),
                            field_error(errors, "move_to_id"),
                            spacing="2",
                            width="100%",
                        ),
                        rx.text(
                            t("Nothing uses it: it can be deleted safely."), size="2", color_scheme="gray"
                        ),
                    ),
                    form_error(errors),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(
                            rx.cond(in_use, t("Move and delete"), t("Delete")),
                            color_scheme="red",
                            type="submit",
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.confirm_delete,
            ),
            max_width="28rem",
        ),
        open=S.delete_open,
        on_open_change=S.set_delete_open,
    )


def lead_settings_page() -> rx.Component:
    return app_shell(
        "Lead settings",
        rx.cond(
            S.loaded,
            rx.vstack(
                rx.cond(
                    S.is_admin,
                    rx.fragment(),
                    rx.callout(
                        t("Only administrators can change these settings."),
                        icon="lock",
                        color_scheme="gray",
                        size="1",
                        width="100%",
                    ),
                ),
                statuses_section(),
                sources_section(),
                reasons_section(),
                region_section(),
                edit_dialog(),
                delete_dialog(),
                spacing="4",
                width="100%",
                data_loaded="lead-settings",
            ),
            rx.spinner(),
        ),
        actions=rx.link(
            rx.hstack(rx.icon("arrow_left", size=14), t("Settings"), align="center", spacing="1"),
            href="/settings",
            size="2",
        ),
    )
