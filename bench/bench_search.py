"""The lead list at scale (issue 7): the first page, every sort and the search, through the service
against the raw SQL of the same statements, on SQLite and PostgreSQL, with each statement's plan.

For each case the service call that /leads makes (`leads.browse_leads`: a keyset page of 20 open
leads and its capped total)
is timed, the SQL statements it ran are captured, and the same statements with the same
parameters are timed again on the driver's own connection (sqlite3 / psycopg): the ratio is
the cost of our layers. Each statement's plan is printed; a plan that reads the whole `lead`
table (SQLite "SCAN lead" without an index, PostgreSQL "Seq Scan on lead") fails the bench.

The seeded databases are kept between runs (SQLite files under data/bench/, PostgreSQL databases
named crm_bench_<leads>_<seed>_<revision>): `--leads 1000000` seeds once. `--databases sqlite`
skips PostgreSQL (skipped anyway when it does not answer).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import event

from bench import Row
from crm_app import db, migrations
from crm_app.models import User
from crm_app.services import bulk_seed, leads

NAME = "lead list"
REPEAT = 15
PAGE = 20
PG_ADMIN = os.environ.get("CRM_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CACHE = Path(__file__).resolve().parent.parent / "data" / "bench"
SEARCHES = ["mar", "martin", "garcia", "mar dup", "zzq", "06 12", "example.com"]


def _revision() -> str:
    head = ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()
    return str(head)


def _seed(url: str, n: int, random_seed: int) -> None:
    migrations.upgrade(url)
    with db.session(url) as s:
        bulk_seed.seed_bulk(
            session=s, leads=n, contacts=0, companies=0, deals=0, activities=0, random_seed=random_seed
        )


def _sqlite_db(n: int, random_seed: int) -> str:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"leads-{n}-{random_seed}-{_revision()}.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        print(
            f"  seeding {n:,} leads into {path.name} (kept for the next runs) ...",
            file=sys.stderr,
            flush=True,
        )
        _seed(f"sqlite:///{tmp}", n, random_seed)
        db.dispose_engines()
        tmp.rename(path)
    return f"sqlite:///{path}"


def _pg_db(n: int, random_seed: int) -> str | None:
    name = f"crm_bench_{n}_{random_seed}_{_revision()}"
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}_tmp"'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}_tmp"'))
    except sa.exc.OperationalError:
        print("  PostgreSQL does not answer: skipped", file=sys.stderr)
        return None
    url = sa.engine.make_url(PG_ADMIN)
    if not exists:
        print(f"  seeding {n:,} leads into PostgreSQL {name} (kept) ...", file=sys.stderr, flush=True)
        tmp_url = url.set(database=f"{name}_tmp").render_as_string(hide_password=False)
        _seed(tmp_url, n, random_seed)
        with db.get_engine(tmp_url).connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        db.dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}_tmp" RENAME TO "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _median(fn: Callable[[], Any]) -> float:
    fn()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _full_scan(kind: str, plan: list[str]) -> bool:
    """Whether the plan reads the whole `lead` table. SQLite's "SCAN lead" alone is the table read in
    id order, which a LIMIT stops early unless the rows must be sorted afterwards."""
    if kind == "sqlite":
        scan = any(re.match(r"\s*SCAN lead(\s|$)", line) and " USING " not in line for line in plan)
        return scan and any("TEMP B-TREE FOR ORDER BY" in line for line in plan)
    return any(re.search(r"Seq Scan on lead(\s|$)", line) for line in plan)


class _Capture:
    """The statements a call runs (without the permission matrix read, cached in real use)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, Any]] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._add)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._add)

    def _add(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if "FROM role_permission" not in statement:
            self.seen.append((statement, parameters))


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = [("first page, newest open leads", {})]
    for key in leads.SORT_COLUMNS:
        if key != "created_at":
            cases.append((f"sort by {key}", {"sort": key}))
    cases.append(("next page, by name ascending", {"sort": "name", "descending": False, "next": True}))
    cases.append(("last page, newest first", {"last": True}))
    cases.append(("last page, by status", {"sort": "status", "last": True}))
    for text in SEARCHES:
        cases.append((f"search {text!r}", {"text": text}))
    cases.append(("search 'mar' + a status", {"text": "mar", "status": True}))
    # not in creation order: the newest SEARCH_CAP matches, sorted (search_index.LeadMatch)
    cases.append(("search 'garcia', by name", {"text": "garcia", "sort": "name"}))
    return cases


@contextlib.contextmanager
def _transaction(raw):
    """One transaction on the driver's connection (psycopg's is in autocommit; sqlite3 opens its
    own on the first write, and a SELECT needs none)."""
    if hasattr(raw, "transaction"):
        with raw.transaction():
            yield
    else:
        yield


def _run_db(kind: str, url: str, n: int) -> list[Row]:
    rows: list[Row] = []
    engine = db.get_engine(url)
    raw = sqlite3.connect(sa.engine.make_url(url).database or "") if kind == "sqlite" else None
    if raw is None:
        import psycopg

        pg_url = sa.engine.make_url(url).set(drivername="postgresql")
        raw = psycopg.connect(
            pg_url.render_as_string(hide_password=False),
            options="-c plan_cache_mode=force_custom_plan",
            autocommit=True,
        )
    with db.session(url) as s:
        user = s.get(User, s.exec(sa.select(User.id).order_by(User.id)).first()[0])  # type: ignore[index]
        assert user is not None
        status_id = leads.lead_statuses(s)[1].id
        for label, spec in _cases():
            filters = leads.LeadFilters(
                text=spec.get("text", ""),
                result="open",
                status_ids=[status_id] if spec.get("status") and status_id else [],
            )

            def browse(spec=spec, filters=filters, after=""):
                return leads.browse_leads(
                    session=s,
                    user=user,
                    filters=filters,
                    sort=spec.get("sort", "created_at"),
                    descending=spec.get("descending", True),
                    after=after,
                    last=spec.get("last", False),
                    page_size=PAGE,
                )

            after = browse().last if spec.get("next") else ""

            def call(browse=browse, after=after):
                return browse(after=after)

            result = call()
            with _Capture(engine) as capture:
                call()
            statements = capture.seen
            t_service = _median(call)

            def raw_call(statements=statements):
                with _transaction(raw):  # as the service's (SET LOCAL lasts to its end)
                    cur = raw.cursor()
                    for sql, params in statements:
                        cur.execute(sql, params)
                        if cur.description is not None:
                            cur.fetchall()

            t_raw = _median(raw_call)
            scans = False
            print(f"\n[{kind} {n:,}] {label}", flush=True)
            with _transaction(raw):
                for sql, params in statements:
                    cur = raw.cursor()
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        cur.execute(sql, params)  # a planner setting (search_index._pg_newest)
                        print(f"    -- {sql}", flush=True)
                        continue
                    if kind == "sqlite":
                        cur.execute("EXPLAIN QUERY PLAN " + sql, params)
                        plan = [r[3] for r in cur.fetchall()]
                    else:
                        cur.execute("EXPLAIN " + sql, params)
                        plan = [r[0] for r in cur.fetchall()]
                    scans = scans or _full_scan(kind, plan)
                    print("\n".join("    " + line for line in plan), flush=True)
            total = f"{result.total:,}{'+' if result.total_is_capped else ''}"
            note = f"ratio {t_service / t_raw:.2f} (raw {t_raw * 1000:.1f} ms), total {total}"
            rows.append(
                Row(
                    NAME,
                    f"{kind} {n:,}: {label}",
                    t_service,
                    len(result.rows),
                    note + (", FULL SCAN of lead" if scans else ""),
                    failed=scans,
                )
            )
    raw.close()
    db.dispose_engines()
    return rows


def run(args) -> list[Row]:
    n = args.leads
    kinds = [k.strip() for k in getattr(args, "databases", "sqlite,postgresql").split(",") if k.strip()]
    rows: list[Row] = []
    for kind in kinds:
        url = _sqlite_db(n, args.random_seed) if kind == "sqlite" else _pg_db(n, args.random_seed)
        if url:
            rows += _run_db(kind, url, n)
    return rows
