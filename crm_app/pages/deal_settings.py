"""/settings/deals: the deal pipelines, the stages of one of them, and the lost reasons."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components import settings_dialogs
from crm_app.components.forms import field_error
from crm_app.components.i18n import t
from crm_app.components.select_field import field_label, select_field
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
from crm_app.services.stages import DEFAULT_PROBABILITY
from crm_app.state.deal_settings import DealSettingsState as S

# --- rows ----------------------------------------------------------------------------------------


def pipeline_cells(row) -> list[rx.Component]:
    return [
        admin_only(S, rx.table.cell(order_buttons(S, "pipeline", row))),
        rx.table.cell(
            rx.hstack(
                rx.link(row.name, href=f"{routes.SETTINGS_DEALS}?pipeline={row.id}", weight="medium"),
                rx.cond(row.is_default, rx.badge(t("Default"), color_scheme="green"), rx.fragment()),
                align="center",
                spacing="2",
                wrap="wrap",
            )
        ),
        rx.table.cell(row.stage_count),
        rx.table.cell(row.deal_count),
        actions(
            S,
            rx.cond(
                row.is_default,
                rx.fragment(),
                rx.button(t("Make default"), size="1", variant="soft", on_click=S.make_default(row.id)),
            ),
            edit_button(S, "pipeline", row),
            delete_button(
                S,
                "pipeline",
                row,
                row.can_delete,
                N_("The default pipeline stays: make another one the default first."),
            ),
        ),
    ]


def stage_cells(row) -> list[rx.Component]:
    return [
        admin_only(S, rx.table.cell(order_buttons(S, "stage", row))),
        rx.table.cell(
            rx.hstack(swatch(row.color), rx.text(row.name, weight="medium"), align="center", spacing="2")
        ),
        rx.table.cell(semantic_badge(row.semantic, N_("Final: won"), N_("Final: lost"))),
        rx.table.cell(
            rx.text(row.probability, " %", font_variant_numeric="tabular-nums", white_space="nowrap")
        ),
        rx.table.cell(row.record_count),
        actions(
            S,
            edit_button(S, "stage", row),
            delete_button(
                S, "stage", row, row.can_delete, N_("The won stage and the last stage of its kind stay.")
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
                S, "reason", row, S.reasons.length() > 1, N_("At least one lost reason must remain.")
            ),
        ),
    ]


# --- sections ------------------------------------------------------------------------------------


def pipelines_section() -> rx.Component:
    return section(
        "pipelines",
        N_("Pipelines"),
        N_(
            "Each pipeline has its own stages. New deals go to the default pipeline; "
            "a pipeline with deals cannot be deleted."
        ),
        settings_table(
            S, [N_("Name"), N_("Stages"), N_("Deals")], S.pipelines, pipeline_cells, "pipeline-row"
        ),
        add_form(S, "pipeline", S.pipeline_errors, S.pipeline_key, N_("Add pipeline")),
    )


def stage_extra_fields() -> list[rx.Component]:
    errors = S.stage_errors
    return [
        color_input("stage", errors),
        select_field(
            N_("Type"),
            "semantic",
            items=[("in_progress", N_("In progress")), ("failure", N_("Final: lost"))],
            errors=errors,
            default_value="in_progress",
            form_id="new-stage",
            width="auto",
        ),
        rx.vstack(
            field_label(N_("Probability, %"), "new-stage-probability"),
            rx.input(
                id="new-stage-probability",
                name="probability",
                type="number",
                min=0,
                max=100,
                step=1,
                default_value=str(DEFAULT_PROBABILITY),
                width="6rem",
            ),
            field_error(errors, "probability"),
            spacing="1",
        ),
    ]


def pipeline_picker() -> rx.Component:
    return rx.cond(
        S.pipelines.length() > 1,
        rx.box(
            select_field(
                N_("Pipeline"),
                "pipeline",
                options=S.pipeline_choices,
                pairs=True,
                value=S.pipeline_id.to_string(),
                on_change=S.choose_pipeline,
                field_id="stages-pipeline",
                width="20rem",
            ),
            max_width="100%",
        ),
        rx.fragment(),
    )


def stages_section() -> rx.Component:
    return section(
        "stages",
        N_("Stages"),
        N_(
            "The steps a deal goes through in this pipeline: the stages in progress, then one won "
            "stage and the lost stages. The probability weighs the amounts of the deals in a stage."
        ),
        pipeline_picker(),
        rx.heading(S.pipeline_name, size="3", as_="h3", data_testid="stages-of"),
        settings_table(
            S,
            [N_("Name"), N_("Type"), N_("Probability"), N_("Deals")],
            S.stages,
            stage_cells,
            "stage-row",
        ),
        # keyed by the pipeline too: another pipeline's form starts empty
        add_form(
            S,
            "stage",
            S.stage_errors,
            S.stage_key.to_string() + "-" + S.pipeline_id.to_string(),
            N_("Add stage"),
            *stage_extra_fields(),
        ),
    )


def reasons_section() -> rx.Component:
    return section(
        "reasons",
        N_("Lost reasons"),
        N_("Why a deal was lost: closing a deal as lost asks for one."),
        settings_table(S, [N_("Name"), N_("Deals")], S.reasons, reason_cells, "reason-row"),
        add_form(S, "reason", S.reason_errors, S.reason_key, N_("Add reason")),
    )


def currencies_link() -> rx.Component:
    return section(
        "deal-currencies",
        N_("Currencies"),
        N_("Deal amounts are in a currency; totals are shown in the base currency."),
        rx.link(
            rx.hstack(
                rx.icon("coins", size=16), t("Currencies and exchange rates"), align="center", spacing="2"
            ),
            href=routes.SETTINGS_CURRENCIES,
        ),
    )


def deal_settings_page() -> rx.Component:
    return settings_page(
        "Deal settings",
        S,
        "deal-settings",
        pipelines_section(),
        stages_section(),
        reasons_section(),
        currencies_link(),
        settings_dialogs.edit_dialog(
            S,
            [
                ("pipeline", N_("Edit pipeline")),
                ("stage", N_("Edit stage")),
                ("reason", N_("Edit lost reason")),
            ],
        ),
        settings_dialogs.delete_dialog(
            S,
            [
                ("pipeline", N_("Delete pipeline")),
                ("stage", N_("Delete stage")),
                ("reason", N_("Delete lost reason")),
            ],
            [
                ("pipeline", N_("Deals in this pipeline:")),
                ("stage", N_("Deals in this stage:")),
                ("reason", N_("Deals lost for this reason:")),
            ],
        ),
    )
