"""Bounded memory (issue 7): a worker's RSS after many tabs opened and closed, with a short state TTL.

Starts the backend (`reflex run --env prod --backend-only`, one worker) on a free port with a small
temporary SQLite database and CRM_STATE_TTL_SECONDS=5, then opens and closes N tabs (default 5,000).
A tab does what a browser does on a first load of /login: a websocket to /_event with a new client
token, the hydrate event in the socket.io CONNECT packet, then waiting until the page's on_load has
run (is_hydrated true), then closing. The worker's RSS (VmRSS of /proc/<pid>/status) is read at
start (after a few warm-up tabs have expired), sampled for the peak, and read again once the states
have expired. With Redis on 127.0.0.1:6379 the same run is repeated with REFLEX_REDIS_URL (db 15,
flushed before and after) and the Redis key count is reported too. Target: end RSS within 50 MB of
start. Every process started here is stopped (its whole process group) even on failure.

The tab client speaks Engine.IO 4 / Socket.IO 5 over wsproto (python-socketio's AsyncClient needs
aiohttp, which is not installed): open `0{...}`, CONNECT `40/_event,{"event": ...}`, events
`42/_event,["event", {...}]`, ping `2` / pong `3`, DISCONNECT `41/_event,`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from bench import Row

NAME = "memory"
PROJECT = Path(__file__).resolve().parent.parent
TTL_SECONDS = 5
CONCURRENCY = 25
WARMUP_TABS = 50
REDIS_URL = "redis://127.0.0.1:6379/15"
ROOT_STATE = "reflex___state____state"
NAMESPACE = "/_event"
PAGE = "/login"
MB = 1024 * 1024


# -- a browser tab over a raw websocket ------------------------------------------------------


class _Socket:
    """One Engine.IO websocket: text messages in and out, answering pings."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.ws = WSConnection(ConnectionType.CLIENT)
        self._parts: list[str] = []

    @classmethod
    async def open(cls, host: str, port: int, token: str) -> _Socket:
        reader, writer = await asyncio.open_connection(host, port)
        sock = cls(reader, writer)
        target = f"{NAMESPACE}/?EIO=4&transport=websocket&token={token}"
        writer.write(sock.ws.send(Request(host=f"{host}:{port}", target=target)))
        await writer.drain()
        if await sock._next() is not None:
            raise ConnectionError("expected the websocket handshake first")
        return sock

    async def _next(self) -> str | None:
        """The next complete text message, or None for the handshake's acceptance."""
        while True:
            for event in self.ws.events():
                if isinstance(event, AcceptConnection):
                    return None
                if isinstance(event, RejectConnection | CloseConnection):
                    raise ConnectionError(f"websocket closed by the server: {event!r}")
                if isinstance(event, Ping):
                    self.writer.write(self.ws.send(event.response()))
                elif isinstance(event, TextMessage):
                    self._parts.append(event.data)
                    if event.message_finished:
                        message, self._parts = "".join(self._parts), []
                        return message
            data = await self.reader.read(65536)
            if not data:
                raise ConnectionError("connection closed by the server")
            self.ws.receive_data(data)

    async def send(self, text: str) -> None:
        self.writer.write(self.ws.send(TextMessage(data=text)))
        await self.writer.drain()

    async def recv(self) -> str:
        while True:
            message = await self._next()
            if message == "2":  # Engine.IO ping
                await self.send("3")
            elif message is not None:
                return message

    async def close(self) -> None:
        try:
            await self.send(f"41{NAMESPACE},")
            self.writer.write(self.ws.send(CloseConnection(code=1000)))
            await self.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()


async def open_and_close_tab(host: str, port: int, path: str = PAGE) -> None:
    """First load of `path` in a new tab (new token, hydrate, on_load), then close the tab."""
    sock = await _Socket.open(host, port, str(uuid.uuid4()))
    try:
        opened = await sock.recv()
        if not opened.startswith("0"):
            raise ConnectionError(f"expected an Engine.IO open packet, got {opened[:80]!r}")
        boot = {
            "name": f"{ROOT_STATE}.hydrate_and_load",
            "payload": {},
            "router_data": {"pathname": path, "asPath": path},
        }
        await sock.send(f"40{NAMESPACE}," + json.dumps({"event": boot}))
        prefix = f"42{NAMESPACE},"
        while True:
            message = await sock.recv()
            if message.startswith(f"44{NAMESPACE}"):
                raise ConnectionError(f"connection refused: {message[:200]}")
            if not message.startswith(prefix):
                continue
            _name, data, *_ = json.loads(message[len(prefix) :])
            delta = data.get("delta") or {}
            if any(sub.get("is_hydrated_rx_state_") is True for sub in delta.values()):
                return
    finally:
        await sock.close()


async def _open_tabs(host: str, port: int, n: int, concurrency: int = CONCURRENCY) -> None:
    todo = iter(range(n))

    async def worker() -> None:
        for _ in todo:
            await asyncio.wait_for(open_and_close_tab(host, port), 30)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


# -- the server and its worker ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _worker_pid(root: int) -> int | None:
    """The backend worker: the deepest descendant of the server process (one worker is started)."""
    tree = _children()
    pid, depth, best = root, 0, (0, None)
    stack = [(root, 0)]
    while stack:
        pid, depth = stack.pop()
        kids = tree.get(pid, [])
        if not kids and depth > best[0]:
            best = (depth, pid)
        stack.extend((k, depth + 1) for k in kids)
    return best[1]


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for process {pid}")


def _wait_ready(port: int, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
                if r.status == 200:
                    return
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer /ping in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _redis_keys(url: str, flush: bool = False) -> int | None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        if flush:
            client.flushdb()
        n = int(client.dbsize())  # type: ignore[arg-type]
        client.close()
        return n
    except Exception:
        return None


def _prepare_database(url: str) -> None:
    from crm_app import db, migrations
    from crm_app.services import auth

    migrations.upgrade(url)
    with db.session(url) as s:  # one user, so /login shows the login form (no set-up redirect)
        auth.add_user(
            session=s,
            actor=None,
            name="Bench",
            email="bench@example.com",
            role="admin",
            password="bench-password-123",
        )
    db.dispose_engines()


def _settle(pid: int, seconds: float) -> int:
    """Wait `seconds`, then return the lowest RSS over a few more seconds (expiry runs in steps)."""
    time.sleep(seconds)
    lowest = rss_bytes(pid)
    for _ in range(6):
        time.sleep(0.5)
        lowest = min(lowest, rss_bytes(pid))
    return lowest


def measure(tabs: int, redis_url: str | None = None, ttl: int = TTL_SECONDS) -> dict:
    """Start the server, open and close `tabs` tabs, and return the figures (bytes, seconds)."""
    with tempfile.TemporaryDirectory(prefix="crm-bench-memory-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        _prepare_database(db_url)
        port = _free_port()
        env = {
            **os.environ,
            "REFLEX_DB_URL": db_url,
            "CRM_STATE_TTL_SECONDS": str(ttl),
            "GRANIAN_WORKERS": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "PATH": f"{PROJECT / '.tools/node_modules/.bin'}:{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        }
        env.pop("REFLEX_REDIS_URL", None)
        if redis_url:
            env["REFLEX_REDIS_URL"] = redis_url
            _redis_keys(redis_url, flush=True)
        log = Path(tmp) / "server.log"
        cmd = [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod", "--backend-only"]
        cmd += ["--backend-port", str(port), "--loglevel", "warning"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            _wait_ready(port, proc, log)
            pid = _worker_pid(proc.pid)
            if pid is None:
                raise RuntimeError("no backend worker process found")
            ready = rss_bytes(pid)
            asyncio.run(_open_tabs("127.0.0.1", port, WARMUP_TABS))
            start = _settle(pid, ttl + 3)
            keys_before = _redis_keys(redis_url) if redis_url else None

            peak = start
            done = False

            async def sample() -> None:
                nonlocal peak
                while not done:
                    peak = max(peak, rss_bytes(pid))
                    await asyncio.sleep(0.25)

            async def load() -> float:
                nonlocal done
                sampler = asyncio.create_task(sample())
                began = time.perf_counter()
                try:
                    await _open_tabs("127.0.0.1", port, tabs)
                finally:
                    done = True
                    await sampler
                return time.perf_counter() - began

            seconds = asyncio.run(load())
            peak = max(peak, rss_bytes(pid))
            keys_peak = _redis_keys(redis_url) if redis_url else None
            end = _settle(pid, ttl * 2 + 3)
            keys_after = _redis_keys(redis_url) if redis_url else None
            return {
                "seconds": seconds,
                "ready": ready,
                "start": start,
                "peak": peak,
                "end": end,
                "keys_before": keys_before,
                "keys_peak": keys_peak,
                "keys_after": keys_after,
            }
        finally:
            _stop(proc)
            if redis_url:
                _redis_keys(redis_url, flush=True)


def _row(case: str, tabs: int, m: dict) -> Row:
    note = (
        f"RSS start {m['start'] / MB:.0f} MB, peak {m['peak'] / MB:.0f} MB, end {m['end'] / MB:.0f} MB"
        f" (end - start {(m['end'] - m['start']) / MB:+.0f} MB; target <= +50 MB)"
    )
    if m["keys_before"] is not None:
        note += (
            f"; Redis keys: {m['keys_before']} before, {m['keys_peak']} after the last tab,"
            f" {m['keys_after']} after the TTL"
        )
    return Row(NAME, case, m["seconds"], tabs, note, unit="tabs")


def run(args) -> list[Row]:
    tabs = getattr(args, "tabs", None) or 5000
    rows = [_row(f"{tabs:,} tabs, TTL {TTL_SECONDS} s, state in worker memory", tabs, measure(tabs))]
    if _redis_keys(REDIS_URL) is not None:
        m = measure(tabs, redis_url=REDIS_URL)
        rows.append(_row(f"{tabs:,} tabs, TTL {TTL_SECONDS} s, Redis", tabs, m))
    else:
        print("bench_memory: no Redis on 127.0.0.1:6379, Redis case skipped", file=sys.stderr)
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tabs", type=int, default=5000)
    from bench import format_table

    print(format_table(run(parser.parse_args())))
