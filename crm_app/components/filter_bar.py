"""`filter_bar`: the search box and the filters above a list, wrapping onto several lines when narrow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import reflex as rx

from crm_app.components.forms import crm_form
from crm_app.components.i18n import t

ALL = "all"


def search_form(
    *,
    name: str,
    value: Any,
    label: str,
    placeholder: str,
    on_submit: Any,
    max_length: int = 200,
    too_short: Any = None,
) -> rx.Component:
    """A search box and its Search button; the server reads the form's `name` field on submit.

    `too_short` (a bool var): the server found nothing to search in the text (services/search_index),
    said under the box."""
    hint = (
        rx.cond(
            too_short,
            rx.text(
                t("Type at least two letters or digits."),
                size="1",
                color_scheme="amber",
                role="status",
                data_testid="search-too-short",
            ),
        )
        if too_short is not None
        else rx.fragment()
    )
    return crm_form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name=name,
                default_value=value,
                key=value,  # a new value from the server (the URL, Back, Reset) shows in the box
                placeholder=t(placeholder),
                aria_label=t(label),
                width="20rem",
                max_width="100%",
                max_length=max_length,
            ),
            rx.button(t("Search"), type="submit", variant="soft"),
            width="100%",
        ),
        hint,
        on_submit=on_submit,
        max_width="100%",
    )


def filter_select(
    label: str,
    value: Any,
    options: Any,
    on_change: Callable[[Any], Any],
    *,
    all_label: str = "",
    items: list[tuple[str, str]] | None = None,
    min_width: str = "9rem",
    size: Literal["1", "2", "3"] = "2",
) -> rx.Component:
    """A select named `label` (its accessible name) over `options` (a list var of .value/.label).

    `all_label` adds a first "every value" item (value "all"); `items` gives fixed (value, msgid)
    choices instead of `options`.
    """
    children: list[rx.Component] = []
    if all_label:
        children.append(rx.select.item(t(all_label), value=ALL))
    if items is not None:
        children += [rx.select.item(t(text), value=v) for v, text in items]
    else:
        children.append(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value)))
    return rx.select.root(
        rx.select.trigger(aria_label=t(label), min_width=min_width),
        rx.select.content(*children),
        value=value,
        on_change=on_change,
        size=size,
    )


def date_filter(label: str, value: Any, on_change: Any) -> rx.Component:
    return rx.input(
        type="date",
        value=value,
        on_change=on_change,
        aria_label=t(label),
        title=t(label),
        size="2",
        width="9.5rem",
    )


def switch_filter(label: str, field_id: str, checked: Any, on_change: Any) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.switch(checked=checked, on_change=on_change, id=field_id),
            rx.text(t(label), size="2"),
            align="center",
        ),
        html_for=field_id,
    )


def filter_bar(*filters: rx.Component, search: rx.Component | None = None, end: rx.Component | None = None):
    """The search line (search box left, `end` right) and a wrapping line of filters under it."""
    lines = []
    if search is not None or end is not None:
        lines.append(
            rx.hstack(
                search or rx.fragment(),
                rx.spacer(),
                end or rx.fragment(),
                width="100%",
                align="center",
                wrap="wrap",
                spacing="3",
            )
        )
    if filters:
        lines.append(rx.hstack(*filters, wrap="wrap", align="center", spacing="2", width="100%"))
    return rx.vstack(*lines, width="100%", spacing="3", role="search")
