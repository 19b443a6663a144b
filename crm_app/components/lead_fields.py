"""The lead's fields as a form, shared by "Add lead" and the card's edit mode."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from crm_app.components.forms import FieldErrors, InputType, field_error
from crm_app.components.i18n import t

# a state var: field name -> the value the form starts with
FieldValues = ObjectVar[dict[str, str]]

LABEL_STYLE = {"fontSize": "0.875rem", "fontWeight": 500}
SELECT_STYLE = {
    "padding": "0.35rem 0.5rem",
    "borderRadius": "0.4rem",
    "width": "100%",
    "border": "1px solid var(--gray-7)",
    "background": "var(--color-surface)",
    "fontSize": "0.875rem",
    "height": "2rem",
}


def labelled(
    label: str, control: rx.Component, name: str, errors: FieldErrors, hint: str = ""
) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label), html_for=f"field-{name}", style=LABEL_STYLE),
        control,
        rx.text(t(hint), size="1", color_scheme="gray") if hint else rx.fragment(),
        field_error(errors, name),
        spacing="1",
        width="100%",
    )


def text_input(
    label: str,
    name: str,
    values: FieldValues,
    errors: FieldErrors,
    *,
    hint: str = "",
    type_: InputType = "text",
):
    return labelled(
        label,
        rx.input(id=f"field-{name}", name=name, default_value=values.get(name, ""), type=type_, width="100%"),
        name,
        errors,
        hint,
    )


def text_area(
    label: str, name: str, values: FieldValues, errors: FieldErrors, *, hint: str = "", rows: str = "3"
):
    return labelled(
        label,
        rx.text_area(
            id=f"field-{name}", name=name, default_value=values.get(name, ""), rows=rows, width="100%"
        ),
        name,
        errors,
        hint,
    )


def select_input(
    label: str, name: str, values: FieldValues, errors: FieldErrors, options: rx.Var, *, empty: str = ""
):
    """A native select (it posts with the form); options are dataclasses with value/label."""
    return labelled(
        label,
        rx.el.select(
            rx.el.option(t(empty) if empty else "—", value=""),
            rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)),
            id=f"field-{name}",
            name=name,
            default_value=values.get(name, ""),
            style=SELECT_STYLE,
        ),
        name,
        errors,
    )


def fields_section(title: str, *children: rx.Component, columns: str = "2") -> rx.Component:
    return rx.vstack(
        rx.text(t(title), weight="bold", size="2", color_scheme="gray"),
        # one column on a phone
        rx.grid(*children, columns=rx.breakpoints(initial="1", sm=columns), spacing="3", width="100%"),
        spacing="2",
        width="100%",
    )


def lead_fields(values: FieldValues, errors: FieldErrors, state, *, with_status: bool = True) -> rx.Component:
    """`state` has status_options, source_options, user_options, currency_options.

    The card edits the status with its status bar, so it leaves the select out."""
    return rx.vstack(
        fields_section(
            "Lead",
            text_input("Lead title", "title", values, errors),
            select_input("Status", "status_id", values, errors, state.status_options)
            if with_status
            else rx.fragment(),
        ),
        fields_section(
            "Person",
            text_input("First name", "first_name", values, errors),
            text_input("Last name", "last_name", values, errors),
            text_input("Middle name", "second_name", values, errors),
            text_input("Salutation", "honorific", values, errors),
        ),
        fields_section(
            "Company",
            text_input("Company name", "company_name", values, errors),
            text_input("Position", "position", values, errors),
        ),
        fields_section(
            "Contact details",
            text_input("Phones", "phones", values, errors, hint="Separate several with commas."),
            text_input("E-mails", "emails", values, errors, hint="Separate several with commas."),
            text_input("Website", "website", values, errors),
            text_input("Address", "address", values, errors),
        ),
        fields_section(
            "Sales",
            select_input("Source", "source_id", values, errors, state.source_options),
            select_input("Responsible", "responsible_id", values, errors, state.user_options),
            text_input("Expected amount", "amount", values, errors),
            select_input("Currency", "currency_code", values, errors, state.currency_options),
        ),
        text_area("Comment", "comment", values, errors),
        spacing="4",
        width="100%",
    )
