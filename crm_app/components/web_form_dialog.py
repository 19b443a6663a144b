"""The web form dialog of Settings -> Web forms: name, fields, thank-you text, source and
responsible, and the link / iframe to share once it exists."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import FieldErrors, crm_form, field_error, form_error, text_field
from crm_app.components.i18n import t
from crm_app.services.i18n import N_
from crm_app.state.web_forms import (
    FIELD_MODES,
    FieldChoice,
    WebFormsState,
)

LABEL_STYLE = {"fontSize": "0.875rem", "fontWeight": 500}
SELECT_STYLE = {
    "padding": "0.4rem",
    "borderRadius": "0.4rem",
    "width": "100%",
    "border": "1px solid var(--gray-7)",
    "background": "var(--color-surface)",
}


def _hint(text: str) -> rx.Component:
    return rx.text(t(text), size="1", color_scheme="gray")


def _native_select(
    label: str, name: str, options: rx.Var, value: rx.Var, empty_label: str, errors: FieldErrors
) -> rx.Component:
    field_id = f"web-form-{name}"
    return rx.vstack(
        rx.el.label(t(label), html_for=field_id, style=LABEL_STYLE),
        rx.el.select(
            rx.el.option(t(empty_label), value=""),
            rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)),
            id=field_id,
            name=name,
            default_value=value,
            style=SELECT_STYLE,
        ),
        field_error(errors, name),
        spacing="1",
        width="100%",
    )


def _field_mode(choice: FieldChoice) -> rx.Component:
    field_id = "web-form-field-" + choice.name
    return rx.vstack(
        rx.el.label(choice.label, html_for=field_id, style=LABEL_STYLE),
        rx.el.select(
            *[rx.el.option(t(label), value=value) for value, label in FIELD_MODES],
            id=field_id,
            name="field_" + choice.name,
            default_value=choice.mode,
            style=SELECT_STYLE,
        ),
        spacing="1",
        width="100%",
    )


def _copy_box(label: str, field_id: str, value: rx.Var, on_copy, *, rows: str = "1") -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label), html_for=field_id, style=LABEL_STYLE),
        rx.hstack(
            rx.input(id=field_id, value=value, read_only=True, width="100%", font_family="monospace")
            if rows == "1"
            else rx.text_area(
                id=field_id,
                value=value,
                read_only=True,
                rows=rows,
                width="100%",
                font_family="monospace",
                size="1",
            ),
            rx.button(rx.icon("copy", size=14), t("Copy"), type="button", variant="soft", on_click=on_copy),
            width="100%",
            align="start",
        ),
        spacing="1",
        width="100%",
    )


def _share_section() -> rx.Component:
    return rx.vstack(
        rx.separator(),
        rx.heading(t("Share this form"), size="3", as_="h3"),
        _copy_box(
            N_("Link"),
            "web-form-link",
            WebFormsState.edit_url,
            WebFormsState.copy_link(WebFormsState.edit_url),
        ),
        _copy_box(
            N_("Embed code (iframe)"),
            "web-form-embed",
            WebFormsState.edit_snippet,
            WebFormsState.copy_snippet(WebFormsState.edit_url, WebFormsState.edit_name),
            rows="3",
        ),
        spacing="2",
        width="100%",
    )


def edit_dialog() -> rx.Component:
    errors = WebFormsState.errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(WebFormsState.editing_id > 0, t("Edit web form"), t("New web form"))),
            crm_form(
                rx.vstack(
                    form_error(errors),
                    text_field(
                        "Name", "name", errors, default_value=WebFormsState.edit_name, form_id="web-form"
                    ),
                    text_field(
                        "Web address",
                        "slug",
                        errors,
                        default_value=WebFormsState.edit_slug,
                        form_id="web-form",
                    ),
                    _hint(
                        N_("Lower-case letters, digits and hyphens. Leave empty to make one from the name.")
                    ),
                    rx.heading(t("Fields"), size="3", as_="h3"),
                    _hint(N_("Choose the fields visitors fill in, and which ones are required.")),
                    rx.grid(
                        rx.foreach(WebFormsState.edit_fields, _field_mode),
                        columns=rx.breakpoints(initial="2", xs="3"),
                        spacing="3",
                        width="100%",
                    ),
                    field_error(errors, "fields"),
                    rx.vstack(
                        rx.el.label(
                            t("Thank-you text"), html_for="web-form-thank_you_text", style=LABEL_STYLE
                        ),
                        rx.text_area(
                            id="web-form-thank_you_text",
                            name="thank_you_text",
                            default_value=WebFormsState.edit_thank_you,
                            rows="3",
                            width="100%",
                        ),
                        _hint(N_("Shown after sending. Leave empty for a standard thank-you message.")),
                        field_error(errors, "thank_you_text"),
                        spacing="1",
                        width="100%",
                    ),
                    rx.hstack(
                        _native_select(
                            N_("Source of new leads"),
                            "source_id",
                            WebFormsState.sources,
                            WebFormsState.edit_source,
                            N_("No source"),
                            errors,
                        ),
                        _native_select(
                            N_("Responsible for new leads"),
                            "responsible_id",
                            WebFormsState.users,
                            WebFormsState.edit_responsible,
                            N_("Nobody (unassigned)"),
                            errors,
                        ),
                        width="100%",
                        spacing="3",
                    ),
                    rx.el.label(
                        rx.hstack(
                            rx.checkbox(
                                name="is_active",
                                id="web-form-active",
                                default_checked=WebFormsState.edit_active,
                            ),
                            rx.text(t("Active: the form accepts submissions"), size="2"),
                            align="center",
                        ),
                        html_for="web-form-active",
                    ),
                    rx.cond(WebFormsState.editing_id > 0, _share_section(), rx.fragment()),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(t("Save"), type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=WebFormsState.save,
            ),
            max_width="44rem",
        ),
        open=WebFormsState.dialog_open,
        on_open_change=WebFormsState.set_dialog_open,
    )
