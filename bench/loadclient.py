"""A websocket load client that opens /leads the way a browser does (Reflex 0.10 over socket.io).

What a browser sends when it loads a page (recorded with Playwright against `reflex run --env prod`):

1. a websocket to `/_event/?token=<tab token>&EIO=4&transport=websocket` (the tab token is a UUID
   kept in the tab's sessionStorage, so a reload reuses it), subprotocol = the Reflex version;
2. the server's Engine.IO open packet `0{"sid":...,"pingInterval":...}`;
3. one socket.io CONNECT packet `40/_event,{"event": <hydrate_and_load>, "state_schema": ...}`: the
   hydrate event rides in the CONNECT packet. Its payload carries the browser's client storage
   (`vars`: the `crm_session` cookie and the `crm_lang` local storage value), the hashes of the
   compiled default state (`hashes`: the server then sends only the vars that differ) and the
   router data (`pathname`, `asPath`);
4. the server answers `40/_event,{"sid":...}` and then `42/_event,["event",{"delta":...}]` packets:
   the router data, the session vars, `is_hydrated` false, the page's on_load deltas (for /leads:
   the LeadsState delta with `rows`), and `is_hydrated` true.

Logging in is the login page's form: `LoginState.submit` with the form data; the server answers
with a script that loads `/auth/session?ticket=...`, the route that sets the HttpOnly `crm_session`
cookie (the client GETs it and keeps the cookie, sent with each socket's handshake as a browser
does: the states read the session from the socket's headers). A simulated client logs in once, then opens /leads again and again, each time on
a new websocket, as a reload does. The time of an open runs from the TCP connect to the delta that
carries the rows; the open ends at `is_hydrated` true. Bytes are counted twice: the text of the
messages received (what Playwright shows) and the bytes read from the socket (with
permessage-deflate, as browsers offer it).

Pure Python on asyncio streams and `wsproto` (a dependency of Reflex's python-engineio, through
simple-websocket); nothing to install.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
SESSION_STATE = f"{ROOT_STATE}.crm_app___state___session____session_state"
LOGIN_STATE = f"{SESSION_STATE}.crm_app___state___auth_pages____login_state"
LEADS_STATE = f"{SESSION_STATE}.crm_app___state___leads____leads_state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
LOGIN_SUBMIT = f"{LOGIN_STATE}.submit"
LANG_VAR = f"{SESSION_STATE}.browser_lang_rx_state_"
ROWS = "rows_rx_state_"
HYDRATED = "is_hydrated_rx_state_"

# Engine.IO packet types (one per websocket message) and socket.io packet types (inside "4")
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "1", "2", "3", "4"
SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT, SIO_ACK, SIO_CONNECT_ERROR = 0, 1, 2, 3, 4


class LoadError(Exception):
    """An open that failed: the server refused, redirected, reported an error or went silent."""


# --- framing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SioPacket:
    type: int
    namespace: str = "/"
    data: Any = None
    ack: int | None = None


def encode_sio(packet: SioPacket) -> str:
    """The text of one websocket message: Engine.IO "message" + the socket.io packet."""
    out = [EIO_MESSAGE, str(packet.type)]
    if packet.namespace != "/":
        out.append(packet.namespace + ",")
    if packet.ack is not None:
        out.append(str(packet.ack))
    if packet.data is not None:
        out.append(json.dumps(packet.data, separators=(",", ":"), ensure_ascii=False))
    return "".join(out)


def parse_eio(text: str) -> tuple[str, str]:
    """(Engine.IO packet type, the rest) of one websocket text message."""
    if not text:
        raise LoadError("empty Engine.IO packet")
    return text[0], text[1:]


def parse_sio(text: str) -> SioPacket:
    """A socket.io packet as Engine.IO carries it (without the leading "4")."""
    if not text or not text[0].isdigit():
        raise LoadError(f"not a socket.io packet: {text[:80]!r}")
    kind, i = int(text[0]), 1
    namespace = "/"
    if text.startswith("/", i):
        end = text.find(",", i)
        if end < 0:
            return SioPacket(kind, text[i:])
        namespace, i = text[i:end], end + 1
    digits = i
    while digits < len(text) and text[digits].isdigit():
        digits += 1
    ack = int(text[i:digits]) if digits > i else None
    rest = text[digits:]
    return SioPacket(kind, namespace, json.loads(rest) if rest else None, ack)


def hydrate_event(
    pathname: str, storage: dict[str, str], hashes: list[str] | None, query: dict[str, str] | None = None
) -> dict[str, Any]:
    """The event a page load sends in its CONNECT packet (`initialEvents(true)` in context.js)."""
    payload: dict[str, Any] = {}
    if storage:
        payload["vars"] = storage
    if hashes:
        payload["hashes"] = hashes
    search = f"?{urllib.parse.urlencode(query)}" if query else ""
    router: dict[str, Any] = {"pathname": pathname, "asPath": pathname + search}
    if query:
        router["query"] = query
    return {"name": HYDRATE, "payload": payload, "router_data": router}


def connect_packet(event: dict[str, Any], schema: str | None) -> str:
    auth: dict[str, Any] = {"event": event}
    if schema:
        auth["state_schema"] = schema
    return encode_sio(SioPacket(SIO_CONNECT, NAMESPACE, auth))


def form_event(name: str, pathname: str, fields: list[tuple[str, str]]) -> str:
    """A form submit as the browser sends it (Reflex's `__reflex_form_data__` pairs)."""
    event = {
        "name": name,
        "payload": {"form": {"__reflex_form_data__": [list(f) for f in fields]}},
        "router_data": {"pathname": pathname, "asPath": pathname},
    }
    return encode_sio(SioPacket(SIO_EVENT, NAMESPACE, ["event", event]))


_HANDOVER = re.compile(r'"(/auth/session\?[^"\\]+)')


def session_handover_path(update: dict[str, Any]) -> str:
    """The login's next stop (`window.location.replace("/auth/session?ticket=...")`), or ""."""
    for event in update.get("events") or []:
        if event.get("name") == "_call_script":
            found = _HANDOVER.search(json.dumps(event.get("payload", {})).replace('\\"', '"'))
            if found:
                return found.group(1)
    return ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session_cookie(base_url: str, path: str) -> str:
    """GET the handover route as the browser does; the `crm_session=...` cookie it sets."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        response = opener.open(base_url.rstrip("/") + path, timeout=30)
    except urllib.error.HTTPError as exc:  # the 303 on to the next page
        response = exc
    for header in response.headers.get_all("set-cookie") or []:
        if header.startswith("crm_session="):
            return header.split(";", 1)[0]
    raise LoadError(f"no session cookie from {path.split('?')[0]} ({response.status})")


def update_errors(update: dict[str, Any]) -> list[str]:
    """What in a state update means the open failed: a redirect (e.g. back to /login), an error toast."""
    problems = []
    for event in update.get("events") or []:
        name = event.get("name", "")
        if name == "_redirect":
            problems.append(f"redirected to {event.get('payload', {}).get('path')}")
        elif name in ("_call_function", "_call_script"):
            text = json.dumps(event.get("payload", {}))
            if "toast" in text and "error" in text:
                problems.append("error toast")
    return problems


_HASHES = re.compile(r"initialStateHashes\s*=\s*(.{0,20000}?)stateSchema", re.S)
_SCHEMA = re.compile(r"stateSchema\s*=\s*[\"'`]([0-9a-f]{16,64})[\"'`]")
_HEX16 = re.compile(r"\b[0-9a-f]{16}\b")
_ASSET = re.compile(r"""["'`(]((?:/|\./|\.\./)?(?:assets/)?[\w./-]+\.js)["'`)]""")


def state_hashes_from_js(text: str) -> tuple[list[str], str] | None:
    """(initialStateHashes, stateSchema) from the compiled frontend (minified or not)."""
    found, schema = _HASHES.search(text), _SCHEMA.search(text)
    if not found or not schema:
        return None
    return _HEX16.findall(found.group(1)), schema.group(1)


def fetch_state_hashes(base_url: str, limit: int = 300) -> tuple[list[str], str] | None:
    """Read what the browser sends as `hashes` and `state_schema` from the served JS bundle."""
    seen: set[str] = set()
    todo = [urllib.parse.urljoin(base_url, "/")]
    while todo and len(seen) < limit:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                text = r.read().decode("utf-8", "replace")
        except OSError:
            continue
        if url.endswith(".js") and (found := state_hashes_from_js(text)):
            return found
        for ref in _ASSET.findall(text):
            target = urllib.parse.urljoin(url, ref)
            if urllib.parse.urlsplit(target).netloc == urllib.parse.urlsplit(base_url).netloc:
                todo.append(target)
    return None


# --- transport -----------------------------------------------------------------------------------


class WebSocket:
    """A websocket client on asyncio streams + wsproto, counting the bytes it receives."""

    def __init__(self) -> None:
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.messages: list[str] = []
        self._parts: list[str] = []
        self._pending: list[Any] = []
        self.wire_bytes = 0  # read from the socket, handshake included
        self.text_bytes = 0  # UTF-8 size of the text messages received
        self.closed = False

    async def connect(
        self, url: str, subprotocol: str | None = None, deflate: bool = True, cookie: str = ""
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        self.reader, self.writer = await asyncio.open_connection(host, port)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = Request(
            host=parts.netloc,
            target=target,
            subprotocols=[subprotocol] if subprotocol else [],
            extensions=[PerMessageDeflate()] if deflate else [],
            extra_headers=[
                (b"origin", f"http://{parts.netloc}".encode()),
                *([(b"cookie", cookie.encode())] if cookie else []),
            ],
        )
        self.writer.write(self.ws.send(request))
        while True:
            event = await self._event()
            if isinstance(event, AcceptConnection):
                return
            if isinstance(event, (RejectConnection, RejectData)):
                raise LoadError(f"websocket refused ({getattr(event, 'status_code', '?')})")

    async def _event(self) -> Any:
        """The next wsproto event (one read may bring several: the handshake and the first message)."""
        assert self.reader is not None
        while not self._pending:
            data = await self.reader.read(65536)
            if not data:
                self.closed = True
                raise LoadError("connection closed by the server")
            self.wire_bytes += len(data)
            self.ws.receive_data(data)
            self._pending.extend(self.ws.events())
        return self._pending.pop(0)

    async def recv(self) -> str:
        while not self.messages:
            for event in [await self._event()]:
                if isinstance(event, TextMessage):
                    self._parts.append(event.data)
                    if event.message_finished:
                        text = "".join(self._parts)
                        self._parts.clear()
                        self.text_bytes += len(text.encode())
                        self.messages.append(text)
                elif isinstance(event, Ping):
                    self._write(event.response())
                elif isinstance(event, CloseConnection):
                    self.closed = True
                    raise LoadError(f"websocket closed by the server ({event.code})")
        return self.messages.pop(0)

    def _write(self, event: Any) -> None:
        assert self.writer is not None
        self.writer.write(self.ws.send(event))

    async def send(self, text: str) -> None:
        self._write(TextMessage(data=text))
        assert self.writer is not None
        await self.writer.drain()

    async def close(self) -> None:
        if self.writer is None:
            return
        with contextlib.suppress(Exception):
            if not self.closed:
                self._write(CloseConnection(code=1000))
            self.writer.close()
            await asyncio.wait_for(self.writer.wait_closed(), 1)


class ReflexSocket:
    """Engine.IO + socket.io on a WebSocket: answers pings, yields the namespace's packets."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws

    async def open(self, base_url: str, tab_token: str, deflate: bool = True, cookie: str = "") -> None:
        parts = urllib.parse.urlsplit(base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        query = urllib.parse.urlencode({"token": tab_token, "EIO": 4, "transport": "websocket"})
        url = f"{scheme}://{parts.netloc}{NAMESPACE}/?{query}"
        await self.ws.connect(url, reflex_version(), deflate, cookie)
        kind, rest = parse_eio(await self.ws.recv())
        if kind != EIO_OPEN:
            raise LoadError(f"expected the Engine.IO open packet, got {kind}{rest[:80]}")

    async def packet(self) -> SioPacket:
        while True:
            kind, rest = parse_eio(await self.ws.recv())
            if kind == EIO_PING:
                await self.ws.send(EIO_PONG + rest)
            elif kind == EIO_MESSAGE:
                packet = parse_sio(rest)
                if packet.type == SIO_CONNECT_ERROR:
                    raise LoadError(f"connect refused: {packet.data}")
                if packet.type == SIO_DISCONNECT:
                    raise LoadError("disconnected by the server")
                return packet
            elif kind == EIO_CLOSE:
                raise LoadError("Engine.IO close")

    async def update(self) -> dict[str, Any]:
        """The next state update (`["event", {...}]`) sent to the namespace."""
        while True:
            packet = await self.packet()
            if packet.type == SIO_EVENT and isinstance(packet.data, list) and packet.data:
                if packet.data[0] == "event":
                    return packet.data[1] if len(packet.data) > 1 else {}
                if "mismatch" in str(packet.data[0]):
                    raise LoadError(f"state schema mismatch: {packet.data}")


def reflex_version() -> str:
    try:
        return metadata.version("reflex")
    except metadata.PackageNotFoundError:
        return ""


# --- one browser ---------------------------------------------------------------------------------


@dataclass
class Page:
    """What every open needs to know about the app (read once per run)."""

    base_url: str
    hashes: list[str] | None
    schema: str | None
    deflate: bool = True
    timeout: float = 30.0


@dataclass
class Open:
    seconds: float  # connect -> the delta with the rows
    text_bytes: int
    wire_bytes: int
    rows: int


class Browser:
    """One tab: a tab token, the cookie and local storage it keeps between page loads."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.tab_token = str(uuid.uuid4())
        self.storage: dict[str, str] = {LANG_VAR: "en"}
        self.cookie = ""  # the session cookie the server set (`crm_session=...`), sent with each socket

    async def _load(self, pathname: str, until) -> tuple[ReflexSocket, Any]:
        """Open a websocket and hydrate `pathname`; read updates until `until(update)` is not None."""
        sock = ReflexSocket(WebSocket())
        await sock.open(self.page.base_url, self.tab_token, self.page.deflate, self.cookie)
        event = hydrate_event(pathname, self.storage, self.page.hashes)
        await sock.ws.send(connect_packet(event, self.page.schema))
        while True:
            update = await sock.update()
            if problems := update_errors(update):
                raise LoadError(", ".join(problems))
            if (result := until(update)) is not None:
                return sock, result

    async def login(self, email: str, password: str) -> None:
        async def go() -> None:
            sock, _ = await self._load("/login/", _hydrated)
            try:
                await sock.ws.send(
                    form_event(LOGIN_SUBMIT, "/login/", [("email", email), ("password", password)])
                )
                while True:
                    update = await sock.update()
                    delta = update.get("delta") or {}
                    if handover := session_handover_path(update):
                        self.cookie = await asyncio.to_thread(session_cookie, self.page.base_url, handover)
                        return
                    if errors := (delta.get(LOGIN_STATE) or {}).get("errors_rx_state_"):
                        raise LoadError(f"login failed: {errors}")
            finally:
                await sock.ws.close()

        await asyncio.wait_for(go(), self.page.timeout)

    async def open_leads(self) -> Open:
        start = time.perf_counter()
        seen: dict[str, float | int] = {}

        def until(update: dict[str, Any]) -> bool | None:
            # The first update is the hydrate snapshot: on a reload it still holds the rows of the
            # tab's previous open. The rows that count come from on_load, before is_hydrated true.
            seen["updates"] = int(seen.get("updates", 0)) + 1
            delta = update.get("delta") or {}
            rows = (delta.get(LEADS_STATE) or {}).get(ROWS)
            if rows is not None and seen["updates"] > 1:
                seen["t"], seen["rows"] = time.perf_counter() - start, len(rows)
            if (delta.get(ROOT_STATE) or {}).get(HYDRATED) is True:
                if "t" not in seen:
                    raise LoadError("the page hydrated without a delta with the rows")
                return True
            return None

        async def go() -> Open:
            sock = None
            try:
                sock, _ = await self._load("/leads/", until)
                ws = sock.ws
                return Open(float(seen["t"]), ws.text_bytes, ws.wire_bytes, int(seen["rows"]))
            finally:
                if sock is not None:
                    with contextlib.suppress(Exception):
                        await sock.ws.send(encode_sio(SioPacket(SIO_DISCONNECT, NAMESPACE)))
                    await sock.ws.close()

        return await asyncio.wait_for(go(), self.page.timeout)


def _hydrated(update: dict[str, Any]) -> bool | None:
    return True if ((update.get("delta") or {}).get(ROOT_STATE) or {}).get(HYDRATED) is True else None


# --- the load ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    clients: int
    seconds: float  # the timed phase, from the first open to the last one's end
    opens: list[Open] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    login_errors: Counter[str] = field(default_factory=Counter)
    login_seconds: float = 0.0
    hashes: bool = True

    @property
    def opens_per_second(self) -> float:
        return len(self.opens) / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, p: float) -> float:
        times = sorted(o.seconds for o in self.opens)
        if not times:
            return float("nan")
        if len(times) == 1:
            return times[0]
        return statistics.quantiles(times, n=100, method="inclusive")[round(p) - 1]

    def mean(self, attr: str) -> float:
        return statistics.fmean(getattr(o, attr) for o in self.opens) if self.opens else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values()) + sum(self.login_errors.values())

    def summary(self) -> str:
        lines = [
            f"clients {self.clients}, timed phase {self.seconds:.1f} s, logins {self.login_seconds:.1f} s",
            f"opens {len(self.opens)} ({self.opens_per_second:.1f}/s), errors {self.error_count}",
            f"open latency p50 {self.percentile(50) * 1000:.0f} ms, p95 {self.percentile(95) * 1000:.0f} ms",
            f"received per open: {self.mean('text_bytes'):,.0f} B of messages,"
            f" {self.mean('wire_bytes'):,.0f} B on the wire; rows per open {self.mean('rows'):.0f}",
        ]
        if not self.hashes:
            lines.append("no state hashes found in the frontend: the server sent the full state")
        for what, n in (self.login_errors + self.errors).most_common(5):
            lines.append(f"  {n} x {what}")
        return "\n".join(lines)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    return f"{type(exc).__name__}: {exc}"[:200]


async def run_load(
    base_url: str,
    *,
    email: str,
    password: str,
    clients: int = 20,
    seconds: float = 10.0,
    timeout: float = 30.0,
    deflate: bool = True,
) -> LoadResult:
    """`clients` tabs log in, then open /leads again and again for `seconds`."""
    found = await asyncio.to_thread(fetch_state_hashes, base_url)
    hashes, schema = found if found else (None, None)
    page = Page(base_url, hashes, schema, deflate=deflate, timeout=timeout)
    result = LoadResult(clients=clients, seconds=0.0, hashes=found is not None)
    browsers = [Browser(page) for _ in range(clients)]

    async def login(b: Browser) -> Browser | None:
        try:
            await b.login(email, password)
            return b
        except Exception as exc:
            result.login_errors[f"login: {_describe(exc)}"] += 1
            return None

    t0 = time.perf_counter()
    ready = [b for b in await asyncio.gather(*(login(b) for b in browsers)) if b is not None]
    result.login_seconds = time.perf_counter() - t0
    start = time.perf_counter()
    deadline = start + seconds

    async def tab(b: Browser) -> None:
        while time.perf_counter() < deadline:
            try:
                result.opens.append(await b.open_leads())
            except Exception as exc:
                result.errors[_describe(exc)] += 1
                await asyncio.sleep(0.05)  # a refused connect should not spin

    await asyncio.gather(*(tab(b) for b in ready))
    result.seconds = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadclient",
        description="Open /leads with N websocket clients for T seconds against a running CRM.",
    )
    parser.add_argument("--url", required=True, help="the app, e.g. http://localhost:3000")
    parser.add_argument("--email", required=True, help="a user who may see leads")
    parser.add_argument("--password", required=True)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before an open counts as failed")
    parser.add_argument("--no-deflate", action="store_true", help="do not offer permessage-deflate")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run_load(
            args.url,
            email=args.email,
            password=args.password,
            clients=args.clients,
            seconds=args.seconds,
            timeout=args.timeout,
            deflate=not args.no_deflate,
        )
    )
    print(result.summary())
    return 1 if not result.opens else 0


if __name__ == "__main__":
    sys.exit(main())
