"""Handing a new login session to the browser as a cookie its scripts cannot read.

A Reflex event handler answers over the websocket and cannot set an HttpOnly cookie. So the login
handler swaps the new session's token for a one-time ticket (`ticket_for`), sends the browser to
the HTTP route `GET /auth/session?ticket=…` (crm_app/api/session_cookie.py), and that route
redeems the ticket (`redeem`) for a fresh token, which it sets as the session cookie. The token
itself is never in a URL, a page's state or a log; a ticket works once, within TICKET_TTL.

`next_page` keeps the page a user asked for before logging in, and only a page of this app.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm_app import routes
from crm_app.models import AuthSession
from crm_app.models.base import utcnow
from crm_app.services.auth import _token_hash

COOKIE_NAME = "crm_session"
TICKET_TTL = timedelta(minutes=2)
MAX_TICKET = 100
MAX_NEXT = 2000


def _ticket_hash(ticket: str) -> str:
    # another domain than the tokens': a ticket is never a session token, nor the reverse
    return _token_hash("ticket:" + ticket)


def ticket_for(*, session: Session, token: str) -> str:
    """Swap a session's token (just made by `auth.login`) for a one-time ticket."""
    ticket = secrets.token_urlsafe(32)
    done = session.exec(
        update(AuthSession)
        .where(col(AuthSession.token_hash) == _token_hash(token))
        .values(token_hash=_ticket_hash(ticket))
    )
    if not done.rowcount:
        raise LookupError("no session with this token")
    session.commit()
    return ticket


def redeem(*, session: Session, ticket: str | None, now: datetime | None = None) -> str | None:
    """The session token for a ticket, once (None: unknown, used or older than TICKET_TTL)."""
    if not ticket or len(ticket) > MAX_TICKET:
        return None
    now = now or utcnow()
    found = session.exec(select(AuthSession).where(AuthSession.token_hash == _ticket_hash(ticket))).first()
    if found is None:
        return None
    if found.created_at + TICKET_TTL <= now:
        session.delete(found)
        session.commit()
        return None
    token = secrets.token_urlsafe(32)
    found.token_hash = _token_hash(token)
    found.last_seen_at = now
    session.add(found)
    session.commit()
    return token


def next_page(asked: str | None) -> str:
    """The page to go to after logging in: `asked` when it is a path of this app (not another
    site's address, not the login or set-up page), else the home page."""
    asked = (asked or "").strip()
    if not asked or len(asked) > MAX_NEXT or not asked.startswith("/") or asked.startswith("//"):
        return routes.home()
    if "\\" in asked or any(ord(c) < 32 for c in asked):
        return routes.home()
    parts = urlsplit(asked)
    if parts.scheme or parts.netloc or parts.path in (routes.LOGIN, routes.SETUP):
        return routes.home()
    if parts.path.startswith(routes.HTTP_PREFIXES):
        return routes.home()
    return asked


def cookie_value(cookie_header: str, name: str = COOKIE_NAME) -> str:
    """One cookie's value from a Cookie header ('' when absent). Split by hand: the standard
    library's parser stops at the first cookie it finds malformed, and another app on this host
    may have set one."""
    for part in (cookie_header or "").split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"')
    return ""
