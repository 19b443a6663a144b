"""State classes driven directly: a fresh root state per test, handlers called through `.fn`."""

from __future__ import annotations

import asyncio
import inspect
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import reflex as rx
from reflex.istate.data import RouterData

import crm_app.crm_app  # noqa: F401 - registers every state class
from crm_app.state.offload import is_db_event


@pytest.fixture
def root(db_url):
    return rx.State(_reflex_internal_init=True)


def substate(root: rx.State, cls: type[rx.State]):
    return root.get_substate(cls.get_full_name().split(".")[1:])


def call(state: rx.State, handler, *args):
    """Run an event handler's function as Reflex would, returning what it returns.

    A `@db_event` handler (async: its body runs in a database thread) is run to its end here, so
    a test calls it like the sync handler it is written as; other async handlers return their
    coroutine, for the test to run."""
    result = handler.fn(state, *args)
    if not is_db_event(handler.fn):
        return result
    if inspect.isasyncgen(result):  # a generator handler: what it yields, in order
        return asyncio.run(_collect(result))
    return asyncio.run(result)


async def _collect(agen) -> list:
    return [item async for item in agen]


def _root(state: rx.State) -> rx.State:
    while state.parent_state is not None:
        state = state.parent_state
    return state


def sign_in(state: rx.State, token: str, path: str = "/") -> None:
    """Make `state`'s tab one whose browser holds this session cookie: the browser sends it with
    the socket's handshake, whose headers Reflex keeps on the server (`router.headers`)."""
    _root(state).router = RouterData.from_router_data(
        {"headers": {"cookie": f"crm_session={token}"}, "pathname": path, "asPath": path}
    )


def open_page(state: rx.State, url: str, pattern: str | None = None) -> None:
    """The tab going to `url` (route `pattern`, e.g. /leads/[id]): same socket, same cookie."""
    root = _root(state)
    cookie = root.router.headers.cookie
    parts = urlsplit(url)
    root.router = RouterData.from_router_data(
        {
            "headers": {"cookie": cookie} if cookie else {},
            "pathname": pattern or parts.path,
            "asPath": url,
            "query": dict(parse_qsl(parts.query)),
        }
    )


def ticket_of(events) -> str:
    """The one-time ticket in the page load a login handler sends the browser to."""
    found = re.search(r"/auth/session\?ticket=([A-Za-z0-9_\-]+)", str(events))
    assert found, f"no session hand-over in {events!r}"
    return found.group(1)
