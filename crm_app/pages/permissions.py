"""/settings/permissions: what each role may do with each kind of record (none, own, team, all)."""

from __future__ import annotations

import reflex as rx

from crm_app.components.data_table import scroll_box
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.state.permissions import CellView, EntityRowView, PermissionsState, RoleBlockView, ScopeOption


def _option(option: ScopeOption) -> rx.Component:
    return rx.el.option(option.label, value=option.value)


def _cell(cell: CellView) -> rx.Component:
    return rx.table.cell(
        rx.el.select(
            rx.foreach(cell.options, _option),
            value=cell.value,
            aria_label=cell.label,
            on_change=lambda value: PermissionsState.set_cell(cell.key, value),
            style={"padding": "0.25rem", "borderRadius": "0.3rem"},
        )
    )


def _row(row: EntityRowView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.label, weight="medium")),
        rx.foreach(row.cells, _cell),
    )


def _block(block: RoleBlockView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(block.label, size="4", as_="h2"),
            scroll_box(  # on a phone the six actions scroll inside the card, not the page
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(""),
                            rx.foreach(PermissionsState.action_labels, rx.table.column_header_cell),
                        )
                    ),
                    rx.table.body(rx.foreach(block.rows, _row)),
                    width="100%",
                    variant="ghost",
                    size="1",
                ),
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
        data_testid=f"permissions-{block.role}",
    )


def permissions_page() -> rx.Component:
    return app_shell(
        "Permissions",
        rx.cond(
            PermissionsState.loaded,
            rx.cond(
                PermissionsState.allowed,
                rx.vstack(
                    rx.text(
                        t(
                            "Own: records the user is responsible for or created. Team: also those of"
                            " the members of their team. A change applies from the next page the user opens."
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.foreach(PermissionsState.blocks, _block),
                    width="100%",
                    spacing="4",
                    data_loaded="permissions",
                ),
                rx.callout(
                    t("Only users allowed to change the settings can do this."),
                    icon="lock",
                    color_scheme="amber",
                ),
            ),
            rx.spinner(),
        ),
    )
