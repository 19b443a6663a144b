"""State classes driven directly: a fresh root state per test, handlers called through `.fn`."""

from __future__ import annotations

import asyncio
import inspect

import pytest
import reflex as rx

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
