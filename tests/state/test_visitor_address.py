"""Logins and web form posts count a visitor under one address rule, proxy-aware (issue 8)."""

from types import SimpleNamespace

from crm_app.state.session import visitor_address


def _state(peer: str, forwarded: str = "") -> SimpleNamespace:
    headers = SimpleNamespace(raw_headers={"x-forwarded-for": forwarded} if forwarded else {})
    return SimpleNamespace(router=SimpleNamespace(session=SimpleNamespace(client_ip=peer), headers=headers))


def test_the_peer_unless_the_proxy_is_trusted(monkeypatch):
    monkeypatch.delenv("CRM_TRUST_PROXY", raising=False)
    state = _state("10.0.0.2", "203.0.113.9, 198.51.100.4")
    assert visitor_address(state) == "10.0.0.2"  # a forged header changes nothing
    monkeypatch.setenv("CRM_TRUST_PROXY", "1")
    assert visitor_address(state) == "198.51.100.4"  # the entry the proxy added
    assert visitor_address(_state("10.0.0.2")) == "10.0.0.2"


def test_a_failed_login_is_counted_under_the_forwarded_address_behind_a_trusted_proxy(
    root, db_url, monkeypatch
):
    from reflex.istate.data import RouterData
    from sqlmodel import select

    from crm_app import db
    from crm_app.models import LoginAttempt
    from crm_app.state.auth_pages import LoginState
    from tests.factories import create_user
    from tests.state.conftest import call, substate

    monkeypatch.setenv("CRM_TRUST_PROXY", "1")
    with db.session(db_url) as s:
        create_user(s, email="sam@example.com")
    login = substate(root, LoginState)
    root.router = RouterData.from_router_data(
        {"pathname": "/login", "headers": {"x-forwarded-for": "203.0.113.9, 198.51.100.4"}}
    )
    call(login, LoginState.submit, {"email": "sam@example.com", "password": "wrong password"})
    with db.session(db_url) as s:
        assert [a.ip for a in s.exec(select(LoginAttempt)).all()] == ["198.51.100.4"]
