"""Security headers on every answer, and only the app's own origin may use it from a browser.

An ASGI middleware in front of everything the backend serves (the REST API, Reflex's pages and
static files in single-port mode, the event websocket), put outside Reflex's own CORS middleware by
`crm_app.CrmApp` (that one lets any origin in, with credentials):

- every HTTP answer gets `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` and a
  `Content-Security-Policy` limiting framing, plugins, `<base>` and form targets; app pages also get
  `X-Frame-Options: SAMEORIGIN` (`frame-ancestors 'self'`): another site, or a page of another port
  on the same host, cannot frame the logged-in app. The public web forms (`/forms/...`) stay
  embeddable anywhere (`frame-ancestors *`, no X-Frame-Options);
- scripts: only the app's own files, and the inline scripts of its built pages by their sha256
  (Reflex's build writes a few into each page: the colour theme, React Router's context and route
  imports), read from the build folder; no other inline script. `'unsafe-eval'` stays: Reflex runs
  what a backend event sends to the browser (`rx.toast`, `rx.call_script`, `rx.set_clipboard`...)
  with `eval()`. Connections (`connect-src`): the app's own origin and its websocket (ws:/wss: on
  the same host), the allowed origins below and Reflex's `api_url`;
- a request whose `Origin` is neither the app's own (the same scheme, host and port as the request)
  nor listed in `CRM_ALLOWED_ORIGINS` (comma-separated, e.g. `https://crm.example.com`) nor
  Reflex's `deploy_url` (the frontend's own address when served apart) is
  refused: 403 for HTTP (preflights included), the websocket closed before it opens. Requests
  without `Origin` (curl, server-to-server API clients) are not affected.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import MutableMapping
from pathlib import Path
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
# Reflex evals what a backend event returns for the browser to run (every toast): see the docstring
SCRIPT_SOURCES = "'self' 'unsafe-eval'"
_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_HOST_SOURCE = re.compile(r"^https?://[a-z0-9.\-\[\]:]+$")  # nothing a Host header could inject
_trusted_scripts: set[str] = set()  # inline scripts of pages the backend writes itself (API docs)


def inline_script_hashes(html: str) -> frozenset[str]:
    """The CSP sources (`'sha256-...'`) of the inline scripts of an HTML page."""
    return frozenset(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for attrs, body in _INLINE_SCRIPT.findall(html)
        if not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE)
    )


def trust_inline_scripts(html: str) -> None:
    """Allow the inline scripts of a page the backend serves itself (not one of Reflex's pages)."""
    _trusted_scripts.update(inline_script_hashes(html))


class BuiltPages:
    """The hashes of the inline scripts of the pages Reflex built (the folder it serves them from),
    read again when the build changes."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._stamp: object = None
        self._hashes: frozenset[str] = frozenset()

    def directory(self) -> Path | None:
        if self._directory is not None:
            return self._directory
        try:
            from reflex import constants
            from reflex.config import get_config
            from reflex.utils import prerequisites

            path = prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
        except Exception:  # no rxconfig (e.g. the API alone in a test)
            return None
        return path

    def hashes(self) -> frozenset[str]:
        directory = self.directory()
        try:
            stamp = (directory, (directory / "index.html").stat().st_mtime_ns) if directory else None
        except OSError:
            stamp = None  # not built (yet)
        if stamp != self._stamp:
            found: set[str] = set()
            if directory is not None and stamp is not None:
                for page in directory.rglob("*.html"):
                    try:
                        found |= inline_script_hashes(page.read_text(encoding="utf-8", errors="replace"))
                    except OSError:
                        continue
            self._stamp, self._hashes = stamp, frozenset(found)
        return self._hashes


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


def _api_url() -> str:
    try:
        from reflex.config import get_config

        return str(get_config().api_url or "")
    except Exception:
        return ""


def _with_websockets(origins: list[str]) -> list[str]:
    """Each origin, then its websocket twin (http: ws:, https: wss:)."""
    twins = {"http": "ws", "https": "wss"}
    out: list[str] = []
    for origin in origins:
        if not _HOST_SOURCE.match(origin):
            continue
        scheme, rest = origin.split("://", 1)
        out += [origin, f"{twins[scheme]}://{rest}"]
    return out


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

    def __init__(
        self,
        app: ASGIApp,
        origins: frozenset[str] | None = None,
        pages: BuiltPages | None = None,
        api_url: str | None = None,
    ) -> None:
        self.app = app
        self.origins = allowed_origins(deploy_url=_deploy_url()) if origins is None else origins
        self.pages = BuiltPages() if pages is None else pages
        api = (_api_url() if api_url is None else api_url).strip()
        listed = sorted(self.origins | ({_normal(api)} if api else set()))
        self._connect = _with_websockets(listed)

    def policy(self, scope: Scope, headers: dict[bytes, bytes], *, embeddable: bool, html: bool) -> str:
        """The Content-Security-Policy of one answer (an HTML page gets its inline scripts' hashes)."""
        own = own_origin(scope, headers)
        host = own.split("://", 1)[-1]
        own_sockets = [f"ws://{host}", f"wss://{host}"] if _HOST_SOURCE.match(own) else []
        connect = " ".join(dict.fromkeys(["'self'", *own_sockets, *self._connect]))
        scripts = SCRIPT_SOURCES
        if html:
            scripts = " ".join([scripts, *sorted(self.pages.hashes() | _trusted_scripts)])
        ancestors = "*" if embeddable else "'self'"
        return f"{_BASE_POLICY}; frame-ancestors {ancestors}; script-src {scripts}; connect-src {connect}"

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
        embeddable = scope.get("path", "").startswith(PUBLIC_FORMS)
        extra = EMBEDDABLE_HEADERS if embeddable else APP_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers") or [] if k.lower() not in _REPLACED]
                # a 304 has no content type, and its headers replace those of the page the
                # browser kept: it must carry the page's script hashes too
                html = message.get("status") == 304 or any(
                    k.lower() == b"content-type" and v.lower().startswith(b"text/html") for k, v in kept
                )
                policy = self.policy(scope, headers, embeddable=embeddable, html=html)
                extra_headers = [(k, v) for k, v in extra if k != b"content-security-policy"]
                message = {
                    **message,
                    "headers": [*kept, *extra_headers, (b"content-security-policy", policy.encode())],
                }
            await send(message)

        await self.app(scope, receive, send_with_headers)
