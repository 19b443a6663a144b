"""The value mapping of the lead import's mapping step: the file's values of list columns that
match nothing, with their row counts and what each becomes (map, create, leave empty)."""

from __future__ import annotations

import reflex as rx

from crm_app.components.i18n import t
from crm_app.state.import_values import ValueRow
from crm_app.state.lead_import import LeadImportState


def value_select(row: ValueRow) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=row.label + ": " + row.shown, width="100%", max_width="100%"),
        rx.select.content(rx.foreach(row.options, lambda o: rx.select.item(o[1], value=o[0]))),
        value=LeadImportState.value_choices[row.id],
        on_change=lambda choice: LeadImportState.set_value_choice(row.id, choice),
        disabled=LeadImportState.running,
    )


def value_row(row: ValueRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(row.label, size="1", color_scheme="gray"),
            rx.text(row.shown, weight="medium", overflow_wrap="break-word"),
        ),
        rx.table.cell(rx.text(row.rows, size="2"), text_align="right"),
        rx.table.cell(value_select(row)),
        align="center",
        data_testid="value-row",
    )


def value_mapping() -> rx.Component:
    return rx.cond(
        LeadImportState.value_rows.length() > 0,
        rx.vstack(
            rx.heading(t("Values to match"), size="4", as_="h2"),
            rx.text(
                t(
                    "These values of the file match nothing in the CRM. Choose what each one becomes: "
                    "an existing value, a new one, or nothing (the lead then gets the default)."
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(t("Value in the file"), width="40%"),
                            rx.table.column_header_cell(t("Rows"), text_align="right", width="4.5rem"),
                            rx.table.column_header_cell(t("Import as")),
                        )
                    ),
                    rx.table.body(rx.foreach(LeadImportState.value_rows, value_row)),
                    variant="surface",
                    size="1",
                    width="100%",
                    table_layout="fixed",
                ),
                overflow_x="auto",
                width="100%",
                data_testid="value-mapping",
            ),
            spacing="2",
            width="100%",
        ),
        rx.fragment(),
    )


def summary_details() -> rx.Component:
    """Under the summary's counters: why rows failed (grouped), and the values left empty."""
    return rx.fragment(
        rx.cond(
            LeadImportState.reasons.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(t("Why rows were not imported")),
                            rx.table.column_header_cell(t("Rows"), text_align="right"),
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            LeadImportState.reasons,
                            lambda r: rx.table.row(
                                rx.table.cell(r[0], overflow_wrap="anywhere"),
                                rx.table.cell(r[1], text_align="right"),
                                data_testid="reason-row",
                            ),
                        )
                    ),
                    variant="surface",
                    size="1",
                    width="100%",
                ),
                rx.cond(
                    LeadImportState.other_reasons > 0,
                    rx.text(
                        t("Other reasons:"), " ", LeadImportState.other_reasons, size="1", color_scheme="gray"
                    ),
                    rx.fragment(),
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.fragment(),
        ),
        rx.cond(
            LeadImportState.left_empty.length() > 0,
            rx.callout(
                rx.vstack(
                    rx.text(t("Values that match nothing were left empty:"), weight="medium"),
                    rx.foreach(LeadImportState.left_empty, lambda line: rx.text(line, size="2")),
                    spacing="1",
                ),
                icon="info",
                color_scheme="amber",
                width="100%",
                data_testid="left-empty",
            ),
            rx.fragment(),
        ),
    )
