"""/contacts and /companies: the lists, one page builder for both."""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app import routes
from crm_app.components.bulk_bar import bulk_bar
from crm_app.components.data_table import Column, cell, data_table
from crm_app.components.filter_bar import date_filter, filter_bar, filter_select, search_form, switch_filter
from crm_app.components.i18n import t, tn
from crm_app.components.layout import app_shell
from crm_app.components.pager import paged_list
from crm_app.services.i18n import N_
from crm_app.state.parties import CompaniesState, ContactsState, PartyListRow

CONTACT_COLUMNS: list[Column] = [
    Column(N_("Name"), "name", min_width="10rem"),
    Column(N_("Company"), "", min_width="10rem"),
    Column(N_("Position"), "position", min_width="8rem"),
    Column(N_("E-mail"), "email", nowrap=True),
    Column(N_("Phone"), "phone", nowrap=True),
    Column(N_("Responsible"), "responsible", nowrap=True),
    Column(N_("Source"), "source", nowrap=True),
    Column(N_("Created"), "created_at", nowrap=True),
]
COMPANY_COLUMNS: list[Column] = [
    Column(N_("Name"), "name", min_width="10rem"),
    Column(N_("Industry"), "industry", min_width="8rem"),
    Column(N_("Contacts"), "", align="right", nowrap=True),
    Column(N_("E-mail"), "email", nowrap=True),
    Column(N_("Phone"), "phone", nowrap=True),
    Column(N_("Responsible"), "responsible", nowrap=True),
    Column(N_("Source"), "source", nowrap=True),
    Column(N_("Created"), "created_at", nowrap=True),
]
SHOWN_CONTACTS = [("active", N_("All contacts")), ("deleted", N_("Recycle bin"))]
SHOWN_COMPANIES = [("active", N_("All companies")), ("deleted", N_("Recycle bin"))]


def toolbar(state: Any, *, search_label: str, shown_label: str, shown: list, mine_id: str) -> rx.Component:
    return filter_bar(
        filter_select(
            "Source",
            state.source_filter,
            state.source_options,
            lambda v: state.set_filter("source_filter", v),
            all_label=N_("All sources"),
        ),
        filter_select(
            "Responsible",
            state.responsible_filter,
            state.user_options,
            lambda v: state.set_filter("responsible_filter", v),
            all_label=N_("Everyone"),
        ),
        rx.text(t("Created"), size="2", color_scheme="gray"),
        date_filter("Created from", state.created_from, lambda v: state.set_dates("created_from", v)),
        rx.text("–"),
        date_filter("Created until", state.created_to, lambda v: state.set_dates("created_to", v)),
        switch_filter("Mine", mine_id, state.mine, state.set_mine),
        rx.button(t("Reset"), variant="ghost", size="2", on_click=state.reset_filters),
        search=search_form(
            name="search",
            value=state.search,
            label=search_label,
            placeholder="Name, e-mail or phone",
            on_submit=state.run_search,
            too_short=state.search_too_short,
        ),
        end=filter_select(
            shown_label,
            state.shown_filter,
            state.source_options,
            lambda v: state.set_filter("shown_filter", v),
            items=shown,
        ),
    )


def _common_cells(row: PartyListRow, c: list[Column]) -> list[rx.Component]:
    return [
        cell(row.email, c[3]),
        cell(row.phone, c[4]),
        cell(row.responsible, c[5]),
        cell(row.source, c[6]),
        cell(row.created, c[7]),
    ]


def contact_cells(row: PartyListRow) -> list[rx.Component]:
    c = CONTACT_COLUMNS
    name = cell(rx.link(row.name, href=row.href, weight="medium"), c[0])
    return [name, cell(row.related, c[1]), cell(row.detail, c[2]), *_common_cells(row, c)]


def company_cells(row: PartyListRow) -> list[rx.Component]:
    c = COMPANY_COLUMNS
    name = cell(rx.link(row.name, href=row.href, weight="medium"), c[0])
    return [name, cell(row.detail, c[1]), cell(row.related, c[2]), *_common_cells(row, c)]


def _actions(state: Any, new_href: str, add_label: str) -> rx.Component:
    return rx.hstack(
        rx.cond(
            state.can_create,
            rx.link(rx.button(rx.icon("plus", size=16), t(add_label)), href=new_href),
        ),
        spacing="2",
        flex_wrap="wrap",
        justify="end",
    )


def _list_page(
    state: Any, title: str, parts: list[rx.Component], table: rx.Component, empty, loaded: str, actions
):
    """A record list: the toolbar and bulk bar (`parts`), the paged table, its empty state."""
    return app_shell(
        title,
        *parts,
        paged_list(state, table, empty, loaded=loaded),
        actions=actions,
        max_width="100%",
    )


def contacts_page() -> rx.Component:
    s = ContactsState
    return _list_page(
        s,
        N_("Contacts"),
        [
            toolbar(
                s,
                search_label=N_("Search contacts"),
                shown_label=N_("Contacts shown"),
                shown=SHOWN_CONTACTS,
                mine_id="contacts-mine",
            ),
            bulk_bar(
                s,
                tn("{count} contact selected", "{count} contacts selected", s.selected_count),
                delete_title="Delete the selected contacts?",
                delete_denied="You may not delete some of the selected contacts.",
            ),
        ],
        data_table(
            CONTACT_COLUMNS, s.rows, contact_cells, state=s, selectable=True, row_testid="contact-row"
        ),
        (N_("No contacts match."), N_("Add a contact, convert a lead, or change the filters.")),
        "contacts",
        _actions(s, routes.contact_new(), N_("Add contact")),
    )


def companies_page() -> rx.Component:
    s = CompaniesState
    return _list_page(
        s,
        N_("Companies"),
        [
            toolbar(
                s,
                search_label=N_("Search companies"),
                shown_label=N_("Companies shown"),
                shown=SHOWN_COMPANIES,
                mine_id="companies-mine",
            ),
            bulk_bar(
                s,
                tn("{count} company selected", "{count} companies selected", s.selected_count),
                delete_title="Delete the selected companies?",
                delete_denied="You may not delete some of the selected companies.",
            ),
        ],
        data_table(
            COMPANY_COLUMNS, s.rows, company_cells, state=s, selectable=True, row_testid="company-row"
        ),
        (N_("No companies match."), N_("Add a company, convert a lead, or change the filters.")),
        "companies",
        _actions(s, routes.company_new(), N_("Add company")),
    )
