"""`@db_event`: a handler's database work runs in a database thread, never on the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import contextmanager

import pytest

from crm_app import db
from crm_app.services import auth
from crm_app.state import offload
from crm_app.state.lead_card import LeadCardState
from crm_app.state.offload import db_event, in_thread, is_db_event
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate


def _logged_in_guard(root, db_url) -> SessionState:
    with db.session(db_url) as s:
        create_user(s, email="sam@example.com", name="Sam")
        _user, token = auth.login(session=s, email="sam@example.com", password=PASSWORD)
    guard = substate(root, SessionState)
    sign_in(guard, token)
    return guard


@pytest.fixture(autouse=True)
def threads_on(monkeypatch):
    """These tests are about the threads: on, whatever the database (SQLite has none by default)."""
    monkeypatch.setenv("CRM_DB_THREADS", "on")


@pytest.fixture
def session_threads(monkeypatch):
    """Records the thread of every `db.session()` the state opens."""
    threads: list[int] = []
    real = db.session

    @contextmanager
    def spy(url=None):
        threads.append(threading.get_ident())
        with real(url) as s:
            yield s

    monkeypatch.setattr(db, "session", spy)
    return threads


def test_a_handlers_database_work_runs_off_the_event_loop_thread(root, db_url, session_threads):
    guard = _logged_in_guard(root, db_url)
    session_threads.clear()  # the log-in above ran here, in the test's thread
    handler = SessionState.check_login
    assert is_db_event(handler.fn) and handler._is_coroutine_function  # Reflex awaits it

    async def run_on_loop():
        return threading.get_ident(), await handler.fn(guard)

    loop_thread, events = asyncio.run(run_on_loop())
    assert events is None and guard.user_name == "Sam"
    assert session_threads and loop_thread not in session_threads
    assert threading.main_thread().ident not in session_threads
    # the state's changes made in the thread are tracked for the delta as usual
    assert {"user_id", "user_name", "user_email"} <= guard.dirty_vars


def test_two_tabs_wait_for_the_database_at_the_same_time(root, db_url, monkeypatch):
    """Both handlers are inside their database work together: the loop did not run them in turn."""
    guard = _logged_in_guard(root, db_url)
    other = substate(type(root)(_reflex_internal_init=True), SessionState)
    sign_in(other, guard._token())
    both_inside = threading.Barrier(2, timeout=10)
    real = db.session

    @contextmanager
    def meeting(url=None):
        both_inside.wait()  # BrokenBarrierError unless the other handler is in a session too
        with real(url) as s:
            yield s

    monkeypatch.setattr(db, "session", meeting)

    async def two_tabs():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        tick_task = asyncio.create_task(ticker())
        results = await asyncio.gather(SessionState.check_login.fn(guard), SessionState.check_login.fn(other))
        tick_task.cancel()
        return results, ticks

    results, ticks = asyncio.run(two_tabs())
    assert results == [None, None] and guard.user_name == other.user_name == "Sam"
    assert ticks > 0  # the loop kept running while the handlers waited


def test_arguments_are_still_converted_from_the_handlers_type_hints():
    from reflex_base.event.processor.base_state_processor import _prepare_event_payload

    handler = LeadCardState.move_to
    assert list(handler.get_parameters()) == ["self", "status_id"]
    assert _prepare_event_payload(handler, {"status_id": "7"}) == {"status_id": 7}


def test_a_cancelled_event_waits_for_its_thread_before_giving_up_the_state():
    release, finished = threading.Event(), threading.Event()

    def work():
        release.wait(5)
        time.sleep(0.05)
        finished.set()

    async def cancel_it():
        task = asyncio.create_task(in_thread(work))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done()  # still waiting for the thread
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return finished.is_set()

    assert asyncio.run(cancel_it())


def test_generator_handlers_step_in_the_thread_and_async_ones_are_refused():
    threads: list[int] = []

    def steps(_state):
        threads.append(threading.get_ident())
        yield "first"
        threads.append(threading.get_ident())
        return "last"

    steps.__qualname__ = "SomeState.steps"
    wrapped = db_event(steps)
    assert is_db_event(wrapped)

    async def run():
        return threading.get_ident(), [e async for e in wrapped(None)]  # pyright: ignore[reportCallIssue]

    loop_thread, events = asyncio.run(run())
    assert events == ["first", "last"] and len(threads) == 2 and loop_thread not in threads

    async def already_async(_state):
        return None

    with pytest.raises(TypeError, match="in_thread"):
        db_event(already_async)


def test_the_database_threads_are_as_many_as_the_connection_pool(monkeypatch):
    monkeypatch.setenv("CRM_DB_POOL_SIZE", "3")
    monkeypatch.setenv("CRM_DB_MAX_OVERFLOW", "4")
    monkeypatch.setattr(offload, "_executor", None)
    pool = offload.executor()
    try:
        assert pool._max_workers == 7
    finally:
        pool.shutdown(wait=False)


def test_call_runs_db_events_to_their_end(root, db_url):
    guard = _logged_in_guard(root, db_url)
    assert call(guard, SessionState.check_login) is None and guard.user_name == "Sam"


def test_by_default_threads_on_postgresql_and_none_on_sqlite(root, db_url, session_threads, monkeypatch):
    monkeypatch.delenv("CRM_DB_THREADS")
    guard = _logged_in_guard(root, db_url)
    session_threads.clear()

    async def run_on_loop():
        return threading.get_ident(), await SessionState.check_login.fn(guard)

    loop_thread, _events = asyncio.run(run_on_loop())
    assert guard.user_name == "Sam" and session_threads
    if db_url.startswith("sqlite"):
        assert session_threads == [loop_thread] * len(session_threads)
    else:
        assert loop_thread not in session_threads
    monkeypatch.setenv("CRM_DB_THREADS", "off")
    assert not offload.threads_on()
    monkeypatch.setenv("CRM_DB_THREADS", "on")
    assert offload.threads_on()
