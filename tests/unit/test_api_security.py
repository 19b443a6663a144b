"""Issue 8: security headers everywhere, the app not frameable (web forms are), foreign origins refused."""

import asyncio
import base64
import hashlib
import os
from pathlib import Path

import pytest
import reflex as rx
from fastapi.testclient import TestClient
from starlette.applications import Starlette

from crm_app.api.app import api
from crm_app.api.security import (
    BuiltPages,
    SecurityHeaders,
    _trusted_scripts,
    allowed_origins,
    inline_script_hashes,
)

client = TestClient(SecurityHeaders(api, origins=frozenset()))
PAGE = (
    '<html><head><script>document.documentElement.classList.add("dark")</script>'
    '<script type="module" src="/assets/root.js"></script></head>'
    '<body><script type="module" async="">import "/assets/manifest-1.js";</script></body></html>'
)


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def _run(scope_type: str, path: str, headers: dict[str, str], origins=frozenset(), **options):
    """The middleware alone around an app answering 200; returns what it sent."""
    sent: list[dict] = []
    content_type = options.pop("content_type", b"text/plain")
    status = options.pop("status", 200)

    async def app(scope, receive, send):
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            return
        response_headers = [(b"x-frame-options", b"ALLOWALL")]
        if status != 304:
            response_headers.append((b"content-type", content_type))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
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
    options.setdefault("pages", BuiltPages(path_of_no_build()))
    options.setdefault("api_url", "")
    asyncio.run(SecurityHeaders(app, origins=frozenset(origins), **options)(scope, receive, send))
    return sent


def path_of_no_build() -> Path:
    return Path("/nonexistent-build")


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


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def _page_hashes(policy: str) -> set[str]:
    """The script hashes of the built pages (not those of the API docs page, on every page)."""
    return set(_directives(policy)["script-src"][2:]) - _trusted_scripts


def test_scripts_are_the_apps_own_files_and_the_built_pages_inline_scripts(tmp_path):
    (tmp_path / "leads").mkdir()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "leads" / "index.html").write_text("<script>window.x = 1;</script>")
    pages = BuiltPages(tmp_path)
    html = _headers(
        _run("http", "/leads", {"host": "crm.local:3000"}, pages=pages, content_type=b"text/html")
    )
    scripts = _directives(html["content-security-policy"])["script-src"]
    expected = {
        _sha256('document.documentElement.classList.add("dark")'),
        _sha256('import "/assets/manifest-1.js";'),
        _sha256("window.x = 1;"),
    }
    assert scripts[:2] == ["'self'", "'unsafe-eval'"]  # eval: Reflex runs backend events' scripts so
    assert (
        _page_hashes(html["content-security-policy"]) == expected
    )  # the script with a src is not hashed; no 'unsafe-inline'
    assert "'unsafe-inline'" not in html["content-security-policy"]
    # a new build is read again
    (tmp_path / "index.html").write_text("<script>window.y = 2;</script>")
    os.utime(tmp_path / "index.html", ns=(1, 1))
    html = _headers(_run("http", "/", {"host": "crm.local:3000"}, pages=pages, content_type=b"text/html"))
    assert _sha256("window.y = 2;") in html["content-security-policy"]
    assert _sha256('import "/assets/manifest-1.js";') not in html["content-security-policy"]
    # a 304 (the browser revalidates the page it kept) replaces the kept page's headers: it
    # carries the hashes too, else the page's scripts are refused on the second visit
    revalidated = _headers(_run("http", "/", {"host": "crm.local:3000"}, pages=pages, status=304))
    assert _sha256("window.y = 2;") in revalidated["content-security-policy"]
    # not a page: no hashes, still no inline script
    other = _headers(_run("http", "/ping", {"host": "crm.local:3000"}, pages=pages))
    assert _directives(other["content-security-policy"])["script-src"] == ["'self'", "'unsafe-eval'"]
    # the public web forms have the same scripts, and stay embeddable
    form = _headers(
        _run("http", "/forms/x", {"host": "crm.local:3000"}, pages=pages, content_type=b"text/html")
    )
    assert _page_hashes(form["content-security-policy"]) == {
        _sha256("window.y = 2;"),
        _sha256("window.x = 1;"),
    }
    assert _directives(form["content-security-policy"])["frame-ancestors"] == ["*"]


def test_inline_script_hashes_skip_scripts_with_a_source():
    assert inline_script_hashes(PAGE) == {
        _sha256('document.documentElement.classList.add("dark")'),
        _sha256('import "/assets/manifest-1.js";'),
    }


def test_connections_go_to_the_app_its_websocket_and_the_allowed_origins():
    listed = frozenset({"https://crm.example.com"})
    h = _headers(
        _run("http", "/", {"host": "crm.local:3000"}, origins=listed, api_url="https://api.example.com")
    )
    assert _directives(h["content-security-policy"])["connect-src"] == [
        "'self'", "ws://crm.local:3000", "wss://crm.local:3000",
        "https://api.example.com", "wss://api.example.com",
        "https://crm.example.com", "wss://crm.example.com",
    ]  # fmt: skip
    # a Host header cannot write a directive of its own into the policy
    h = _headers(_run("http", "/", {"host": "x; script-src *"}))
    assert _directives(h["content-security-policy"])["connect-src"] == ["'self'"]
    assert _directives(h["content-security-policy"])["script-src"] == ["'self'", "'unsafe-eval'"]


def test_the_api_docs_page_may_run_its_own_inline_script():
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    page_scripts = inline_script_hashes(r.text)
    assert page_scripts and page_scripts <= set(
        _directives(r.headers["content-security-policy"])["script-src"]
    )


PREFLIGHT = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}


@pytest.fixture
def reflex_backend(monkeypatch):
    """The app's backend as Reflex composes it (its CORS middleware, allowing any origin with
    credentials, outside everything), without compiling the pages."""
    from crm_app.crm_app import app

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def reflex_call(self):
        top = Starlette()
        top.mount("", inner)
        rx.App._add_cors(top)
        return top

    monkeypatch.setattr(rx.App, "__call__", reflex_call)
    monkeypatch.setenv("CRM_ALLOWED_ORIGINS", "https://partner.example")
    return TestClient(app(), base_url="http://crm.local")


def test_a_foreign_preflight_is_refused_without_cors_headers(reflex_backend):
    r = reflex_backend.options("/api/v1/leads", headers={"origin": "https://evil.example", **PREFLIGHT})
    assert r.status_code == 403
    assert not [k for k in r.headers if k.lower().startswith("access-control-")]
    r = reflex_backend.post("/api/v1/leads", headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert not [k for k in r.headers if k.lower().startswith("access-control-")]


def test_a_preflight_from_an_allowed_origin_is_answered(reflex_backend):
    r = reflex_backend.options("/api/v1/leads", headers={"origin": "https://partner.example", **PREFLIGHT})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://partner.example"
    assert "POST" in r.headers["access-control-allow-methods"]
    # the app's own origin too (a browser does not preflight it, but may send Origin)
    r = reflex_backend.get("/api/v1/leads", headers={"origin": "http://crm.local"})
    assert r.status_code == 200


def test_through_the_app():
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.headers["x-frame-options"] == "SAMEORIGIN"
    r = client.get("/api/v1/openapi.json", headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert (
        "access-control-allow-origin" not in r.headers
        or r.headers["access-control-allow-origin"] != "https://evil.example"
    )
