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


def test_the_login_handlers_use_it():
    import inspect

    from crm_app.state import auth_pages

    source = inspect.getsource(auth_pages)
    assert source.count("ip=visitor_address(self)") == 2 and "client_ip" not in source
