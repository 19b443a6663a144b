"""/contacts/<id> and /companies/<id>: the card of a contact or a company (the lead card's layout
without a stage bar): About (fields edited in place), the linked companies or contacts, deals,
the lead it came from, and the timeline."""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app import routes
from crm_app.components.card_parts import about_card, confirm_delete
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.party_fields import company_fields, contact_fields
from crm_app.components.record_picker import record_picker
from crm_app.components.timeline import timeline_panel
from crm_app.services.i18n import N_
from crm_app.state.party_card import CompanyCardState, ContactCardState, DealView, RelatedView


def related_line(state: Any, r: RelatedView, *, contact_card: bool) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(
                rx.link(r.name, href=r.href, weight="medium", overflow_wrap="anywhere"),
                rx.cond(
                    r.primary & contact_card, rx.badge(t("Primary"), color_scheme="green"), rx.fragment()
                ),
                align="center",
                spacing="2",
                flex_wrap="wrap",
            ),
            rx.text(r.detail, size="1", color_scheme="gray", overflow_wrap="anywhere"),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(
            state.can_edit,
            rx.hstack(
                rx.cond(
                    r.primary,
                    rx.fragment(),
                    rx.button(
                        t("Make primary"),
                        size="1",
                        variant="ghost",
                        type="button",
                        on_click=state.set_primary(r.id),
                    ),
                )
                if contact_card
                else rx.fragment(),
                rx.icon_button(
                    rx.icon("unlink", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    type="button",
                    aria_label=t("Remove the link"),
                    title=t("Remove the link"),
                    on_click=state.remove_link(r.id),
                ),
                spacing="2",
                align="center",
            ),
            rx.fragment(),
        ),
        align="center",
        width="100%",
        padding_y="0.35rem",
        border_bottom=f"1px solid {rx.color('gray', 3)}",
        data_testid="related-row",
    )


def related_card(state: Any, *, contact_card: bool) -> rx.Component:
    title = N_("Companies") if contact_card else N_("Contacts")
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(t(title), size="4", as_="h2"),
                rx.spacer(),
                rx.fragment()
                if contact_card
                else rx.cond(
                    state.can_edit,
                    rx.link(
                        rx.button(rx.icon("plus", size=14), t("Add contact"), size="1", variant="soft"),
                        href=f"{routes.CONTACT_NEW}?company={state.record_id}",
                    ),
                    rx.fragment(),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                state.related.length() > 0,
                rx.vstack(
                    rx.foreach(state.related, lambda r: related_line(state, r, contact_card=contact_card)),
                    spacing="0",
                    width="100%",
                ),
                rx.text(
                    t("No company yet.") if contact_card else t("No contact yet."),
                    size="2",
                    color_scheme="gray",
                ),
            ),
            rx.cond(
                state.can_edit,
                rx.vstack(
                    record_picker(
                        N_("Link a company") if contact_card else N_("Link a contact"),
                        hits=state.link_hits,
                        searched=state.link_searched,
                        picked_id=state.link_picked_id,
                        picked_label=state.link_picked_label,
                        on_search=state.search_link,
                        on_pick=state.pick_link,
                        on_clear=state.clear_link,
                        testid="link-picked",
                    ),
                    rx.cond(
                        state.link_picked_id > 0,
                        rx.button(rx.icon("link", size=14), t("Link"), size="2", on_click=state.add_link),
                        rx.fragment(),
                    ),
                    width="100%",
                    spacing="2",
                ),
                rx.fragment(),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        data_testid="related",
    )


def deal_line(d: DealView) -> rx.Component:
    return rx.hstack(
        rx.link(d.title, href=d.href, weight="medium", overflow_wrap="anywhere", min_width="0"),
        rx.spacer(),
        rx.hstack(
            rx.box(width="0.6rem", height="0.6rem", border_radius="50%", background=d.color, flex_shrink="0"),
            rx.text(d.stage, size="2"),
            align="center",
            spacing="1",
        ),
        rx.text(d.amount, size="2", white_space="nowrap"),
        align="center",
        width="100%",
        spacing="3",
        flex_wrap="wrap",
        padding_y="0.35rem",
        border_bottom=f"1px solid {rx.color('gray', 3)}",
    )


def deals_and_lead_card(state: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Deals"), size="4", as_="h2"),
            rx.cond(
                state.deals.length() > 0,
                rx.vstack(rx.foreach(state.deals, deal_line), spacing="0", width="100%"),
                rx.text(t("No deal yet."), size="2", color_scheme="gray"),
            ),
            rx.cond(
                state.lead_href != "",
                rx.hstack(
                    rx.badge(t("Lead"), variant="soft"),
                    rx.text(t("Came from"), size="2", color_scheme="gray"),
                    rx.link(state.lead_name, href=state.lead_href),
                    align="center",
                    spacing="2",
                    flex_wrap="wrap",
                    data_testid="origin-lead",
                ),
                rx.fragment(),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        data_testid="deals",
    )


def _delete_button(state: Any) -> rx.Component:
    return rx.cond(
        state.can_delete,
        confirm_delete(
            rx.button(rx.icon("trash_2", size=16), t("Delete"), color_scheme="red", variant="soft"),
            title=N_("Delete this record?"),
            description=N_("It goes to the recycle bin and can be restored."),
            on_confirm=state.delete_record,
            open_=state.delete_open,
            on_open_change=state.set_delete_open,
        ),
        rx.fragment(),
    )


def _card_page(
    state: Any, *, contact_card: bool, back_label: str, back_route: str, loaded: str
) -> rx.Component:
    return app_shell(
        state.heading,
        rx.cond(
            state.not_found,
            rx.callout(state.heading, icon="triangle_alert", color_scheme="red"),
            rx.cond(
                state.loaded,
                rx.vstack(
                    rx.text(state.subtitle, color_scheme="gray", overflow_wrap="anywhere"),
                    rx.grid(
                        rx.vstack(
                            about_card(
                                state,
                                contact_fields if contact_card else company_fields,
                                testid="party-fields",
                            ),
                            related_card(state, contact_card=contact_card),
                            deals_and_lead_card(state),
                            spacing="4",
                            width="100%",
                            min_width="0",
                        ),
                        timeline_panel(),
                        # one column on a phone, side by side from 768 px
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                    data_loaded=loaded,
                ),
                rx.spinner(),
            ),
        ),
        actions=rx.hstack(
            rx.link(
                rx.button(rx.icon("arrow_left", size=16), t(back_label), variant="soft"),
                href=routes.back_to_list(back_route),
            ),
            _delete_button(state),
            spacing="2",
        ),
        max_width="90rem",
        translate_title=False,
    )


def contact_card_page() -> rx.Component:
    return _card_page(
        ContactCardState,
        contact_card=True,
        back_label=N_("Contacts"),
        back_route=routes.CONTACTS,
        loaded="contact-card",
    )


def company_card_page() -> rx.Component:
    return _card_page(
        CompanyCardState,
        contact_card=False,
        back_label=N_("Companies"),
        back_route=routes.COMPANIES,
        loaded="company-card",
    )
