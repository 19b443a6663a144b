"""/leads: the list of leads."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components.bulk_bar import bulk_bar, option_select
from crm_app.components.data_table import Column, cell, data_table
from crm_app.components.filter_bar import date_filter, filter_bar, filter_select, search_form, switch_filter
from crm_app.components.i18n import t, tn
from crm_app.components.layout import app_shell
from crm_app.components.pager import paged_list
from crm_app.services.i18n import N_
from crm_app.state.leads import ALL, LeadListRow, LeadsState

COLUMNS: list[Column] = [
    Column(N_("Name"), "name", min_width="9rem"),
    Column(N_("Company"), "company_name", min_width="10rem"),
    Column(N_("Status"), "status", nowrap=True),
    Column(N_("Source"), "source", nowrap=True),
    Column(N_("Responsible"), "responsible", nowrap=True),
    Column(N_("E-mail"), "email", nowrap=True),
    Column(N_("Phone"), "phone", nowrap=True),
    Column(N_("Amount"), "amount", align="right", nowrap=True),
    Column(N_("Created"), "created_at", nowrap=True),
]
RESULTS = [
    ("open", N_("Open leads")),
    ("converted", N_("Converted leads")),
    ("junk", N_("Junk leads")),
    (ALL, N_("All leads")),
    ("deleted", N_("Recycle bin")),
]
S = LeadsState


def toolbar() -> rx.Component:
    return filter_bar(
        filter_select(
            "Status",
            S.status_filter,
            S.status_options,
            lambda v: S.set_filter("status_filter", v),
            all_label=N_("All statuses"),
        ),
        filter_select(
            "Source",
            S.source_filter,
            S.source_options,
            lambda v: S.set_filter("source_filter", v),
            all_label=N_("All sources"),
        ),
        filter_select(
            "Responsible",
            S.responsible_filter,
            S.user_options,
            lambda v: S.set_filter("responsible_filter", v),
            all_label=N_("Everyone"),
        ),
        rx.text(t("Created"), size="2", color_scheme="gray"),
        date_filter("Created from", S.created_from, lambda v: S.set_dates("created_from", v)),
        rx.text("–"),
        date_filter("Created until", S.created_to, lambda v: S.set_dates("created_to", v)),
        switch_filter("Mine", "leads-mine", S.mine, S.set_mine),
        rx.button(t("Reset"), variant="ghost", size="2", on_click=S.reset_filters),
        search=search_form(
            name="search",
            value=S.search,
            label="Search leads",
            placeholder="Name, company, e-mail or phone",
            on_submit=S.run_search,
            too_short=S.search_too_short,
        ),
        end=filter_select(
            "Leads shown",
            S.result_filter,
            S.status_options,
            lambda v: S.set_filter("result_filter", v),
            items=RESULTS,
        ),
    )


def lead_cells(row: LeadListRow) -> list[rx.Component]:
    c = COLUMNS
    return [
        cell(rx.link(row.name, href=row.href, weight="medium"), c[0]),
        cell(row.company, c[1]),
        cell(
            rx.hstack(
                rx.box(width="0.6rem", height="0.6rem", border_radius="50%", background=row.color),
                rx.text(row.status, size="2"),
                align="center",
                spacing="2",
            ),
            c[2],
        ),
        cell(row.source, c[3]),
        cell(row.responsible, c[4]),
        cell(row.email, c[5]),
        cell(row.phone, c[6]),
        cell(row.amount, c[7]),
        cell(row.created, c[8]),
    ]


def lead_bulk_bar() -> rx.Component:
    return bulk_bar(
        S,
        tn("{count} lead selected", "{count} leads selected", S.selected_count),
        option_select("Change status…", N_("Change status"), S.open_status_options, S.bulk_status),
        delete_title="Delete the selected leads?",
        delete_denied="You may not delete some of the selected leads.",
    )


def leads_page() -> rx.Component:
    return app_shell(
        "Leads",
        toolbar(),
        lead_bulk_bar(),
        paged_list(
            S,
            data_table(COLUMNS, S.rows, lead_cells, state=S, selectable=True, row_testid="lead-row"),
            (N_("No leads match."), N_("Add a lead, import a file, or change the filters.")),
            loaded="leads",
        ),
        actions=rx.hstack(
            rx.link(
                rx.button(rx.icon("copy", size=16), t("Duplicates"), variant="soft"),
                href=routes.lead_duplicates(),
            ),
            rx.cond(
                LeadsState.can_import,
                rx.link(
                    rx.button(rx.icon("upload", size=16), t("Import"), variant="soft"),
                    href=routes.lead_import(),
                ),
            ),
            rx.cond(
                LeadsState.can_import,
                rx.link(
                    rx.button(rx.icon("history", size=16), t("Import history"), variant="soft"),
                    href=routes.lead_import_history(),
                ),
            ),
            rx.cond(
                LeadsState.can_create,
                rx.link(rx.button(rx.icon("plus", size=16), t("Add lead")), href=routes.lead_new()),
            ),
            spacing="2",
            flex_wrap="wrap",  # four buttons: two rows on a phone
            justify="end",
        ),
        max_width="100%",
    )
