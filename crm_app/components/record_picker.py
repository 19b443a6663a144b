"""`record_picker`: find an existing contact, company, deal or lead as you type, and pick one.

The state does the search on the server (debounced) and keeps the hits (objects with `id`, `name`,
`detail`), whether a search ran, and the picked record's id and name.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app.components.forms import field_error
from crm_app.components.i18n import t
from crm_app.services.i18n import N_

LABEL_STYLE = {"fontSize": "0.875rem", "fontWeight": 500}
SEARCH_HINT = N_("Name, e-mail or phone")


def hit_row(hit: Any, picked_id: Any, on_pick: Any) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(hit.name, size="2", weight="medium"),
                rx.text(hit.detail, size="1", color_scheme="gray"),
                spacing="0",
                min_width="0",
            ),
            rx.spacer(),
            rx.cond(
                picked_id == hit.id,
                rx.badge(rx.icon("check", size=12), t("Selected"), color_scheme="green"),
                rx.button(t("Select"), size="1", variant="soft", type="button", on_click=on_pick(hit.id)),
            ),
            align="center",
            width="100%",
        ),
        style={"listStyle": "none", "padding": "0.35rem 0", "borderBottom": "1px solid var(--gray-4)"},
    )


def record_picker(
    label: str,
    *,
    hits: Any,
    searched: Any,
    picked_id: Any,
    picked_label: Any,
    on_search: Any,
    on_pick: Any,
    on_clear: Any,
    errors: Any = None,
    error_name: str = "",
    placeholder: str = SEARCH_HINT,
    outside_form: str = "",
    testid: str = "",
    picked_text: str = N_("Link to:"),
) -> rx.Component:
    """`label`/`placeholder`: msgids. `on_search(text)` runs 300 ms after the last key;
    `on_pick(id)` and `on_clear` set the choice. `outside_form`: the id of a form that does not
    exist, so that Enter in the box does not submit the form the picker sits in.
    """
    attrs = {"autoComplete": "off"}
    if outside_form:
        attrs["form"] = outside_form
    return rx.vstack(
        # the label wraps the box (no id: Reflex would submit an id-only control with the form)
        rx.el.label(
            rx.text(t(label), style=LABEL_STYLE),
            rx.input(
                placeholder=t(placeholder),
                on_change=on_search.debounce(300),
                width="100%",
                custom_attrs=attrs,
            ),
            style={"display": "flex", "flexDirection": "column", "gap": "0.25rem", "width": "100%"},
        ),
        rx.cond(
            picked_id > 0,
            rx.hstack(
                rx.icon("link", size=14),
                rx.text(t(picked_text), size="2"),
                rx.text(picked_label, size="2", weight="bold"),
                rx.button(t("Clear"), size="1", variant="ghost", type="button", on_click=on_clear),
                align="center",
                data_testid=testid,
            ),
            rx.fragment(),
        ),
        rx.cond(
            hits.length() > 0,
            rx.el.ul(
                rx.foreach(hits, lambda h: hit_row(h, picked_id, on_pick)),
                style={"margin": 0, "padding": 0, "width": "100%"},
                aria_label=t("Search results"),
            ),
            rx.cond(searched, rx.text(t("Nothing found."), size="2", color_scheme="gray"), rx.fragment()),
        ),
        field_error(errors, error_name) if errors is not None and error_name else rx.fragment(),
        spacing="2",
        width="100%",
    )
