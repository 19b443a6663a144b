"""Bulk seeding: `seed_bulk` (SQLAlchemy Core) against a raw sqlite3 executemany of the same rows.

Each case starts from its own fresh, migrated SQLite file with the same settings and user, and
inserts N leads plus their e-mail and phone (3 rows per lead). The raw case inserts exactly the rows
`bulk_seed.lead_rows` generates (checked afterwards by comparing both tables), so the ratio is the cost
of SQLAlchemy's Core layer and our batching. The real `crm seed --leads N` runs as a subprocess
(interpreter start and imports included).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import Row
from crm_app import db, migrations
from crm_app.models import Communication, Lead
from crm_app.models.base import Fixed, UTCDateTime, utcnow
from crm_app.services import bulk_seed

NAME = "seed"


def _fresh_db(directory: str, name: str, now: datetime) -> tuple[str, str]:
    """A migrated SQLite file with the default settings and one user. Returns (url, path)."""
    path = str(Path(directory) / name)
    url = f"sqlite:///{path}"
    migrations.upgrade(url)
    with db.session(url) as s:
        bulk_seed.prepare_bulk(session=s, now=now)
        s.commit()
    return url, path


def _converter(column: sa.Column) -> Callable[[Any], Any] | None:
    """What SQLAlchemy's column type does to a value on SQLite, done by hand (None: nothing)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return lambda v: v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(kind, sa.Enum):
        return lambda v: v.value if isinstance(v, Enum) else v
    if isinstance(kind, Fixed):
        return kind.to_units
    if isinstance(kind, sa.JSON):
        return json.dumps
    if isinstance(kind, sa.Date):
        return date.isoformat
    return None


def _to_tuples(table: sa.Table, columns: list[str], rows: Iterable[dict]) -> Iterator[list[Any]]:
    """Rows as plain value lists, converting only the columns whose type needs it."""
    fixes = [(i, f) for i, name in enumerate(columns) if (f := _converter(table.c[name])) is not None]
    for row in rows:
        values = list(row.values())
        for i, fix in fixes:
            if values[i] is not None:
                values[i] = fix(values[i])
        yield values


def _connect(path: str) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    return con


def _raw_insert(path: str, items: list[tuple[dict, list[dict]]]) -> None:
    """Leads and their communications with two sqlite3 executemany calls in one transaction."""
    lead_cols = list(items[0][0])
    comm_cols = [*items[0][1][0], "entity_id"]
    con = _connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        first_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM lead").fetchone()[0]
        con.executemany(
            f"INSERT INTO lead ({', '.join(lead_cols)}) VALUES ({', '.join('?' * len(lead_cols))})",
            _to_tuples(Lead.__table__, lead_cols, (row for row, _comms in items)),
        )
        comms = (
            {**comm, "entity_id": lead_id}
            for lead_id, (_row, comms) in enumerate(items, start=first_id)
            for comm in comms
        )
        con.executemany(
            f"INSERT INTO communication ({', '.join(comm_cols)}) VALUES ({', '.join('?' * len(comm_cols))})",
            _to_tuples(Communication.__table__, comm_cols, comms),
        )
        con.commit()
    finally:
        con.close()


def _table_digest(path: str, table: str) -> tuple[int, str]:
    con = _connect(path)
    try:
        digest = hashlib.sha256()
        count = 0
        for row in con.execute(f"SELECT * FROM {table} ORDER BY id"):
            digest.update(repr(row).encode())
            count += 1
        return count, digest.hexdigest()
    finally:
        con.close()


def _crm_command() -> list[str]:
    script = Path(sys.executable).with_name("crm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "crm_app.cli"]


def run(args) -> list[Row]:
    n, random_seed = args.leads, args.random_seed
    rows_note = f"{3 * n:,} rows: lead + e-mail + phone"
    bulk_seed.name_pools(random_seed)  # faker pools are cached: build them before any timing
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        now = utcnow()
        seed_url, seed_path = _fresh_db(tmp, "seed.db", now)
        raw_url, raw_path = _fresh_db(tmp, "raw.db", now)
        cli_url, _cli_path = _fresh_db(tmp, "cli.db", now)
        with db.session(raw_url) as s:
            ctx = bulk_seed.prepare_bulk(session=s, now=now)
        db.dispose_engines()  # no SQLAlchemy connection stays open on the files

        started = time.perf_counter()
        with db.session(seed_url) as s:
            bulk_seed.seed_bulk(session=s, leads=n, random_seed=random_seed, now=now)
        t_seed = time.perf_counter() - started
        db.dispose_engines()

        started = time.perf_counter()
        items = list(bulk_seed.lead_rows(ctx, n, random_seed=random_seed))
        t_gen = time.perf_counter() - started
        started = time.perf_counter()
        _raw_insert(raw_path, items)
        t_raw = time.perf_counter() - started
        del items

        for table in ("lead", "communication"):
            if _table_digest(seed_path, table) != _table_digest(raw_path, table):
                raise RuntimeError(f"seed_bulk and the raw insert wrote different {table} rows")

        started = time.perf_counter()
        proc = subprocess.run(
            [*_crm_command(), "seed", "--leads", str(n), "--random-seed", str(random_seed)],
            env={**os.environ, "REFLEX_DB_URL": cli_url},
            capture_output=True,
            text=True,
            check=False,
        )
        t_cli = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"crm seed failed ({proc.returncode}): {proc.stderr.strip()}")

    baseline = t_gen + t_raw
    rows = [
        Row(NAME, "generate rows (Python, no DB)", t_gen, n, "bulk_seed.lead_rows"),
        Row(NAME, "raw sqlite3 executemany", t_raw, n, f"same rows as seed_bulk; {rows_note}"),
        Row(NAME, "baseline: generate + raw insert", baseline, n, "ratio 1.00"),
        Row(
            NAME,
            "seed_bulk (SQLAlchemy Core)",
            t_seed,
            n,
            f"ratio {t_seed / baseline:.2f} (x{t_seed / t_raw:.2f} the raw insert alone)",
        ),
        Row(NAME, f"`crm seed --leads {n}` subprocess", t_cli, n, f"ratio {t_cli / baseline:.2f}"),
    ]
    for row in rows:
        row.unit = "leads"
    return rows
