"""/leads/<id>: the lead card (fields edited in place, the status bar, links, timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import reflex as rx
from reflex.vars import ObjectVar

from crm_app import routes
from crm_app.components.forms import FieldErrors, crm_form, form_error
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.lead_fields import lead_fields
from crm_app.components.stage_bar import stage_bar
from crm_app.components.timeline import timeline_panel
from crm_app.state.lead_card import FieldView, LeadCardState, LinkView

if TYPE_CHECKING:
    from crm_app.state.finalise import FinaliseState

# LeadCardState declares `values` and `errors` as plain dicts (not rx.Field): Vars on class access
VALUES = cast("ObjectVar[dict[str, str]]", LeadCardState.values)
ERRORS = cast("FieldErrors", LeadCardState.errors)


def _finalise_parts() -> tuple[rx.Component, type[FinaliseState] | None]:
    try:
        from crm_app.components.finalise_dialog import finalise_dialog
        from crm_app.state.finalise import FinaliseState
    except ImportError:  # built in parallel; the card works without it
        return rx.fragment(), None
    return finalise_dialog(), FinaliseState


def field_line(f: FieldView) -> rx.Component:
    return rx.hstack(
        rx.text(f.label, size="2", color_scheme="gray", min_width="9rem", flex_shrink="0"),
        rx.text(f.value, size="2", white_space="pre-wrap", word_break="break-word", min_width="0"),
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
                        form_error(ERRORS),
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
                        lead_fields(VALUES, ERRORS, LeadCardState, with_status=False),
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
        min_width="0",
        data_testid="lead-fields",
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
                    rx.text(LeadCardState.subtitle, color_scheme="gray", overflow_wrap="anywhere"),
                    stage_bar(
                        LeadCardState.stages,
                        LeadCardState.move_to,
                        label="Status",
                        disabled=LeadCardState.is_final | ~LeadCardState.can_edit,
                    ),
                    result_card(),
                    rx.grid(
                        about_card(),
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
