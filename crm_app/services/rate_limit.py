"""Sliding-window rate limits stored in the database (table `rate_event`).

The database, not process memory, holds the hits, so the limit holds across several workers
and containers. Only allowed hits are stored: a flood that is refused writes nothing, so one
key never has more than `limit` rows per window. Two hits at the same instant may both pass
(count then insert, no lock): a limit may overshoot by the number of concurrent requests.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from crm_app.models import RateEvent
from crm_app.models.base import utcnow

# share of hits that also delete the scope's expired events (cheap, and no cron job needed)
CLEANUP_CHANCE = 0.05
MAX_KEY = 100


def hit(
    *,
    session: Session,
    scope: str,
    key: str,
    limit: int,
    window: timedelta,
    now: datetime | None = None,
    commit: bool = True,
) -> int:
    """Count one hit of `key` in `scope`. Returns 0 when allowed (the hit is recorded), else the
    seconds to wait before the next hit would be allowed (nothing is recorded).

    Commits by default, so the hit counts even if the caller's own work fails afterwards.
    """
    now = now or utcnow()
    key = (key or "")[:MAX_KEY]
    since = now - window
    in_window = (col(RateEvent.scope) == scope, col(RateEvent.key) == key, col(RateEvent.at) > since)
    count = session.exec(select(func.count()).select_from(RateEvent).where(*in_window)).one()
    if count >= limit:
        # the hit that must leave the window before one more is allowed
        freeing = session.exec(
            select(RateEvent.at).where(*in_window).order_by(col(RateEvent.at)).offset(count - limit).limit(1)
        ).first()
        wait = (freeing + window - now).total_seconds() if freeing else window.total_seconds()
        return max(1, math.ceil(wait))
    session.add(RateEvent(scope=scope, key=key, at=now))
    if random.random() < CLEANUP_CHANCE:
        cleanup(session=session, scope=scope, older_than=since, commit=False)
    if commit:
        session.commit()
    return 0


def cleanup(*, session: Session, scope: str, older_than: datetime, commit: bool = True) -> int:
    """Delete the scope's events older than `older_than`. Returns how many went."""
    result = session.exec(
        delete(RateEvent).where(col(RateEvent.scope) == scope, col(RateEvent.at) < older_than)
    )
    if commit:
        session.commit()
    return result.rowcount or 0


def client_address(remote: str, forwarded_for: str = "", *, trust_proxy: bool = False) -> str:
    """The address to count a visitor under.

    Behind a reverse proxy every request comes from the proxy's address, so one visitor's flood
    would block everyone. With `trust_proxy` (CRM_TRUST_PROXY=1; set it only when a proxy you run
    sets X-Forwarded-For), the right-most X-Forwarded-For entry is used: it is the one the
    proxy added, the only one a visitor cannot forge.
    """
    if trust_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last[:64]
    return (remote or "")[:64]
