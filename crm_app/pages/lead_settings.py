"""/settings/leads: lead statuses, sources, junk reasons and the default phone region."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form
from crm_app.components.i18n import t
from crm_app.components.lead_settings_dialogs import delete_dialog, edit_dialog
from crm_app.components.select_field import select_field
from crm_app.components.settings_list import (
    actions,
    add_form,
    admin_only,
    color_input,
    delete_button,
    edit_button,
    order_buttons,
    section,
    semantic_badge,
    settings_page,
    settings_table,
    swatch,
)
from crm_app.services.i18n import N_
from crm_app.state.lead_settings import LeadSettingsState as S

# --- rows ----------------------------------------------------------------------------------------


def status_cells(row) -> list[rx.Component]:
    return [
        admin_only(S, rx.table.cell(order_buttons(S, "status", row))),
        rx.table.cell(
            rx.hstack(swatch(row.color), rx.text(row.name, weight="medium"), align="center", spacing="2")
        ),
        rx.table.cell(semantic_badge(row.semantic, N_("Final: converted"), N_("Final: junk"))),
        rx.table.cell(row.record_count),
        actions(
            S,
            edit_button(S, "status", row),
            delete_button(
                S,
                "status",
                row,
                row.can_delete,
                N_("The converted status and the last status of its kind stay."),
            ),
        ),
    ]


def source_cells(row) -> list[rx.Component]:
    return [
        admin_only(S, rx.table.cell(order_buttons(S, "source", row))),
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
            S,
            edit_button(S, "source", row),
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
                S,
                "source",
                row,
                ~row.is_system,
                N_("The CRM gives this source itself: rename or deactivate it."),
            ),
        ),
    ]


def reason_cells(row) -> list[rx.Component]:
    return [
        admin_only(S, rx.table.cell(order_buttons(S, "reason", row))),
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(row.record_count),
        actions(
            S,
            edit_button(S, "reason", row),
            delete_button(
                S, "reason", row, S.reasons.length() > 1, N_("At least one junk reason must remain.")
            ),
        ),
    ]


# --- add forms ----------------------------------------------------------------------------------


def status_extra_fields() -> list[rx.Component]:
    errors = S.status_errors
    return [
        color_input("status", errors),
        select_field(
            N_("Type"),
            "semantic",
            items=[("in_progress", N_("In progress")), ("failure", N_("Final: junk"))],
            errors=errors,
            default_value="in_progress",
            form_id="new-status",
            width="auto",
        ),
    ]


# --- sections ------------------------------------------------------------------------------------


def statuses_section() -> rx.Component:
    return section(
        "statuses",
        N_("Lead statuses"),
        N_(
            "The steps a lead goes through. New leads start in the first status in progress; "
            "the final statuses come last."
        ),
        settings_table(S, [N_("Name"), N_("Type"), N_("Leads")], S.statuses, status_cells, "status-row"),
        add_form(S, "status", S.status_errors, S.status_key, N_("Add status"), *status_extra_fields()),
    )


def sources_section() -> rx.Component:
    return section(
        "sources",
        N_("Sources"),
        N_(
            "Where leads and deals come from. A deactivated source stays on its records but is no longer offered."
        ),
        settings_table(
            S, [N_("Name"), N_("Code"), N_("Used by"), N_("Status")], S.sources, source_cells, "source-row"
        ),
        add_form(S, "source", S.source_errors, S.source_key, N_("Add source")),
    )


def reasons_section() -> rx.Component:
    return section(
        "reasons",
        N_("Junk reasons"),
        N_("Why a lead was closed as junk."),
        settings_table(S, [N_("Name"), N_("Leads")], S.reasons, reason_cells, "reason-row"),
        add_form(S, "reason", S.reason_errors, S.reason_key, N_("Add reason")),
    )


def region_section() -> rx.Component:
    return section(
        "phone-region",
        N_("Phone numbers"),
        N_("The country assumed for phone numbers typed without a + and a country code."),
        crm_form(
            rx.hstack(
                select_field(
                    N_("Default country"),
                    "phone_region",
                    options=S.regions,
                    pairs=True,
                    errors=S.region_errors,
                    value=S.region,
                    on_change=S.set_region,
                    disabled=~S.is_admin,
                    field_id="phone-region",
                    width="20rem",
                ),
                admin_only(S, rx.button(t("Save"), type="submit")),
                align="end",
                spacing="3",
                wrap="wrap",
            ),
            on_submit=S.save_region,
        ),
    )


def lead_settings_page() -> rx.Component:
    return settings_page(
        "Lead settings",
        S,
        "lead-settings",
        statuses_section(),
        sources_section(),
        reasons_section(),
        region_section(),
        edit_dialog(),
        delete_dialog(),
    )
