"""`stage_bar`: the row of statuses (or deal stages) on a card; a click moves the record there.

Each stage is an object with `id`, `name`, `color`, `reached` (this stage or an earlier one is the
current one) and `current`. The group is named (`label`, e.g. "Status") for screen readers and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from crm_app.components.i18n import t


def stage_button(stage: Any, on_pick: Callable[[Any], Any], disabled: rx.Var | bool) -> rx.Component:
    return rx.button(
        stage.name,
        on_click=on_pick(stage.id),
        disabled=disabled,
        size="1",
        variant=rx.cond(stage.reached, "solid", "soft"),
        style={
            "background": rx.cond(stage.reached, stage.color, rx.color("gray", 3)),
            "color": rx.cond(stage.reached, "white", rx.color("gray", 11)),
            "flex": "1 1 6rem",
            "minWidth": "0",
            "overflow": "hidden",
            "textOverflow": "ellipsis",
            "whiteSpace": "nowrap",
            "borderRadius": "0.25rem",
            "fontWeight": rx.cond(stage.current, "700", "500"),
        },
        aria_pressed=rx.cond(stage.current, "true", "false"),
        title=stage.name,
    )


def stage_bar(
    stages: Any,
    on_pick: Callable[[Any], Any],
    *,
    label: str = "Status",
    disabled: Any = False,
) -> rx.Component:
    """`on_pick(stage_id)` returns the event to send, e.g. `LeadCardState.move_to`."""
    return rx.hstack(
        rx.foreach(stages, lambda stage: stage_button(stage, on_pick, disabled)),
        spacing="1",
        width="100%",
        wrap="wrap",
        role="group",
        aria_label=t(label),
    )
