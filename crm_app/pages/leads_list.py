"""/leads: the list of leads."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_
from crm_app.state.leads import ALL, LeadListRow, LeadsState

# (label, sort key or "")
COLUMNS: list[tuple[str, str]] = [
    (N_("Name"), "last_name"),
    (N_("Company"), "company_name"),
    (N_("Status"), "status"),
    (N_("Source"), "source"),
    (N_("Responsible"), "responsible"),
    (N_("E-mail"), "email"),
    (N_("Phone"), "phone"),
    (N_("Amount"), "amount"),
    (N_("Created"), "created_at"),
]
RESULTS = [
    ("open", N_("Open leads")),
    ("converted", N_("Converted leads")),
    ("junk", N_("Junk leads")),
    (ALL, N_("All leads")),
    ("deleted", N_("Recycle bin")),
]


def option_items(options, all_label: str) -> list[rx.Component]:
    return [
        rx.select.item(t(all_label), value=ALL),
        rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value)),
    ]


def filter_select(label: str, name: str, value: rx.Var, options, all_label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=t(label), min_width="9rem"),
        rx.select.content(*option_items(options, all_label)),
        value=value,
        on_change=lambda v: LeadsState.set_filter(name, v),
        size="2",
    )


def date_input(label: str, name: str, value: rx.Var) -> rx.Component:
    return rx.input(
        type="date",
        value=value,
        on_change=lambda v: LeadsState.set_dates(name, v),
        aria_label=t(label),
        title=t(label),
        size="2",
        width="9.5rem",
    )


def toolbar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            crm_form(
                rx.hstack(
                    rx.input(
                        rx.input.slot(rx.icon("search", size=16)),
                        name="search",
                        default_value=LeadsState.search,
                        placeholder=t("Name, company, e-mail or phone"),
                        aria_label=t("Search leads"),
                        width="20rem",
                        max_length=200,
                    ),
                    rx.button(t("Search"), type="submit", variant="soft"),
                ),
                on_submit=LeadsState.run_search,
            ),
            rx.spacer(),
            rx.select.root(
                rx.select.trigger(aria_label=t("Leads shown")),
                rx.select.content(*[rx.select.item(t(label), value=v) for v, label in RESULTS]),
                value=LeadsState.result_filter,
                on_change=lambda v: LeadsState.set_filter("result_filter", v),
            ),
            width="100%",
            align="center",
        ),
        rx.hstack(
            filter_select(
                "Status",
                "status_filter",
                LeadsState.status_filter,
                LeadsState.status_options,
                N_("All statuses"),
            ),
            filter_select(
                "Source",
                "source_filter",
                LeadsState.source_filter,
                LeadsState.source_options,
                N_("All sources"),
            ),
            filter_select(
                "Responsible",
                "responsible_filter",
                LeadsState.responsible_filter,
                LeadsState.user_options,
                N_("Everyone"),
            ),
            rx.text(t("Created"), size="2", color_scheme="gray"),
            date_input("Created from", "created_from", LeadsState.created_from),
            rx.text("–"),
            date_input("Created until", "created_to", LeadsState.created_to),
            rx.el.label(
                rx.hstack(
                    rx.switch(checked=LeadsState.mine, on_change=LeadsState.set_mine, id="leads-mine"),
                    rx.text(t("Mine"), size="2"),
                    align="center",
                ),
                html_for="leads-mine",
            ),
            rx.button(t("Reset"), variant="ghost", size="2", on_click=LeadsState.reset_filters),
            wrap="wrap",
            align="center",
            spacing="2",
        ),
        width="100%",
        spacing="3",
    )


def header_cell(label: str, key: str) -> rx.Component:
    if not key:
        return rx.table.column_header_cell(rx.text(t(label), size="1", weight="medium", color_scheme="gray"))
    arrow = rx.cond(
        LeadsState.sort == key,
        rx.icon(rx.cond(LeadsState.descending, "arrow_down", "arrow_up"), size=14),
        rx.fragment(),
    )
    return rx.table.column_header_cell(
        rx.button(
            t(label), arrow, variant="ghost", size="1", on_click=LeadsState.sort_by(key), color_scheme="gray"
        ),
    )


def lead_row(row: LeadListRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.checkbox(
                checked=LeadsState.selected.contains(row.id),
                on_change=lambda _: LeadsState.toggle_row(row.id),
                aria_label=t("Select"),
                disabled=~row.editable,
            )
        ),
        rx.table.cell(
            rx.link(row.name, href="/leads/" + row.id.to_string(), weight="medium"),
        ),
        rx.table.cell(row.company),
        rx.table.cell(
            rx.hstack(
                rx.box(width="0.6rem", height="0.6rem", border_radius="50%", background=row.color),
                rx.text(row.status, size="2"),
                align="center",
                spacing="2",
            )
        ),
        rx.table.cell(row.source),
        rx.table.cell(row.responsible),
        rx.table.cell(row.email),
        rx.table.cell(row.phone),
        rx.table.cell(row.amount, text_align="right"),
        rx.table.cell(row.created),
        data_testid="lead-row",
    )


def bulk_bar() -> rx.Component:
    return rx.cond(
        LeadsState.selected_count > 0,
        rx.hstack(
            rx.text(LeadsState.selected_count, " ", t("selected"), weight="medium", size="2"),
            rx.cond(
                LeadsState.in_recycle_bin,
                rx.button(
                    rx.icon("undo_2", size=14),
                    t("Restore"),
                    size="1",
                    variant="soft",
                    on_click=LeadsState.bulk_restore,
                ),
                rx.hstack(
                    rx.select.root(
                        rx.select.trigger(placeholder=t("Assign to…"), aria_label=t("Assign to")),
                        rx.select.content(
                            rx.foreach(
                                LeadsState.user_options, lambda o: rx.select.item(o.label, value=o.value)
                            )
                        ),
                        value="",
                        on_change=LeadsState.bulk_assign,
                        size="1",
                    ),
                    rx.select.root(
                        rx.select.trigger(placeholder=t("Change status…"), aria_label=t("Change status")),
                        rx.select.content(
                            rx.foreach(
                                LeadsState.open_status_options,
                                lambda o: rx.select.item(o.label, value=o.value),
                            )
                        ),
                        value="",
                        on_change=LeadsState.bulk_status,
                        size="1",
                    ),
                    rx.alert_dialog.root(
                        rx.alert_dialog.trigger(
                            rx.button(
                                rx.icon("trash_2", size=14),
                                t("Delete"),
                                color_scheme="red",
                                variant="soft",
                                size="1",
                            )
                        ),
                        rx.alert_dialog.content(
                            rx.alert_dialog.title(t("Delete the selected leads?")),
                            rx.alert_dialog.description(t("They go to the recycle bin and can be restored.")),
                            rx.hstack(
                                rx.alert_dialog.cancel(
                                    rx.button(t("Cancel"), variant="soft", color_scheme="gray")
                                ),
                                rx.alert_dialog.action(
                                    rx.button(
                                        t("Delete"), color_scheme="red", on_click=LeadsState.bulk_delete
                                    )
                                ),
                                justify="end",
                                spacing="3",
                                margin_top="1rem",
                            ),
                        ),
                        open=LeadsState.delete_open,
                        on_open_change=LeadsState.set_delete_open,
                    ),
                    align="center",
                    spacing="3",
                ),
            ),
            align="center",
            spacing="3",
            padding="0.5rem 0.75rem",
            border_radius="0.5rem",
            background=rx.color("accent", 3),
            width="100%",
        ),
        rx.fragment(),
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.text(LeadsState.page_label, size="2", color_scheme="gray"),
        rx.spacer(),
        rx.text(t("Rows per page"), size="2", color_scheme="gray"),
        rx.select.root(
            rx.select.trigger(aria_label=t("Rows per page")),
            rx.select.content(*[rx.select.item(str(n), value=str(n)) for n in (10, 20, 50, 100)]),
            value=LeadsState.page_size.to_string(),
            on_change=LeadsState.set_page_size,
            size="1",
        ),
        rx.button(
            t("Previous"),
            on_click=LeadsState.prev_page,
            disabled=~LeadsState.has_prev,
            variant="soft",
            size="1",
        ),
        rx.button(
            t("Next"), on_click=LeadsState.next_page, disabled=~LeadsState.has_next, variant="soft", size="1"
        ),
        width="100%",
        align="center",
        spacing="2",
    )


def leads_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(
                    rx.checkbox(
                        checked=LeadsState.all_selected,
                        on_change=LeadsState.toggle_all,
                        aria_label=t("Select all"),
                    ),
                    width="2rem",
                ),
                *[header_cell(label, key) for label, key in COLUMNS],
            )
        ),
        rx.table.body(rx.foreach(LeadsState.rows, lead_row)),
        width="100%",
        variant="surface",
        size="1",
    )


def leads_page() -> rx.Component:
    return app_shell(
        "Leads",
        toolbar(),
        bulk_bar(),
        rx.cond(
            LeadsState.loaded,
            rx.cond(
                LeadsState.rows.length() > 0,
                rx.vstack(leads_table(), pager(), width="100%", data_loaded="leads"),
                rx.card(
                    rx.vstack(
                        rx.text(t("No leads match."), weight="medium"),
                        rx.text(
                            t("Add a lead, import a file, or change the filters."),
                            color_scheme="gray",
                            size="2",
                        ),
                        align="center",
                        padding="2rem",
                    ),
                    width="100%",
                    data_loaded="leads",
                ),
            ),
            rx.center(rx.spinner(), width="100%", padding="2rem"),
        ),
        actions=rx.hstack(
            rx.link(
                rx.button(rx.icon("copy", size=16), t("Duplicates"), variant="soft"), href="/leads/duplicates"
            ),
            rx.cond(
                LeadsState.can_import,
                rx.link(
                    rx.button(rx.icon("upload", size=16), t("Import"), variant="soft"), href="/leads/import"
                ),
            ),
            rx.cond(
                LeadsState.can_create,
                rx.link(rx.button(rx.icon("plus", size=16), t("Add lead")), href="/leads/new"),
            ),
            spacing="2",
        ),
        max_width="100%",
    )
