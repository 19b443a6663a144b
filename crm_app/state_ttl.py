"""How long the server keeps a browser tab's UI state after the tab's last event.

Reflex keeps one state tree per tab (in the worker's memory, on disk under `.web`, or in Redis when
REFLEX_REDIS_URL is set) and drops it once nothing has touched it for `redis_token_expiration`
seconds: every state manager (memory, disk, Redis) uses that one setting, and Redis keys get it as
their TTL. `rxconfig.py` sets it from CRM_STATE_TTL_SECONDS. A tab that comes back after that
(e.g. a laptop woken up the next day) reconnects and starts from a fresh state: it logs in again
from its session cookie and reloads the page's data, as on a first visit.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
import logging
import os
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rxconfig.py imports this module: Reflex's state machinery loads lazily
    from reflex.istate.manager import StateManager
    from reflex.state import BaseState

logger = logging.getLogger(__name__)

ENV_VAR = "CRM_STATE_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 3 * 60 * 60  # three hours


def state_ttl_seconds(environ: Mapping[str, str] | None = None) -> int:
    """CRM_STATE_TTL_SECONDS as a whole number of seconds (at least 1), or the three-hour default."""
    raw = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_TTL_SECONDS
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_VAR} must be a whole number of seconds, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{ENV_VAR} must be at least 1 second, got {value}")
    return value


# -- keeping the states of open tabs ------------------------------------------------------------
# Reflex expires a state by the time of its tab's last event, connected or not: a tab left open
# and idle for longer than the TTL would lose its state (its next click would run on a blank one).
# This lifespan task refreshes, a few times per TTL, the expiry of every tab that has a socket open
# on this worker, so only closed tabs expire. Each worker refreshes its own sockets.


def keepalive_interval(ttl: int) -> float:
    """Refresh three times per TTL (at most every 10 minutes), so an open tab never expires."""
    return max(1.0, min(ttl / 3, 600.0))


def connected_tokens(app: Any) -> set[str]:
    """Client tokens with a socket open on this worker."""
    namespace = app.event_namespace
    if namespace is None:
        return set()
    manager = namespace._token_manager
    return {
        token
        for token, record in list(manager.token_to_socket.items())
        if record.instance_id == manager.instance_id
    }


def _state_classes(root: type[BaseState]) -> list[type[BaseState]]:
    classes = [root]
    for sub in root.get_substates():
        classes.extend(_state_classes(sub))
    return classes


async def refresh_states(manager: StateManager, tokens: set[str], now: float | None = None) -> int:
    """Push back the expiry of the states of `tokens`; returns how many states were refreshed."""
    from reflex.istate.manager.disk import StateManagerDisk
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex.istate.manager.redis import StateManagerRedis
    from reflex.state import State

    if not tokens:
        return 0
    now = time.time() if now is None else now
    if isinstance(manager, StateManagerMemory):
        fresh = now + manager.token_expiration
        n = 0
        for key, (_expires_at, token) in list(manager._token_expires_at.items()):
            if token.ident in tokens:
                manager._token_expires_at[key] = (fresh, token)
                n += 1
        return n
    if isinstance(manager, StateManagerDisk):
        n = 0
        for key, (_touched, token) in list(manager._token_last_touched.items()):
            if token.ident in tokens:
                manager._token_last_touched[key] = (now, token)
                n += 1
        return n
    if isinstance(manager, StateManagerRedis):
        names = [cls.get_full_name() for cls in _state_classes(State)]
        pipe = manager.redis.pipeline(transaction=False)
        for ident in tokens:
            for name in names:
                pipe.expire(f"{ident}_{name}", manager.token_expiration)
        return sum(1 for ok in await pipe.execute() if ok)
    return 0


# -- giving expired states' memory back --------------------------------------------------------
# An expired tab's state tree is freed by reference counting, but the objects it held (SQLModel
# rows, dicts, strings) sit in many small heap chunks that glibc keeps for reuse, so the worker's
# RSS stays at its peak after a crowd of tabs has gone. Once states have expired, a full collection
# frees what cycles remain and `malloc_trim(0)` hands the free pages back to the system.


@functools.cache
def _malloc_trim() -> Any:
    """glibc's malloc_trim, or None on another C library or platform."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_memory() -> bool:
    """Collect garbage and return free heap pages to the system; True if the pages were trimmed."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def local_state_count(manager: Any) -> int | None:
    """How many tabs' states this worker holds in its own memory (None: they live in Redis)."""
    from reflex.istate.manager.disk import StateManagerDisk
    from reflex.istate.manager.memory import StateManagerMemory

    if isinstance(manager, StateManagerMemory | StateManagerDisk):
        return len(manager.states)
    return None


class ExpiryWatch:
    """Tells, from one look to the next, whether states held in this worker's memory expired."""

    def __init__(self) -> None:
        self.last: int | None = None

    def expired_since_last_look(self, count: int | None) -> bool:
        previous, self.last = self.last, count
        return count is not None and previous is not None and count < previous


async def keep_open_tabs(app: Any) -> None:
    """Lifespan task: refresh the states of this worker's open tabs until the app stops, and give
    the memory of expired states back to the system."""
    watch = ExpiryWatch()
    while True:
        try:
            manager = app.state_manager
            ttl = int(getattr(manager, "token_expiration", DEFAULT_TTL_SECONDS))
        except ValueError:  # the state manager is not set up yet
            await asyncio.sleep(1)
            continue
        await asyncio.sleep(keepalive_interval(ttl))
        try:
            await refresh_states(manager, connected_tokens(app))
        except Exception:  # never let a Redis hiccup end the task
            logger.exception("refreshing the states of open tabs failed")
        if watch.expired_since_last_look(local_state_count(manager)):
            release_memory()


# -- closed sockets' pending pings --------------------------------------------------------------
# Engine.IO (python-engineio 4.x, under Reflex's Socket.IO server) schedules each ping as a task
# that sleeps for the ping interval (25 s) and keeps a reference to its socket. When a tab closes,
# that sleeping task keeps the closed socket, its queue and its events alive for up to 25 s more:
# a worker that sees 150 tabs close per second holds ~4,000 dead sockets at any time, and the
# memory they fragment is not given back when they go. Cancelling the pending ping when the socket
# closes frees the socket at once.


def cancel_pings_of_closed_sockets() -> bool:
    """Make Engine.IO sockets cancel their pending ping when they close; True once installed."""
    from engineio.async_socket import AsyncSocket

    if getattr(AsyncSocket, "_crm_cancels_pings", False):
        return True
    if not all(hasattr(AsyncSocket, name) for name in ("schedule_ping", "_send_ping", "close")):
        logger.warning("Engine.IO sockets changed shape: closed sockets keep their pending ping")
        return False
    close = AsyncSocket.close

    def schedule_ping(self: Any) -> None:
        if self.last_ping:  # as Engine.IO does: only after the previous ping was answered
            self.last_ping = None
            self._crm_ping_task = self.server.start_background_task(self._send_ping)

    async def close_and_cancel_ping(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            await close(self, *args, **kwargs)
        finally:
            task = getattr(self, "_crm_ping_task", None)
            if task is not None and task is not asyncio.current_task() and not task.done():
                task.cancel()
            self._crm_ping_task = None

    AsyncSocket.schedule_ping = schedule_ping
    AsyncSocket.close = close_and_cancel_ping
    setattr(AsyncSocket, "_crm_cancels_pings", True)  # noqa: B010 (an attribute Engine.IO lacks)
    return True
