"""Change events, told to whoever listens: in this process, or through Redis to every worker.

The unit of work publishes a list of ChangeEvent after each commit (never on rollback). Live
counters and lists subscribe to them. With one process an in-process list of callbacks is
enough; with several workers (REFLEX_REDIS_URL set) each event goes through Redis pub/sub on
CHANNEL as JSON, so every worker's subscribers hear it, the publisher's own included.

    def on_change(events: list[ChangeEvent]) -> None: ...
    notifier.subscribe(on_change)

A callback runs in the committing thread (in-process) or in the listener thread (Redis): keep
it short and hand real work (recounting, touching Reflex state) to a queue or task of its own,
never inline (see the design note on live updates: that can deadlock on a state lock).
`entity_id` 0 means "several rows of this entity" (a big batch such as an import).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHANNEL = "crm:changes"


@dataclass(frozen=True)
class ChangeEvent:
    """`entity` (e.g. "lead") row `entity_id` changed; `users` are the ids it concerns."""

    entity: str
    entity_id: int
    users: frozenset[int] = frozenset()

    def as_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "id": self.entity_id, "users": sorted(self.users)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeEvent:
        return cls(str(data["entity"]), int(data["id"]), frozenset(int(u) for u in data.get("users", ())))


Callback = Callable[[list[ChangeEvent]], None]


def encode(events: Iterable[ChangeEvent]) -> str:
    return json.dumps({"events": [e.as_json() for e in events]})


def decode(payload: str | bytes) -> list[ChangeEvent]:
    return [ChangeEvent.from_json(e) for e in json.loads(payload)["events"]]


class Notifier(Protocol):
    def publish(self, events: list[ChangeEvent]) -> None: ...
    def subscribe(self, callback: Callback) -> None: ...
    def unsubscribe(self, callback: Callback) -> None: ...
    def close(self) -> None: ...


class _Callbacks:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callback] = []

    def add(self, callback: Callback) -> int:
        with self._lock:
            self._callbacks.append(callback)
            return len(self._callbacks)

    def remove(self, callback: Callback) -> int:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
            return len(self._callbacks)

    def call(self, events: list[ChangeEvent]) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(events)
            except Exception:  # one broken listener must not stop the others, nor the writer
                log.exception("change listener %r failed", callback)


class InProcessNotifier:
    """One worker: subscribers are called in the publishing thread, right after the commit."""

    def __init__(self) -> None:
        self._callbacks = _Callbacks()

    def publish(self, events: list[ChangeEvent]) -> None:
        if events:
            self._callbacks.call(list(events))

    def subscribe(self, callback: Callback) -> None:
        self._callbacks.add(callback)

    def unsubscribe(self, callback: Callback) -> None:
        self._callbacks.remove(callback)

    def close(self) -> None:
        pass


class RedisNotifier:
    """Several workers: one JSON message per commit on CHANNEL; a thread per process listens."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        import redis

        self.channel = channel
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=3)
        self._callbacks = _Callbacks()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def publish(self, events: list[ChangeEvent]) -> None:
        if not events:
            return
        try:
            self._redis.publish(self.channel, encode(events))
        except Exception:  # the commit is done: a Redis outage costs a live refresh, not the write
            log.exception("could not publish %d change event(s) to Redis", len(events))

    def subscribe(self, callback: Callback) -> None:
        self._callbacks.add(callback)
        with self._lock:
            if self._thread is None:
                self._start()

    def unsubscribe(self, callback: Callback) -> None:
        self._callbacks.remove(callback)

    def _start(self) -> None:
        pubsub = self._redis.pubsub()
        pubsub.subscribe(self.channel)
        # wait for Redis to confirm, so an event published once subscribe() returns is heard
        while True:
            message = pubsub.get_message(timeout=3)
            if message is None:
                raise TimeoutError(f"Redis did not confirm the subscription to {self.channel}")
            if message["type"] == "subscribe":
                break
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, args=(pubsub,), name="crm-notifier", daemon=True)
        self._thread.start()

    def _listen(self, pubsub) -> None:
        try:
            while not self._stop.is_set():
                try:
                    message = pubsub.get_message(timeout=0.5)
                except Exception:
                    log.exception("Redis change listener lost its connection")
                    self._stop.wait(1)
                    continue
                if message is None or message["type"] != "message":
                    continue
                try:
                    events = decode(message["data"])
                except (ValueError, KeyError, TypeError):
                    log.warning("ignored a malformed change message on %s", self.channel)
                    continue
                self._callbacks.call(events)
        finally:
            pubsub.close()

    def close(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self._redis.close()


_default: Notifier | None = None
_default_lock = threading.Lock()


def get_notifier() -> Notifier:
    """The process's notifier: Redis when REFLEX_REDIS_URL is set, else in-process."""
    global _default
    with _default_lock:
        if _default is None:
            url = os.environ.get("REFLEX_REDIS_URL")
            _default = RedisNotifier(url) if url else InProcessNotifier()
        return _default


def reset() -> None:
    """Forget the process's notifier (tests, or after REFLEX_REDIS_URL changed)."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = None


def publish(events: list[ChangeEvent]) -> None:
    get_notifier().publish(events)


def subscribe(callback: Callback) -> None:
    get_notifier().subscribe(callback)


def unsubscribe(callback: Callback) -> None:
    get_notifier().unsubscribe(callback)
