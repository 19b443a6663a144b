"""Security headers on every answer, and only the app's own origin may use it from a browser.

An ASGI middleware in front of everything the backend serves (the REST API, Reflex's pages and
static files in single-port mode, the event websocket):

- every HTTP answer gets `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` and a
  `Content-Security-Policy` limiting framing, plugins, `<base>` and form targets; app pages also get
  `X-Frame-Options: SAMEORIGIN` (`frame-ancestors 'self'`): another site, or a page of another port
  on the same host, cannot frame the logged-in app. The public web forms (`/forms/...`) stay
  embeddable anywhere (`frame-ancestors *`, no X-Frame-Options);
- a request whose `Origin` is neither the app's own (the same scheme, host and port as the request)
  nor listed in `CRM_ALLOWED_ORIGINS` (comma-separated, e.g. `https://crm.example.com`) nor
  Reflex's `deploy_url` (the frontend's own address when served apart) is
  refused: 403 for HTTP (preflights included), the websocket closed before it opens. Requests
  without `Origin` (curl, server-to-server API clients) are not affected.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from urllib.parse import urlsplit

from crm_app.api.asgi import ASGIApp, Message, Receive, Scope, Send, answer

ENV_VAR = "CRM_ALLOWED_ORIGINS"
PUBLIC_FORMS = "/forms/"
_BASE_POLICY = "object-src 'none'; base-uri 'self'; form-action 'self'"
APP_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", f"{_BASE_POLICY}; frame-ancestors 'self'".encode()),
)
EMBEDDABLE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", f"{_BASE_POLICY}; frame-ancestors *".encode()),
)
_REPLACED = {name for name, _ in APP_HEADERS}


def allowed_origins(environ: MutableMapping[str, str] | None = None, deploy_url: str = "") -> frozenset[str]:
    """CRM_ALLOWED_ORIGINS, plus Reflex's `deploy_url` (the frontend's address when it is served
    apart from the backend, e.g. `reflex run` in development: http://localhost:3000)."""
    raw = (os.environ if environ is None else environ).get(ENV_VAR, "")
    listed = [o for o in raw.split(",") if o.strip()]
    return frozenset(_normal(o) for o in [*listed, deploy_url] if o.strip())


def _deploy_url() -> str:
    try:
        from reflex.config import get_config

        return str(get_config().deploy_url or "")
    except Exception:  # no rxconfig (e.g. the API alone in a test)
        return ""


def _normal(origin: str) -> str:
    parts = urlsplit(origin.strip().lower())
    if not parts.scheme or not parts.hostname:
        return origin.strip().lower()
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def own_origin(scope: Scope, headers: dict[bytes, bytes]) -> str:
    """The origin the request was sent to: its scheme and Host header."""
    scheme = scope.get("scheme", "http")
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    if os.environ.get("CRM_TRUST_PROXY") == "1" and headers.get(b"x-forwarded-proto"):
        scheme = headers[b"x-forwarded-proto"].decode("latin-1").split(",")[-1].strip()
    host = headers.get(b"host", b"").decode("latin-1")
    return _normal(f"{scheme}://{host}")


class SecurityHeaders:
    """ASGI middleware: the headers and the origin check described above."""

    def __init__(self, app: ASGIApp, origins: frozenset[str] | None = None) -> None:
        self.app = app
        self.origins = allowed_origins(deploy_url=_deploy_url()) if origins is None else origins

    def origin_ok(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        origin = headers.get(b"origin")
        if origin is None:
            return True
        value = _normal(origin.decode("latin-1"))
        return value == own_origin(scope, headers) or value in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        if not self.origin_ok(scope, headers):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await answer(send, 403, "This origin may not use the CRM.", APP_HEADERS)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        extra = EMBEDDABLE_HEADERS if scope.get("path", "").startswith(PUBLIC_FORMS) else APP_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers") or [] if k.lower() not in _REPLACED]
                message = {**message, "headers": [*kept, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
