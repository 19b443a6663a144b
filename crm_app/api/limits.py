"""Requests are judged before their body is read: no key, no body read; too big, refused unread.

An unauthenticated 100 MB request used to be read whole before its 401 (the worker grew by
234 MB). This ASGI middleware answers, for /api/v1 paths only (Reflex's own routes, mounted inside the
API app, pass untouched: CSV uploads are bigger):

- **401** at once to a request with no `Authorization: Bearer` header (the documentation pages
  and the OpenAPI schema need none), before reading any of its body;
- **413** at once when `Content-Length` is over `CRM_API_MAX_BODY_BYTES` (default 1 MiB), and
  for a body sent without a length (chunked) as soon as what arrived passes the limit.

A wrong key with a small body still gets its 401 from the route (the key is checked in the
database, through the permissions module).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

from crm_app.api.asgi import ASGIApp, Message, Receive, Scope, Send, answer

ENV_VAR = "CRM_API_MAX_BODY_BYTES"
DEFAULT_MAX_BODY = 1024 * 1024
OPEN_PATHS = ("/api/v1/docs", "/api/v1/openapi.json")


def max_body_bytes(environ: MutableMapping[str, str] | None = None) -> int:
    raw = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_MAX_BODY
    value = int(raw)
    if value < 1024:
        raise ValueError(f"{ENV_VAR} must be at least 1024 bytes, got {value}")
    return value


class RequestLimits:
    """ASGI middleware: the 401 and 413 answers above, before the application reads the body."""

    def __init__(self, app: ASGIApp, max_body: int | None = None) -> None:
        self.app = app
        self.max_body = max_body if max_body is not None else max_body_bytes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/v1"):
            # Reflex's own routes (pages, the event socket, uploads) are mounted inside this app
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers") or []}
        if not path.startswith(OPEN_PATHS):
            auth = headers.get(b"authorization", b"")
            if not auth[:7].lower() == b"bearer " or not auth[7:].strip():
                await answer(send, 401, "Missing or invalid API key.", ((b"www-authenticate", b"Bearer"),))
                return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await answer(send, 400, "Invalid Content-Length.")
                return
            if declared > self.max_body:
                await answer(send, 413, f"The request body is over {self.max_body} bytes.")
                return
            await self.app(scope, receive, send)
            return
        if headers.get(b"transfer-encoding", b"").lower() != b"chunked":
            await self.app(scope, receive, send)
            return
        # no length given: read up to the limit here, then hand the body on
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await answer(send, 413, f"The request body is over {self.max_body} bytes.")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
