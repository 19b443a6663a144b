"""The "Finalise" dialog of a lead: convert it into a contact, a company and/or a deal (new or
existing records), or close it as junk with a reason. State: crm_app.state.finalise.
"""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import ArrayVar, NumberVar, ObjectVar, StringVar

from crm_app.components.form_dialog import dialog_buttons
from crm_app.components.forms import FieldErrors, crm_form, field_error, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.record_picker import record_picker
from crm_app.components.select_field import field_label, select_field
from crm_app.services.i18n import N_
from crm_app.state.finalise import COMPANY_FIELDS, CONTACT_FIELDS, Choice, FinaliseState, RecordLink

FORM_ID = "finalise"
# inputs that must not submit the convert form when Enter is pressed in them
NO_FORM = "finalise-search-only"

# FinaliseState declares its vars as plain annotations (not rx.Field), which pyright reads as plain
# values on the class; Reflex gives Vars there. The Var types of those this dialog reads:
ERRORS = cast("FieldErrors", FinaliseState.errors)
CONTACT = cast("ObjectVar[dict[str, str]]", FinaliseState.contact)
COMPANY = cast("ObjectVar[dict[str, str]]", FinaliseState.company)
DEAL = cast("ObjectVar[dict[str, str]]", FinaliseState.deal)
CURRENCIES = cast("ArrayVar[list[Choice]]", FinaliseState.currencies)
PIPELINES = cast("ArrayVar[list[Choice]]", FinaliseState.pipelines)
JUNK_REASONS = cast("ArrayVar[list[Choice]]", FinaliseState.junk_reasons)
CONTACT_MODE = cast("StringVar", FinaliseState.contact_mode)
COMPANY_MODE = cast("StringVar", FinaliseState.company_mode)
CONTACT_LOOKALIKES = cast("NumberVar[int]", FinaliseState.contact_lookalikes)
COMPANY_LOOKALIKES = cast("NumberVar[int]", FinaliseState.company_lookalikes)


def _select(
    label: str, name: str, options: ArrayVar[list[Choice]], default: rx.Var | str, *, placeholder: str = ""
):
    return select_field(
        label,
        name,
        options=options,
        errors=ERRORS,
        default_value=default,
        placeholder=placeholder,
        form_id=FORM_ID,
    )


def _fields(prefix: str, fields: list[tuple[str, str]], values: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.grid(
        *[
            text_field(
                label,
                f"{prefix}_{key}",
                ERRORS,
                default_value=values[key],
                form_id=FORM_ID,
            )
            for key, label in fields
        ],
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="3",
        width="100%",
    )


def _mode_switch(kind: str, value: StringVar, on_change) -> rx.Component:
    new_label = N_("New contact") if kind == "contact" else N_("New company")
    existing_label = N_("Existing contact") if kind == "contact" else N_("Existing company")
    return rx.radio_group.root(
        rx.hstack(
            rx.text(
                rx.hstack(rx.radio_group.item(value="new"), t(new_label), spacing="2"), as_="label", size="2"
            ),
            rx.text(
                rx.hstack(rx.radio_group.item(value="existing"), t(existing_label), spacing="2"),
                as_="label",
                size="2",
            ),
            spacing="4",
        ),
        value=value,
        on_change=on_change,
        aria_label=t("New or existing"),
    )


def _existing(kind: str) -> rx.Component:
    is_contact = kind == "contact"
    return record_picker(
        N_("Find a contact") if is_contact else N_("Find a company"),
        hits=FinaliseState.contact_hits if is_contact else FinaliseState.company_hits,
        searched=FinaliseState.contact_searched if is_contact else FinaliseState.company_searched,
        picked_id=FinaliseState.picked_contact_id if is_contact else FinaliseState.picked_company_id,
        picked_label=FinaliseState.picked_contact if is_contact else FinaliseState.picked_company,
        on_search=FinaliseState.search_contacts if is_contact else FinaliseState.search_companies,
        on_pick=FinaliseState.pick_contact if is_contact else FinaliseState.pick_company,
        on_clear=FinaliseState.clear_contact if is_contact else FinaliseState.clear_company,
        errors=ERRORS,
        error_name=f"{kind}_id",
        # Enter here must not submit the convert form
        outside_form=NO_FORM,
        testid=f"picked-{kind}",
    )


def _lookalike_hint(count: NumberVar[int], kind: str, on_switch) -> rx.Component:
    text = (
        N_("Existing contacts look like this person: you may link one instead.")
        if kind == "contact"
        else N_("Existing companies look like this one: you may link one instead.")
    )
    return rx.cond(
        count > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("copy", size=14)),
            rx.callout.text(
                t(text),
                " ",
                rx.link(t("Show them"), on_click=on_switch("existing"), href="#", underline="always"),
            ),
            color_scheme="amber",
            size="1",
        ),
        rx.fragment(),
    )


def _record_section(kind: str) -> rx.Component:
    is_contact = kind == "contact"
    ticked = FinaliseState.do_contact if is_contact else FinaliseState.do_company
    mode = CONTACT_MODE if is_contact else COMPANY_MODE
    set_mode = FinaliseState.set_contact_mode if is_contact else FinaliseState.set_company_mode
    lookalikes = CONTACT_LOOKALIKES if is_contact else COMPANY_LOOKALIKES
    fields = CONTACT_FIELDS if is_contact else COMPANY_FIELDS
    values = CONTACT if is_contact else COMPANY
    return rx.el.fieldset(
        rx.el.legend(
            t(N_("Contact") if is_contact else N_("Company")),
            style={"fontWeight": 600, "padding": "0 0.4rem"},
        ),
        rx.vstack(
            _mode_switch(kind, mode, set_mode),
            # both parts stay mounted (hidden) so switching back keeps what was typed
            rx.vstack(
                rx.cond(mode == "new", _lookalike_hint(lookalikes, kind, set_mode), rx.fragment()),
                _fields(kind, fields, values),
                display=rx.cond(mode == "new", "flex", "none"),
                width="100%",
                spacing="2",
            ),
            rx.box(_existing(kind), display=rx.cond(mode == "existing", "block", "none"), width="100%"),
            spacing="3",
            width="100%",
        ),
        style={
            "border": "1px solid var(--gray-5)",
            "borderRadius": "0.5rem",
            "padding": "0.75rem",
            "width": "100%",
            # a fieldset is as wide as its content by default: it fits a phone's screen instead
            "minWidth": "0",
        },
        display=rx.cond(ticked, "block", "none"),
        data_testid=f"finalise-{kind}",
    )


def _deal_section() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(t("Deal"), style={"fontWeight": 600, "padding": "0 0.4rem"}),
        rx.grid(
            text_field(
                "Deal title",
                "deal_title",
                ERRORS,
                default_value=DEAL["title"],
                form_id=FORM_ID,
            ),
            text_field(
                "Amount",
                "deal_amount",
                ERRORS,
                default_value=DEAL["amount"],
                form_id=FORM_ID,
            ),
            _select(
                N_("Currency"),
                "deal_currency_code",
                CURRENCIES,
                DEAL["currency_code"],
            ),
            _select(N_("Pipeline"), "deal_pipeline_id", PIPELINES, DEAL["pipeline_id"]),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        rx.text(t("The deal starts in the first stage of the pipeline."), size="1", color_scheme="gray"),
        style={
            "border": "1px solid var(--gray-5)",
            "borderRadius": "0.5rem",
            "padding": "0.75rem",
            "width": "100%",
            # a fieldset is as wide as its content by default: it fits a phone's screen instead
            "minWidth": "0",
        },
        display=rx.cond(FinaliseState.do_deal, "block", "none"),
        data_testid="finalise-deal",
    )


def _convert_form() -> rx.Component:
    return crm_form(
        rx.vstack(
            form_error(ERRORS),
            rx.text(t("Create new records from the lead, or link it to existing ones:"), size="2"),
            rx.hstack(
                rx.checkbox(
                    t("Contact"), checked=FinaliseState.do_contact, on_change=FinaliseState.set_do_contact
                ),
                rx.checkbox(
                    t("Company"), checked=FinaliseState.do_company, on_change=FinaliseState.set_do_company
                ),
                rx.checkbox(t("Deal"), checked=FinaliseState.do_deal, on_change=FinaliseState.set_do_deal),
                spacing="5",
                role="group",
                aria_label=t("Convert into"),
            ),
            field_error(ERRORS, "deal"),
            _record_section("contact"),
            _record_section("company"),
            _deal_section(),
            dialog_buttons(N_("Convert")),
            spacing="3",
            width="100%",
        ),
        id=f"{FORM_ID}-convert",
        on_submit=FinaliseState.convert,
        width="100%",
    )


def _junk_form() -> rx.Component:
    return crm_form(
        rx.vstack(
            form_error(ERRORS),
            rx.text(
                t("The lead stays in the CRM, marked as junk, with the reason and your comment."), size="2"
            ),
            _select(N_("Reason"), "reason_id", JUNK_REASONS, "", placeholder=N_("Choose…")),
            rx.vstack(
                field_label(N_("Comment"), f"{FORM_ID}-comment"),
                rx.text_area(
                    id=f"{FORM_ID}-comment", name="comment", rows="3", width="100%", max_length=2000
                ),
                field_error(ERRORS, "comment"),
                spacing="1",
                width="100%",
            ),
            dialog_buttons(N_("Close as junk"), color_scheme="red"),
            spacing="3",
            width="100%",
        ),
        id=f"{FORM_ID}-junk",
        on_submit=FinaliseState.close_junk,
        width="100%",
    )


def _final_link(link: RecordLink) -> rx.Component:
    return rx.hstack(rx.badge(link.kind, variant="soft"), rx.link(link.label, href=link.href), align="center")


def _final_view() -> rx.Component:
    return rx.vstack(
        rx.callout.root(
            rx.callout.icon(rx.icon("info")),
            rx.callout.text(
                rx.vstack(
                    rx.text(FinaliseState.final_text, weight="bold"),
                    rx.foreach(FinaliseState.final_links, _final_link),
                    rx.text(t("A finalised lead cannot be converted or closed again."), size="2"),
                    spacing="1",
                )
            ),
            role="status",
            width="100%",
        ),
        rx.hstack(
            rx.dialog.close(rx.button(t("Close"), variant="soft", type="button")), justify="end", width="100%"
        ),
        spacing="3",
        width="100%",
    )


def finalise_dialog() -> rx.Component:
    """The dialog; open it with FinaliseState.open_for(lead_id)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Finalise lead")),
            rx.dialog.description(
                FinaliseState.lead_name, size="2", color_scheme="gray", margin_bottom="0.75rem"
            ),
            rx.cond(
                FinaliseState.is_final,
                _final_view(),
                rx.tabs.root(
                    rx.tabs.list(
                        rx.tabs.trigger(t("Convert"), value="convert"),
                        rx.tabs.trigger(t("Close as junk"), value="junk"),
                    ),
                    rx.tabs.content(rx.box(_convert_form(), padding_top="0.75rem"), value="convert"),
                    rx.tabs.content(rx.box(_junk_form(), padding_top="0.75rem"), value="junk"),
                    value=FinaliseState.tab,
                    on_change=FinaliseState.set_tab,
                ),
            ),
            max_width="46rem",
            overflow_wrap="anywhere",  # a long name without spaces breaks, not past the edge
            data_testid="finalise-dialog",
        ),
        open=FinaliseState.dialog_open,
        on_open_change=FinaliseState.set_dialog_open,
    )
