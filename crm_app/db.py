"""The one place that builds the database engine (app, REST API, `crm` command and tests).

SQLite (the default, `data/crm.db`) gets WAL, synchronous=NORMAL, a busy timeout and foreign
keys on every connection; PostgreSQL (REFLEX_DB_URL=postgresql+psycopg://...) gets a bounded pool and a custom plan for each
execution.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

import crm_app.services.uow  # noqa: F401 - registers the change-event listeners on every Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "crm.db"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url() -> str:
    """REFLEX_DB_URL when set, else the embedded SQLite file."""
    return os.environ.get("REFLEX_DB_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def pool_limits() -> tuple[int, int]:
    """(pool_size, max_overflow) of a PostgreSQL engine: CRM_DB_POOL_SIZE / CRM_DB_MAX_OVERFLOW.

    The event handlers' database threads (`crm_app.state.offload`) are as many as their sum, so a
    thread never waits for a connection the pool cannot give.
    """
    return int(os.environ.get("CRM_DB_POOL_SIZE", "5")), int(os.environ.get("CRM_DB_MAX_OVERFLOW", "5"))


def make_engine(url: str) -> Engine:
    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, pool_pre_ping=True
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    pool_size, max_overflow = pool_limits()
    return sa.create_engine(
        url,
        # psycopg prepares a statement run five times; PostgreSQL would then plan it once for any
        # values ("generic plan"), blind to how many rows a search or a LIMIT selects: plan each
        # execution for its own values (the statement stays prepared: parsing is still saved)
        connect_args={"options": "-c plan_cache_mode=force_custom_plan"},
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=10,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def get_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """A unit of work: commits are explicit, rolled back on error, closed at the end."""
    with Session(get_engine(url), expire_on_commit=False) as s:
        try:
            yield s
        except BaseException:
            s.rollback()
            raise
