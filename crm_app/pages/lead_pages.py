"""/leads/new (the lead form) and /leads/<id> (the lead card)."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, form_error
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.lead_fields import lead_fields
from crm_app.components.timeline import timeline_panel
from crm_app.services.i18n import N_
from crm_app.state.lead_card import FieldView, LeadCardState, LinkView, StageView
from crm_app.state.lead_form import LeadFormState, MatchView

REASONS = {"email": N_("same e-mail"), "phone": N_("same phone"), "company": N_("similar company name")}
KINDS = {"lead": N_("Lead"), "contact": N_("Contact"), "company": N_("Company")}


def _finalise_parts() -> tuple[rx.Component, object | None]:
    try:
        from crm_app.components.finalise_dialog import finalise_dialog
        from crm_app.state.finalise import FinaliseState
    except ImportError:  # built in parallel; the card works without it
        return rx.fragment(), None
    return finalise_dialog(), FinaliseState


# --- /leads/new ------------------------------------------------------------------------------


def match_row(m: MatchView) -> rx.Component:
    return rx.hstack(
        rx.badge(rx.match(m.kind, *[(k, t(v)) for k, v in KINDS.items()], m.kind), variant="soft"),
        rx.link(m.title, href=m.href, target="_blank"),
        rx.text(
            "(",
            rx.match(m.reason, *[(k, t(v)) for k, v in REASONS.items()], m.reason),
            ": ",
            m.value,
            ")",
            size="2",
            color_scheme="gray",
        ),
        align="center",
        spacing="2",
    )


def duplicates_panel() -> rx.Component:
    return rx.cond(
        LeadFormState.matches.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("copy")),
            rx.callout.text(
                rx.vstack(
                    rx.text(t("Possible duplicates. Open one of them, or save anyway."), weight="bold"),
                    rx.foreach(LeadFormState.matches, match_row),
                    spacing="1",
                )
            ),
            color_scheme="amber",
            role="alert",
            data_testid="duplicates-panel",
        ),
        rx.fragment(),
    )


def lead_new_page() -> rx.Component:
    return app_shell(
        "New lead",
        rx.cond(
            LeadFormState.ready,
            rx.card(
                crm_form(
                    rx.vstack(
                        form_error(LeadFormState.errors),
                        lead_fields(LeadFormState.values, LeadFormState.errors, LeadFormState),
                        duplicates_panel(),
                        rx.hstack(
                            rx.link(
                                rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button"),
                                href="/leads",
                            ),
                            rx.button(
                                rx.cond(LeadFormState.matches.length() > 0, t("Save anyway"), t("Save")),
                                type="submit",
                            ),
                            justify="end",
                            width="100%",
                            spacing="3",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=LeadFormState.submit,
                ),
                width="100%",
            ),
            rx.spinner(),
        ),
    )


# --- /leads/<id> -----------------------------------------------------------------------------


def stage_button(stage: StageView) -> rx.Component:
    return rx.button(
        stage.name,
        on_click=LeadCardState.move_to(stage.id),
        disabled=LeadCardState.is_final | ~LeadCardState.can_edit,
        size="1",
        variant=rx.cond(stage.reached, "solid", "soft"),
        style={
            "background": rx.cond(stage.reached, stage.color, rx.color("gray", 3)),
            "color": rx.cond(stage.reached, "white", rx.color("gray", 11)),
            "flex": "1",
            "borderRadius": "0.25rem",
            "fontWeight": rx.cond(stage.current, "700", "500"),
        },
        aria_pressed=rx.cond(stage.current, "true", "false"),
        title=stage.name,
    )


def status_bar() -> rx.Component:
    return rx.hstack(
        rx.foreach(LeadCardState.stages, stage_button),
        spacing="1",
        width="100%",
        role="group",
        aria_label=t("Status"),
    )


def field_line(f: FieldView) -> rx.Component:
    return rx.hstack(
        rx.text(f.label, size="2", color_scheme="gray", min_width="9rem"),
        rx.text(f.value, size="2", white_space="pre-wrap", word_break="break-word"),
        align="start",
        width="100%",
        padding_y="0.3rem",
        border_bottom=f"1px solid {rx.color('gray', 3)}",
    )


def link_line(link: LinkView) -> rx.Component:
    return rx.hstack(
        rx.badge(link.kind, variant="soft"),
        rx.link(link.label, href=link.href),
        align="center",
    )


def about_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(t("About"), size="4", as_="h2"),
                rx.spacer(),
                rx.cond(
                    LeadCardState.editing | ~LeadCardState.can_edit,
                    rx.fragment(),
                    rx.button(
                        rx.icon("pencil", size=14),
                        t("Edit"),
                        size="1",
                        variant="soft",
                        on_click=LeadCardState.start_edit,
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                LeadCardState.editing,
                crm_form(
                    rx.vstack(
                        form_error(LeadCardState.errors),
                        rx.cond(
                            LeadCardState.stale,
                            rx.button(
                                t("Reload the latest version"),
                                size="1",
                                variant="soft",
                                on_click=LeadCardState.reload_after_stale,
                                type="button",
                            ),
                            rx.fragment(),
                        ),
                        lead_fields(
                            LeadCardState.values, LeadCardState.errors, LeadCardState, with_status=False
                        ),
                        rx.hstack(
                            rx.button(
                                t("Cancel"),
                                variant="soft",
                                color_scheme="gray",
                                type="button",
                                on_click=LeadCardState.cancel_edit,
                            ),
                            rx.button(t("Save"), type="submit"),
                            justify="end",
                            width="100%",
                            spacing="3",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=LeadCardState.save,
                    width="100%",
                ),
                rx.vstack(rx.foreach(LeadCardState.fields, field_line), spacing="0", width="100%"),
            ),
            rx.text(LeadCardState.created_text, size="1", color_scheme="gray"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def result_card() -> rx.Component:
    return rx.cond(
        LeadCardState.is_final,
        rx.callout.root(
            rx.callout.icon(rx.icon(rx.cond(LeadCardState.result == "junk", "ban", "circle_check"))),
            rx.callout.text(
                rx.vstack(
                    rx.text(LeadCardState.result_text, weight="bold"),
                    rx.foreach(LeadCardState.links, link_line),
                    spacing="1",
                )
            ),
            color_scheme=rx.cond(LeadCardState.result == "junk", "red", "green"),
            width="100%",
            data_testid="lead-result",
        ),
        rx.fragment(),
    )


def lead_card_page() -> rx.Component:
    dialog, finalise_state = _finalise_parts()
    finalise_button = (
        rx.cond(
            LeadCardState.is_final | ~LeadCardState.can_edit,
            rx.fragment(),
            rx.button(
                rx.icon("flag", size=16),
                t("Finalise"),
                on_click=finalise_state.open_for(LeadCardState.lead_id),
            ),
        )
        if finalise_state is not None
        else rx.fragment()
    )
    return app_shell(
        LeadCardState.heading,
        rx.cond(
            LeadCardState.not_found,
            rx.callout(
                t("This lead does not exist or was deleted."), icon="triangle_alert", color_scheme="red"
            ),
            rx.cond(
                LeadCardState.loaded,
                rx.vstack(
                    rx.text(LeadCardState.subtitle, color_scheme="gray"),
                    status_bar(),
                    result_card(),
                    rx.grid(about_card(), timeline_panel(), columns="2", spacing="4", width="100%"),
                    dialog,
                    spacing="4",
                    width="100%",
                    data_loaded="lead-card",
                ),
                rx.spinner(),
            ),
        ),
        actions=rx.hstack(
            rx.link(rx.button(rx.icon("arrow_left", size=16), t("Leads"), variant="soft"), href="/leads"),
            finalise_button,
            spacing="2",
        ),
        max_width="90rem",
        translate_title=False,
    )
