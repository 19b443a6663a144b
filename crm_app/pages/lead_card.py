"""/leads/<id>: the lead card (fields edited in place, the status bar, links, timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import reflex as rx

from crm_app import routes
from crm_app.components.card_parts import about_card
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.lead_fields import lead_fields
from crm_app.components.stage_bar import stage_bar
from crm_app.components.timeline import timeline_panel
from crm_app.state.lead_card import LeadCardState, LinkView

if TYPE_CHECKING:
    from crm_app.state.finalise import FinaliseState


def _finalise_parts() -> tuple[rx.Component, type[FinaliseState] | None]:
    try:
        from crm_app.components.finalise_dialog import finalise_dialog
        from crm_app.state.finalise import FinaliseState
    except ImportError:  # built in parallel; the card works without it
        return rx.fragment(), None
    return finalise_dialog(), FinaliseState


def link_line(link: LinkView) -> rx.Component:
    return rx.hstack(
        rx.badge(link.kind, variant="soft"),
        rx.link(link.label, href=link.href),
        align="center",
    )


def _lead_fields(values, errors, state) -> rx.Component:
    # the card edits the status with its status bar
    return lead_fields(values, errors, state, with_status=False)


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
                    rx.text(LeadCardState.subtitle, color_scheme="gray", overflow_wrap="anywhere"),
                    stage_bar(
                        LeadCardState.stages,
                        LeadCardState.move_to,
                        label="Status",
                        disabled=LeadCardState.is_final | ~LeadCardState.can_edit,
                    ),
                    result_card(),
                    rx.grid(
                        about_card(LeadCardState, _lead_fields, testid="lead-fields"),
                        timeline_panel(),
                        # one column on a phone, side by side from 768 px
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        width="100%",
                    ),
                    dialog,
                    spacing="4",
                    width="100%",
                    data_loaded="lead-card",
                ),
                rx.spinner(),
            ),
        ),
        actions=rx.hstack(
            rx.link(
                rx.button(rx.icon("arrow_left", size=16), t("Leads"), variant="soft"),
                href=routes.back_to_list(routes.LEADS),
            ),
            finalise_button,
            spacing="2",
        ),
        max_width="90rem",
        translate_title=False,
    )
