"""Shared fixtures: a migrated database per test, on SQLite always and PostgreSQL when reachable.

PostgreSQL gets its own database for the run (crm_test_<random>), dropped at the end. With
CRM_REQUIRE_SERVICES=1 (CI), an unreachable PostgreSQL or Redis fails the run instead of skipping.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

import crm_app.models  # noqa: F401 - registers every table on SQLModel.metadata
from crm_app import db, migrations

PG_ADMIN_URL = os.environ.get("CRM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("CRM_REQUIRE_SERVICES") == "1"


def _pg_reachable() -> str | None:
    try:
        eng = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


def unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CRM_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    db.dispose_engines()
    return str(path)


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    reason = _pg_reachable()
    if reason:
        unavailable(reason)
    name = f"crm_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrations.upgrade(url)
    yield url
    db.dispose_engines()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def empty_database(url: str) -> None:
    """Delete every row of every table (alembic_version stays: the database is migrated and empty,
    as `crm db upgrade` leaves it), ids starting again at 1. Safe while a server uses the database:
    its next transaction sees the empty tables. The settings stamp goes too (services.reference keeps
    nothing for this database until the next write to a table it watches)."""
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        assert path, url
        # sqlite3 itself: foreign keys off for this connection (lead <-> contact point at each other)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("BEGIN IMMEDIATE")
            for name in reversed(tables):
                conn.execute(f'DELETE FROM "{name}"')
            conn.execute("DELETE FROM settings_stamp")  # the triggers of the deletes above wrote it
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
                conn.execute("DELETE FROM sqlite_sequence")
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    names = ", ".join(f'"{name}"' for name in tables)
    with db.get_engine(url).begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("DELETE FROM settings_stamp"))  # the truncate's triggers wrote it


def row_counts(url: str) -> dict[str, int]:
    """Rows per table (tests check that a database is empty)."""
    with db.get_engine(url).connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch) -> Iterator[str]:
    """A migrated, empty database; REFLEX_DB_URL points at it for code that opens its own session."""
    if request.param == "sqlite":
        path = tmp_path / "crm.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database_url")
        empty_database(url)
    monkeypatch.setenv("REFLEX_DB_URL", url)
    yield url
    if request.param == "sqlite":
        engine = db._engines.pop(url, None)
        if engine is not None:
            engine.dispose()


@pytest.fixture
def session(db_url) -> Iterator[Session]:
    with db.session(db_url) as s:
        yield s


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc.__class__.__name__}")
    return REDIS_URL
