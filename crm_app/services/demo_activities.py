"""The demo data's activities (services/demo_data): done, overdue, due today and planned.

Each one is coherent in time with the record it is on: created at or after the record, done in
the past, overdue since after the record was created, due today or planned in the future; and a
record never gets the same open activity twice (two identical planned e-mails on one lead).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from crm_app.models import ActivityType, EntityType
from crm_app.models.enums import Direction

DEMO_LOCATIONS = ["Their office", "Our office, room 2", "Video call", "Trade show booth"]
# how many of each, in this order: the type and the kind of record go round for each slot
SLOTS = (("done", 24), ("overdue", 8), ("today", 6), ("planned", 16))
DONE_WITHIN = timedelta(days=60)
OVERDUE_WITHIN = (timedelta(days=1), timedelta(days=7))  # due that long ago, still open
PLANNED_WITHIN = (timedelta(days=1), timedelta(days=21))
CREATED_BEFORE = timedelta(days=5)  # an activity is entered up to that long before it is due
_DONE_BY = timedelta(minutes=10)  # a done activity is done that long before now, at the latest


@dataclass(frozen=True)
class Target:
    """A record activities can be on."""

    entity_type: EntityType
    entity_id: int
    owner_id: int | None
    name: str
    created_at: datetime
    phone: str = ""  # the person's, for a call on a lead
    email: str = ""  # the person's, for an e-mail to a lead


@dataclass(frozen=True)
class DemoActivity:
    target: Target
    type: ActivityType
    state: str  # "done", "overdue", "today" or "planned"
    deadline: datetime
    created_at: datetime
    subject: str
    details: dict[str, Any] = field(default_factory=dict)
    direction: Direction | None = None

    @property
    def completed(self) -> bool:
        return self.state == "done"


def plan(
    rng: random.Random, now: datetime, targets: Mapping[EntityType, Sequence[Target]]
) -> list[DemoActivity]:
    """The demo's activities over `targets` (every type on every kind of record that has one)."""
    types = list(ActivityType)
    kinds = [kind for kind, records in targets.items() if records]
    open_on: set[tuple[EntityType, int, ActivityType]] = set()
    out: list[DemoActivity] = []
    slot = 0
    for state, count in SLOTS:
        for _ in range(count):
            atype = types[slot % len(types)]
            kind = kinds[(slot // len(types)) % len(kinds)]
            slot += 1
            fitting = [
                t
                for t in targets[kind]
                if _window(state, now, t.created_at) is not None
                and (state == "done" or (kind, t.entity_id, atype) not in open_on)
            ]
            if not fitting:
                continue
            target = rng.choice(fitting)
            out.append(_activity(rng, now, state, atype, target))
            if state != "done":
                open_on.add((kind, target.entity_id, atype))
    return out


def _window(state: str, now: datetime, since: datetime) -> tuple[datetime, datetime] | None:
    """When an activity in `state` on a record created at `since` may be due (None: it cannot)."""
    if state == "done":
        low, high = max(since, now - DONE_WITHIN), now - _DONE_BY
    elif state == "overdue":
        low, high = max(since, now - OVERDUE_WITHIN[1]), now - OVERDUE_WITHIN[0]
    elif state == "today":  # later today: from half an hour to six hours from now
        end_of_day = datetime.combine(now.date(), time.max, tzinfo=now.tzinfo)
        low, high = min(end_of_day, now + timedelta(minutes=30)), min(end_of_day, now + timedelta(hours=6))
    else:
        low, high = now + PLANNED_WITHIN[0], now + PLANNED_WITHIN[1]
    return (low, high) if low <= high else None


def _activity(
    rng: random.Random, now: datetime, state: str, atype: ActivityType, target: Target
) -> DemoActivity:
    window = _window(state, now, target.created_at)
    assert window is not None
    deadline = window[0] + (window[1] - window[0]) * rng.random()
    # entered before it is due (and before now), never before the record itself
    entered_by = min(deadline, now)
    entered_from = max(target.created_at, entered_by - CREATED_BEFORE)
    created = entered_from + (entered_by - entered_from) * rng.random()
    subject, details, direction = _text(rng, atype, target)
    return DemoActivity(target, atype, state, deadline, created, subject[:255], details, direction)


def _text(
    rng: random.Random, atype: ActivityType, target: Target
) -> tuple[str, dict[str, Any], Direction | None]:
    name = target.name
    if atype == ActivityType.CALL:
        details = {"phone": target.phone} if target.phone else {}
        return f"Call {name}", details, rng.choice(list(Direction))
    if atype == ActivityType.MEETING:
        return f"Meeting with {name}", {"location": rng.choice(DEMO_LOCATIONS)}, None
    if atype == ActivityType.EMAIL:
        details = {"to": target.email} if target.email else {}
        return f"E-mail {name}: follow-up on the quote", details, Direction.OUTGOING
    return f"Prepare the proposal for {name}", {}, None
