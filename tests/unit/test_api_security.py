"""Issue 8: security headers everywhere, the app not frameable (web forms are), foreign origins refused."""

import asyncio

from fastapi.testclient import TestClient

from crm_app.api.app import api
from crm_app.api.security import SecurityHeaders, allowed_origins

client = TestClient(api)


def _run(scope_type: str, path: str, headers: dict[str, str], origins=frozenset()):
    """The middleware alone around an app answering 200; returns what it sent."""
    sent: list[dict] = []

    async def app(scope, receive, send):
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"ALLOWALL")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {
        "type": scope_type,
        "scheme": "http",
        "path": path,
        "method": "GET",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(SecurityHeaders(app, origins=frozenset(origins))(scope, receive, send))
    return sent


def _headers(sent) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in sent[0]["headers"]}


def test_app_pages_get_the_headers_and_cannot_be_framed():
    sent = _run("http", "/leads/5", {"host": "crm.local:3000"})
    h = _headers(sent)
    assert sent[0]["status"] == 200
    assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "same-origin"
    assert h["x-frame-options"] == "SAMEORIGIN"  # the app's own value replaced the page's
    assert "frame-ancestors 'self'" in h["content-security-policy"]
    assert "object-src 'none'" in h["content-security-policy"]


def test_public_forms_stay_embeddable():
    h = _headers(_run("http", "/forms/contact-us", {"host": "crm.local:3000"}))
    assert "x-frame-options" not in h and "frame-ancestors *" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"


def test_a_foreign_origin_is_refused_and_the_own_one_allowed():
    own = {"host": "crm.local:3000", "origin": "http://crm.local:3000"}
    assert _run("http", "/api/v1/leads", own)[0]["status"] == 200
    other_port = {"host": "crm.local:3000", "origin": "http://crm.local:8080"}
    assert _run("http", "/api/v1/leads", other_port)[0]["status"] == 403
    assert _run("http", "/api/v1/leads", {**other_port, "origin": "https://evil.example"})[0]["status"] == 403
    assert _run("http", "/api/v1/leads", {"host": "crm.local:3000"})[0]["status"] == 200  # no Origin: curl
    # the event websocket too
    assert _run("websocket", "/_event/", other_port) == [{"type": "websocket.close", "code": 1008}]
    assert _run("websocket", "/_event/", own) == [{"type": "websocket.accept"}]
    # an origin listed in CRM_ALLOWED_ORIGINS is allowed
    listed = frozenset({"http://crm.local:8080"})
    assert _run("http", "/api/v1/leads", other_port, origins=listed)[0]["status"] == 200


def test_the_allowed_origins_setting():
    got = allowed_origins({"CRM_ALLOWED_ORIGINS": " https://CRM.example.com:443 , http://a.io:8080 "})
    assert got == {"https://crm.example.com", "http://a.io:8080"}
    assert allowed_origins({}, deploy_url="http://localhost:3000") == {"http://localhost:3000"}


def test_through_the_app():
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.headers["x-frame-options"] == "SAMEORIGIN"
    r = client.get("/api/v1/openapi.json", headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert (
        "access-control-allow-origin" not in r.headers
        or r.headers["access-control-allow-origin"] != "https://evil.example"
    )
