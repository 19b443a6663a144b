"""Every private page's on_load sends a visitor without a session to the login page (and back to
the page afterwards), and to the set-up page when there is no user yet: whether the page has the
guard as its own event or its load checks the session itself (`SessionState._page_user`)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import reflex as rx

from crm_app import db, routes
from crm_app.crm_app import app
from crm_app.services import auth
from crm_app.state.leads import LeadsState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, open_page, sign_in, substate

PUBLIC = {"setup", "login", "forms/[slug]", "404"}
PRIVATE = sorted(route for route in app._load_events if route not in PUBLIC)


def _path(route: str) -> str:
    """A URL of the route: /index is /, a [param] is 1."""
    if route == "index":
        return "/"
    return "/" + "/".join("1" if part.startswith("[") else part for part in route.split("/"))


def _open(root: rx.State, route: str):
    """The page's on_load events in order, as Reflex runs them (all of them, even after one
    answered with a redirect); the last answer, the one the browser ends on. (A guard event
    followed by a load that read the session again ended on /auth/logout: /login without
    `next`. Hence one event per page, `_page_user`.)"""
    open_page(substate(root, SessionState), _path(route), pattern="/" + route if route != "index" else "/")
    last = None
    for handler in app._load_events[route]:
        path = handler.state_full_name.split(".")[1:]
        answer = call(root.get_substate(path) if path else root, handler)
        if answer is not None:
            last = answer
    return last


def test_private_pages_are_known():
    assert {"index", "leads", "leads/[id]", "settings/users", "deals"} <= set(PRIVATE)


@pytest.mark.parametrize(
    "route",
    PRIVATE,
)
def test_a_visitor_is_sent_to_login_and_back(root, db_url, route):
    with db.session(db_url) as s:
        create_user(s)
    answer = str(_open(root, route))
    assert "/login" in answer, f"{route}: {answer}"
    assert quote(_path(route).rstrip("/") or "/", safe="") in answer or _path(route) in answer


@pytest.mark.parametrize(
    "route",
    [
        "index",
        "leads",
        "leads/[id]",
        "settings/users",
    ],
)
def test_no_user_yet_sends_to_setup(root, route):
    assert routes.setup() in str(_open(root, route))


def test_the_leads_page_opens_in_one_event(root, db_url):
    """/leads has no separate guard event: its load checks the session and fills the shell."""
    assert [h.fn.__name__ for h in app._load_events["leads"]] == ["load"]
    with db.session(db_url) as s:
        user = create_user(s, name="Camille Martin")
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, LeadsState)
    sign_in(state, token, "/leads")
    open_page(state, "/leads")
    assert call(state, LeadsState.load) is None
    assert state.loaded and state.user_name == "Camille Martin"
