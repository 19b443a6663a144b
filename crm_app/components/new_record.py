"""The "new record" page every entity's form uses (lead, contact, company): the fields, the
possible duplicates found before saving, Save / Save anyway and Cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from crm_app import routes
from crm_app.components.forms import crm_form, form_error
from crm_app.components.i18n import colon, t
from crm_app.components.layout import app_shell
from crm_app.services.i18n import N_

REASONS = {"email": N_("same e-mail"), "phone": N_("same phone"), "company": N_("similar company name")}
KINDS = {"lead": N_("Lead"), "contact": N_("Contact"), "company": N_("Company")}


def match_row(m: Any) -> rx.Component:
    return rx.hstack(
        rx.badge(rx.match(m.kind, *[(k, t(v)) for k, v in KINDS.items()], m.kind), variant="soft"),
        rx.link(m.title, href=m.href, target="_blank"),
        rx.text(
            "(",
            rx.match(m.reason, *[(k, t(v)) for k, v in REASONS.items()], m.reason),
            colon(),
            m.value,
            ")",
            size="2",
            color_scheme="gray",
        ),
        align="center",
        spacing="2",
    )


def duplicates_panel(state: Any) -> rx.Component:
    """The possible duplicates a form's state found (`state.matches`), before "Save anyway"."""
    return rx.cond(
        state.matches.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("copy")),
            rx.callout.text(
                rx.vstack(
                    rx.text(t("Possible duplicates. Open one of them, or save anyway."), weight="bold"),
                    rx.foreach(state.matches, match_row),
                    spacing="1",
                )
            ),
            color_scheme="amber",
            role="alert",
            data_testid="duplicates-panel",
        ),
        rx.fragment(),
    )


def new_record_page(
    title: str, state: Any, fields: Callable[..., rx.Component], back_route: str, *extra: rx.Component
) -> rx.Component:
    """The page of a "new record" form: `fields(values, errors, state)`, the possible duplicates
    the state found (`state.matches`: Save becomes "Save anyway"), Cancel back to the list.
    `state` has ready, values, errors, matches and submit."""
    return app_shell(
        title,
        rx.cond(
            state.ready,
            rx.card(
                crm_form(
                    rx.vstack(
                        form_error(state.errors),
                        *extra,
                        fields(state.values, state.errors, state),
                        duplicates_panel(state),
                        rx.hstack(
                            rx.link(
                                rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button"),
                                href=routes.back_to_list(back_route),
                            ),
                            rx.button(
                                rx.cond(state.matches.length() > 0, t("Save anyway"), t("Save")),
                                type="submit",
                            ),
                            justify="end",
                            width="100%",
                            spacing="3",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=state.submit,
                ),
                width="100%",
            ),
            rx.spinner(),
        ),
    )
