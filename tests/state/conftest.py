"""State classes driven directly: a fresh root state per test, handlers called through `.fn`."""

from __future__ import annotations

import pytest
import reflex as rx

import crm_app.crm_app  # noqa: F401 - registers every state class


@pytest.fixture
def root(db_url):
    return rx.State(_reflex_internal_init=True)


def substate(root: rx.State, cls: type[rx.State]):
    return root.get_substate(cls.get_full_name().split(".")[1:])


def call(state: rx.State, handler, *args):
    """Run an event handler's function as Reflex would, returning what it returns."""
    return handler.fn(state, *args)
