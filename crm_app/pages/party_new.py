"""/contacts/new and /companies/new: the form of a new contact or company, with the possible
duplicates shown before saving."""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app import routes
from crm_app.components.i18n import t
from crm_app.components.new_record import new_record_page
from crm_app.components.party_fields import company_fields, contact_fields
from crm_app.services.i18n import N_
from crm_app.state.party_form import CompanyFormState, ContactFormState


def _company_note(state: Any) -> rx.Component:
    return rx.cond(
        state.company_id > 0,
        rx.hstack(
            rx.icon("building_2", size=16),
            rx.text(t("The contact will belong to"), size="2"),
            rx.text(state.company_name, size="2", weight="bold"),
            rx.button(t("Clear"), size="1", variant="ghost", type="button", on_click=state.forget_company),
            align="center",
            spacing="2",
            flex_wrap="wrap",
            data_testid="new-contact-company",
        ),
        rx.fragment(),
    )


def contact_new_page() -> rx.Component:
    return new_record_page(
        N_("New contact"), ContactFormState, contact_fields, routes.CONTACTS, _company_note(ContactFormState)
    )


def company_new_page() -> rx.Component:
    return new_record_page(N_("New company"), CompanyFormState, company_fields, routes.COMPANIES)
