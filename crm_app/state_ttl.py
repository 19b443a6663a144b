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
import logging
import os
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


async def keep_open_tabs(app: Any) -> None:
    """Lifespan task: refresh the states of this worker's open tabs until the app stops."""
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
