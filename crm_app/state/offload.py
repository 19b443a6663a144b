"""Database work off the event loop: `@db_event` on every handler that opens a session.

Reflex calls a sync handler right on the event loop, so a handler waiting for the database holds
up every other tab of the worker. `@db_event` (used instead of `@rx.event`) makes the handler an
async one that runs its body in a worker thread and awaits it; the loop serves the other tabs
meanwhile. The threads are as many as the engine's connections (`db.pool_limits()`: pool size +
overflow), so a handler never waits in the thread for a connection, and more events queue here,
on the loop side, without blocking it.

Safe because Reflex holds the tab's state lock for the whole event: no other event of that tab
touches the state while the thread changes it, and the delta is computed on the loop once the
thread is done (assignments from the thread mark the vars dirty as usual). The thread runs in a
copy of the event's context (`contextvars`). A cancelled event (a newer page load superseding it,
a closed tab) waits for its thread before letting the cancellation through: the thread cannot be
stopped, and the lock must not be released while it still changes the state.

Async handlers keep `@rx.event` and run their sync database parts with `await in_thread(...)`.

On SQLite the handlers run on the loop itself (`CRM_DB_THREADS`, default `auto`: threads on
PostgreSQL, none on SQLite; `on` / `off` force it). SQLite is in the process: a query is CPU work
like the rest of the handler, never a wait on the network, and the threads only add handovers of
the interpreter lock between them and the loop: measured with `python -m bench --only load`
(20 clients opening /leads), one worker served 99 opens/s inline against 62 with the threads
(70 with one thread). Long work keeps its thread on both databases (`in_thread`: the import).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple, cast

import reflex as rx

from crm_app import db

if TYPE_CHECKING:
    from reflex.event import EventCallback
    from reflex.state import BaseState

T = TypeVar("T")
S = TypeVar("S", bound="BaseState")
P = TypeVarTuple("P")

DB_EVENT_MARKER = "_crm_db_event"

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """The one pool of database threads of this process, made on first use."""
    global _executor
    with _executor_lock:
        if _executor is None:
            pool_size, max_overflow = db.pool_limits()
            _executor = ThreadPoolExecutor(
                max_workers=max(1, pool_size + max_overflow), thread_name_prefix="crm-db"
            )
        return _executor


async def in_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a database thread, in a copy of the current context.

    If the awaiting task is cancelled, waits for `fn` to finish before raising CancelledError.
    """
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()

    def call() -> T:
        return context.run(fn, *args, **kwargs)

    future = loop.run_in_executor(executor(), call)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            try:
                await asyncio.shield(future)
            except asyncio.CancelledError:
                continue
            except BaseException:
                break
        raise


def threads_on() -> bool:
    """Whether `@db_event` handlers run in the database threads (CRM_DB_THREADS, see above)."""
    mode = os.environ.get("CRM_DB_THREADS", "auto").strip().lower()
    if mode in ("on", "1", "true", "yes"):
        return True
    if mode in ("off", "0", "false", "no"):
        return False
    return not db.database_url().startswith("sqlite")


def _step(gen: Any) -> tuple[bool, Any]:
    """One step of a sync generator: (finished, the yielded value or the returned one)."""
    try:
        return False, next(gen)
    except StopIteration as stop:
        return True, stop.value


def db_event(fn: Callable[[S, *P], Any]) -> EventCallback[*P]:
    """`@rx.event` for a sync handler (or sync generator) that uses the database: its body runs
    in a database thread (see the module's docstring). The signature and the type hints Reflex
    reads to convert the browser's arguments stay those of `fn` (`functools.wraps`)."""
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        raise TypeError(
            f"{fn.__qualname__} is async: keep @rx.event and `await in_thread(...)` its database work"
        )
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        async def run_generator(state: Any, *args: Any, **kwargs: Any):
            threaded = threads_on()
            body = cast("Callable[..., Any]", fn)
            gen = await in_thread(body, state, *args, **kwargs) if threaded else body(state, *args, **kwargs)
            while True:
                finished, value = await in_thread(_step, gen) if threaded else _step(gen)
                if finished:
                    if value is not None:
                        yield value
                    return
                yield value  # the loop sends the delta so far, and these events

        wrapper: Callable[..., Any] = run_generator
    else:

        @functools.wraps(fn)
        async def run(state: Any, *args: Any, **kwargs: Any) -> Any:
            body = cast("Callable[..., Any]", fn)
            if not threads_on():
                return body(state, *args, **kwargs)
            return await in_thread(body, state, *args, **kwargs)

        wrapper = run
    setattr(wrapper, DB_EVENT_MARKER, True)
    return cast("EventCallback[*P]", rx.event(wrapper))


def is_db_event(fn: Any) -> bool:
    """Whether `fn` (an event handler's `.fn`) was made by `db_event`."""
    return bool(getattr(fn, DB_EVENT_MARKER, False))
