"""`select_field`: a native select with its visible label and the server's message under it.

A native <select> (not Radix's) so that it submits with its form and Playwright finds it with
`get_by_label(...)` and `select_option(...)`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from crm_app.components.forms import field_error
from crm_app.components.i18n import t

LABEL_STYLE = {"fontSize": "0.875rem", "fontWeight": 500}
SELECT_STYLE = {
    "height": "2rem",
    "padding": "0 0.5rem",
    "fontSize": "var(--font-size-2)",
    "borderRadius": "var(--radius-2)",
    "border": "1px solid var(--gray-7)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "maxWidth": "100%",
}


def field_label(text: str, html_for: str) -> rx.Component:
    """A visible label (msgid) tied to its control by id."""
    return rx.el.label(t(text), html_for=html_for, style=LABEL_STYLE)


def select_field(
    label: str,
    name: str,
    *,
    options: Any = None,
    items: list[tuple[str, str]] | None = None,
    errors: Any = None,
    default_value: Any = None,
    value: Any = None,
    on_change: Any = None,
    placeholder: str = "",
    form_id: str = "",
    width: str = "100%",
    disabled: Any = False,
    pairs: bool = False,
    field_id: str = "",
) -> rx.Component:
    """`options`: a list var of objects with .value/.label (or of [value, label] lists: `pairs`);
    `items`: fixed (value, msgid) choices, translated. `placeholder` (msgid) adds a first empty
    choice. The error shown is `errors[name]`. The control's id is `field_id`, else
    "<form_id>-<name>", else the name.
    """
    field_id = field_id or (f"{form_id}-{name}" if form_id else name)
    children: list[rx.Component] = [rx.el.option(t(placeholder), value="")] if placeholder else []
    if items:
        children += [rx.el.option(t(text), value=v) for v, text in items]
    if options is not None:
        if pairs:
            children.append(rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])))
        else:
            children.append(rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)))
    props: dict = {"id": field_id, "name": name, "style": {**SELECT_STYLE, "width": width}}
    if value is not None:
        props["value"] = value
    elif default_value is not None:
        props["default_value"] = default_value
    if on_change is not None:
        props["on_change"] = on_change
    if disabled is not False:
        props["disabled"] = disabled
    return rx.vstack(
        field_label(label, field_id),
        rx.el.select(*children, **props),
        field_error(errors, name) if errors is not None else rx.fragment(),
        spacing="1",
        width="100%" if width == "100%" else "auto",
    )
