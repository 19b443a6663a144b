"""The fields of a contact and of a company as a form, shared by "Add contact / company" and the
card's edit mode (the building blocks are the lead form's)."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import FieldErrors
from crm_app.components.lead_fields import FieldValues, fields_section, select_input, text_area, text_input
from crm_app.services.i18n import N_

SEVERAL = N_("Separate several with commas.")


def _details_and_sales(values: FieldValues, errors: FieldErrors, state) -> list[rx.Component]:
    return [
        fields_section(
            "Contact details",
            text_input("Phones", "phones", values, errors, hint=SEVERAL),
            text_input("E-mails", "emails", values, errors, hint=SEVERAL),
            text_input("Address", "address", values, errors),
        ),
        fields_section(
            "Sales",
            select_input("Source", "source_id", values, errors, state.source_options),
            select_input("Responsible", "responsible_id", values, errors, state.user_options),
        ),
        text_area("Comment", "comment", values, errors),
    ]


def contact_fields(values: FieldValues, errors: FieldErrors, state) -> rx.Component:
    """`state` has source_options and user_options."""
    return rx.vstack(
        fields_section(
            "Person",
            text_input("First name", "first_name", values, errors),
            text_input("Last name", "last_name", values, errors),
            text_input("Middle name", "second_name", values, errors),
            text_input("Salutation", "honorific", values, errors),
            text_input("Position", "position", values, errors),
            text_input("Date of birth", "birthdate", values, errors, type_="date"),
        ),
        *_details_and_sales(values, errors, state),
        spacing="4",
        width="100%",
    )


def company_fields(values: FieldValues, errors: FieldErrors, state) -> rx.Component:
    return rx.vstack(
        fields_section(
            "Company",
            text_input("Company name", "name", values, errors),
            text_input("Industry", "industry", values, errors),
            text_input("Website", "website", values, errors),
            text_input("Employees", "employees", values, errors),
            text_input("Annual revenue", "revenue", values, errors),
        ),
        *_details_and_sales(values, errors, state),
        spacing="4",
        width="100%",
    )
