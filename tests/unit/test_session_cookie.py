"""Issue 8: the session cookie is set by the server, HttpOnly and SameSite=Strict (Secure over
HTTPS), through a one-time ticket; after the login, the page the user asked for."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from crm_app.api.app import api
from crm_app.models.base import utcnow
from crm_app.services import auth, session_handover
from tests.factories import PASSWORD, create_user


def _ticket(session) -> str:
    create_user(session, email="sam@example.com", name="Sam")
    _user, token = auth.login(session=session, email="sam@example.com", password=PASSWORD)
    ticket = session_handover.ticket_for(session=session, token=token)
    # the login's token opens nothing any more, nor does the ticket itself
    assert auth.resolve_session(session=session, token=token) is None
    assert auth.resolve_session(session=session, token=ticket) is None
    return ticket


def test_a_ticket_gives_a_session_token_once(session):
    ticket = _ticket(session)
    token = session_handover.redeem(session=session, ticket=ticket)
    assert token and token != ticket
    assert auth.resolve_session(session=session, token=token).name == "Sam"
    assert session_handover.redeem(session=session, ticket=ticket) is None
    assert session_handover.redeem(session=session, ticket="") is None
    assert session_handover.redeem(session=session, ticket="x" * 5000) is None


def test_a_ticket_expires(session):
    ticket = _ticket(session)
    later = utcnow() + session_handover.TICKET_TTL + timedelta(seconds=1)
    assert session_handover.redeem(session=session, ticket=ticket, now=later) is None
    assert session_handover.redeem(session=session, ticket=ticket) is None  # and is gone


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        ("/leads/5", "/leads/5"),
        ("/leads?sort=email&page=2", "/leads?sort=email&page=2"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/login", "/"),
        ("/login?next=/leads", "/"),
        ("/setup", "/"),
        ("/auth/logout", "/"),
        ("/api/v1/me", "/"),
        ("/leads\r\nSet-Cookie: x=1", "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_next_page_is_only_a_page_of_this_app(asked, goes_to):
    assert session_handover.next_page(asked) == goes_to


def test_cookie_value_survives_other_apps_cookies():
    assert session_handover.cookie_value("a=1; crm_session=tok; b=2") == "tok"
    assert session_handover.cookie_value('bad"cookie; crm_session=tok') == "tok"
    assert session_handover.cookie_value("xcrm_session=no") == ""
    assert session_handover.cookie_value("") == ""


def _set_cookie(response) -> str:
    return "; ".join(response.headers.get_list("set-cookie"))


def test_the_route_sets_an_httponly_strict_cookie_and_goes_on(session):
    ticket = _ticket(session)
    client = TestClient(api, follow_redirects=False)
    r = client.get("/auth/session", params={"ticket": ticket, "next": "/leads/5"})
    assert r.status_code == 303 and r.headers["location"] == "/leads/5"
    cookie = _set_cookie(r)
    assert cookie.startswith("crm_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie  # plain HTTP here
    token = cookie.split(";")[0].split("=", 1)[1]
    assert auth.resolve_session(session=session, token=token).name == "Sam"
    assert r.headers["cache-control"] == "no-store"
    # used once: the second time, the login page, keeping where to go, and no cookie
    again = client.get("/auth/session", params={"ticket": ticket, "next": "/leads/5"})
    assert again.status_code == 303 and again.headers["location"] == "/login?next=%2Fleads%2F5"
    assert "crm_session" not in _set_cookie(again)


def test_the_cookie_is_secure_over_https(session, monkeypatch):
    client = TestClient(api, follow_redirects=False, base_url="https://crm.example")
    r = client.get("/auth/session", params={"ticket": _ticket(session)})
    assert r.headers["location"] == "/" and "Secure" in _set_cookie(r)
    # behind a proxy you run, as the proxy says; not when the header comes from anyone
    plain = TestClient(api, follow_redirects=False)
    r = plain.get(
        "/auth/session",
        params={"ticket": _ticket_again(session)},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert "Secure" not in _set_cookie(r)
    monkeypatch.setenv("CRM_TRUST_PROXY", "1")
    r = plain.get(
        "/auth/session",
        params={"ticket": _ticket_again(session)},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert "Secure" in _set_cookie(r)


def _ticket_again(session) -> str:
    _user, token = auth.login(session=session, email="sam@example.com", password=PASSWORD)
    return session_handover.ticket_for(session=session, token=token)


def test_logout_route_clears_the_cookie():
    r = TestClient(api, follow_redirects=False).get("/auth/logout")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    cookie = _set_cookie(r)
    assert cookie.startswith('crm_session=""') and "Max-Age=0" in cookie and "HttpOnly" in cookie
