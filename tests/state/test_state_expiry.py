"""Closed tabs' states expire after CRM_STATE_TTL_SECONDS; open tabs' states are kept (issue 7).

No sleeps and no timed assertions: deadlines are set in the past or the future by hand, and the
expiry routine the state manager runs in the background is called directly.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from types import SimpleNamespace

import pytest
import reflex as rx
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.utils.token_manager import SocketRecord

from crm_app import state_ttl


def test_ttl_setting_default_and_validation():
    assert state_ttl.state_ttl_seconds({}) == state_ttl.DEFAULT_TTL_SECONDS == 3 * 3600
    assert state_ttl.state_ttl_seconds({"CRM_STATE_TTL_SECONDS": " 90 "}) == 90
    for bad in ("0", "-5", "1.5", "soon"):
        with pytest.raises(ValueError, match="CRM_STATE_TTL_SECONDS"):
            state_ttl.state_ttl_seconds({"CRM_STATE_TTL_SECONDS": bad})
    assert state_ttl.keepalive_interval(9) == 3
    assert state_ttl.keepalive_interval(3 * 3600) == 600


def test_rxconfig_uses_the_ttl_for_every_state_manager(monkeypatch):
    import rxconfig

    monkeypatch.setenv("CRM_STATE_TTL_SECONDS", "123")
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    config = importlib.reload(rxconfig).config
    try:
        assert config.redis_token_expiration == 123  # Redis keys' TTL and the memory/disk expiry
        assert config.state_manager_mode == rx.constants.StateManagerMode.MEMORY
        monkeypatch.setenv("REFLEX_REDIS_URL", "redis://127.0.0.1:6379/15")
        config = importlib.reload(rxconfig).config
        assert "state_manager_mode" not in config._non_default_attributes  # Reflex picks Redis
    finally:
        monkeypatch.undo()
        importlib.reload(rxconfig)


def _token(ident: str) -> BaseStateToken:
    return BaseStateToken(ident=ident, cls=rx.State)


async def _manager_with(*idents: str) -> StateManagerMemory:
    manager = StateManagerMemory(token_expiration=3600)
    for ident in idents:
        async with manager.modify_state(_token(ident)):
            pass
    return manager


def _age(manager: StateManagerMemory, ident: str, seconds: float) -> None:
    """Pretend the tab's last event was `seconds` before its deadline was set."""
    expires_at, token = manager._token_expires_at[ident]
    manager._token_expires_at[ident] = (expires_at - seconds, token)


def test_expiry_drops_a_state_older_than_the_ttl_and_keeps_a_fresh_one():
    async def scenario():
        manager = await _manager_with("old-tab", "fresh-tab")
        try:
            _age(manager, "old-tab", 3601)  # last event an hour and a second ago, TTL 1 h
            _age(manager, "fresh-tab", 600)  # ten minutes ago
            manager._purge_expired_tokens()
            return set(manager.states), set(manager._token_expires_at), set(manager._states_locks)
        finally:
            await manager.close()

    states, deadlines, locks = asyncio.run(scenario())
    assert states == deadlines == locks == {"fresh-tab"}


def test_an_open_tab_is_refreshed_and_kept_a_closed_one_expires():
    async def scenario():
        manager = await _manager_with("open-tab", "closed-tab")
        try:
            _age(manager, "open-tab", 3601)
            _age(manager, "closed-tab", 3601)
            record = SocketRecord(instance_id="this-worker", sid="sid-1")
            token_manager = SimpleNamespace(
                instance_id="this-worker",
                token_to_socket={
                    "open-tab": record,
                    "elsewhere-tab": SocketRecord(instance_id="other-worker", sid="sid-2"),
                },
            )
            app = SimpleNamespace(event_namespace=SimpleNamespace(_token_manager=token_manager))
            open_tokens = state_ttl.connected_tokens(app)
            refreshed = await state_ttl.refresh_states(manager, open_tokens, now=time.time())
            manager._purge_expired_tokens()
            return open_tokens, refreshed, set(manager.states)
        finally:
            await manager.close()

    open_tokens, refreshed, states = asyncio.run(scenario())
    assert open_tokens == {"open-tab"}  # a socket on another worker is that worker's business
    assert refreshed == 1
    assert states == {"open-tab"}


def test_expiry_watch_tells_when_states_held_in_memory_went_down():
    watch = state_ttl.ExpiryWatch()
    assert watch.expired_since_last_look(3) is False  # first look: nothing to compare with
    assert watch.expired_since_last_look(5) is False  # more tabs
    assert watch.expired_since_last_look(2) is True  # three states expired
    assert watch.expired_since_last_look(2) is False
    assert watch.expired_since_last_look(None) is False  # states in Redis: nothing held here


def test_local_state_count_and_release_memory():
    async def scenario():
        manager = await _manager_with("tab-1", "tab-2")
        try:
            return state_ttl.local_state_count(manager)
        finally:
            await manager.close()

    assert asyncio.run(scenario()) == 2
    assert state_ttl.local_state_count(SimpleNamespace()) is None  # e.g. the Redis manager
    # glibc (Debian, the container) trims; another C library only collects garbage
    assert state_ttl.release_memory() is (state_ttl._malloc_trim() is not None)


def test_a_closed_socket_cancels_its_pending_ping():
    """Without this, a closed tab's socket lives 25 s more in a sleeping ping task (issue 7)."""
    import engineio
    from engineio.async_socket import AsyncSocket

    assert state_ttl.cancel_pings_of_closed_sockets() is True
    assert state_ttl.cancel_pings_of_closed_sockets() is True  # installing twice is harmless

    async def scenario():
        server = engineio.AsyncServer(async_mode="asgi", ping_interval=25)
        sock = AsyncSocket(server, "sid-1")
        server.sockets["sid-1"] = sock
        sock.schedule_ping()  # as after a pong: the next ping sleeps 25 s
        ping = sock._crm_ping_task
        assert ping is not None and not ping.done()
        await sock.close(wait=False, abort=True)
        await asyncio.sleep(0)
        return ping, sock

    ping, sock = asyncio.run(scenario())
    assert ping.cancelled()
    assert sock.closed and sock._crm_ping_task is None
