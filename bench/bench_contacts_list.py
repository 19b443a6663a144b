"""The contacts list through the service vs the raw SQL for the same rows (SQLite).

On a fresh SQLite database with `--contacts` bulk-seeded contacts (default 100,000) and a fifth as
many companies: the first page as /contacts opens it (20 rows, newest first, with the primary
company, e-mail and phone, and the capped total), the page sorted by name, and two searches (a
name fragment, phone digits) with their capped count. The baseline runs the same SQL with the
sqlite3 module in the same process (for a search: the same LIKE over the stored columns, no index,
so the ratio says what the FTS5 index gains). The bench fails if a plan scans the whole contact table
for the first page or a sort.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench import Row
from crm_app import db, migrations
from crm_app.models import User
from crm_app.services import bulk_seed, parties

NAME = "contacts list"
REPEAT = 30
PAGE = 20
SELECT = """
SELECT contact.id, contact.sort_name, contact.position,
       (SELECT company.name FROM company JOIN contact_company ON contact_company.company_id = company.id
        WHERE contact_company.contact_id = contact.id AND contact_company.is_primary = 1
        AND company.deleted_at IS NULL LIMIT 1),
       source.name, user.name, contact.primary_email, contact.primary_phone, contact.created_at,
       contact.first_name, contact.second_name, contact.last_name
FROM contact LEFT OUTER JOIN source ON source.id = contact.source_id
LEFT OUTER JOIN user ON user.id = contact.responsible_id
WHERE contact.deleted_at IS NULL {where}
ORDER BY {order} LIMIT ?
"""
COUNT = "SELECT count(*) FROM (SELECT contact.id FROM contact WHERE contact.deleted_at IS NULL {where} LIMIT {cap})"
NEWEST = "contact.created_at DESC, contact.id DESC"
BY_NAME = "contact.sort_name ASC, contact.id ASC"


def _raw(conn: sqlite3.Connection, where: str, order: str, params: list) -> int:
    rows = conn.execute(SELECT.format(where=where, order=order), [*params, PAGE + 1]).fetchall()
    cap = 501 if where else 10_001  # a search counts up to 500 ("500+"), a list up to 10,000
    conn.execute(COUNT.format(where=where, cap=cap), params).fetchone()
    return min(len(rows), PAGE)


def _median_time(fn) -> float:
    fn()  # warm up caches (SQLite pages, SQLAlchemy's compiled statements)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _scans(conn: sqlite3.Connection, order: str) -> bool:
    plan = conn.execute("EXPLAIN QUERY PLAN " + SELECT.format(where="", order=order), [PAGE]).fetchall()
    return any("SCAN contact" in str(step[-1]) and "INDEX" not in str(step[-1]) for step in plan)


def run(args) -> list[Row]:
    n = getattr(args, "contacts", 100_000)
    cases = {
        "first page": (parties.PartyFilters(), "created_at", True, "", NEWEST, []),
        "sorted by name": (parties.PartyFilters(), "name", False, "", BY_NAME, []),
        "search 'mar'": (
            parties.PartyFilters(text="mar"),
            "created_at",
            True,
            "AND contact.search_text LIKE ? ESCAPE '\\'",
            NEWEST,
            ["%mar%"],
        ),
        "search '06 1'": (
            parties.PartyFilters(text="06 1"),
            "created_at",
            True,
            "AND (contact.search_text LIKE ? ESCAPE '\\' OR contact.search_phones LIKE ? ESCAPE '\\')",
            NEWEST,
            ["% 06%", "%061%"],
        ),
    }
    service: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        with db.session(url) as s:
            bulk_seed.seed_bulk(
                session=s,
                leads=0,
                contacts=n,
                companies=max(1, n // 5),
                deals=0,
                activities=0,
                random_seed=args.random_seed,
            )
            first = s.exec(User.__table__.select()).first()
            user = s.get(User, first.id)
            for case, (filters, sort, desc, _w, _o, _p) in cases.items():

                def read(filters=filters, sort=sort, desc=desc):
                    return parties.browse(
                        parties.CONTACTS,
                        session=s,
                        user=user,
                        filters=filters,
                        sort=sort,
                        descending=desc,
                        page_size=PAGE,
                    )

                service[case] = (_median_time(read), len(read().rows))
        db.dispose_engines()
        conn = sqlite3.connect(path)
        rows: list[Row] = []
        for case, (_f, _s, _d, where, order, params) in cases.items():
            t_raw = _median_time(
                lambda where=where, order=order, params=params: _raw(conn, where, order, params)
            )
            t_service, found = service[case]
            raw = "raw SQL" if not where else "raw SQL, LIKE without an index"
            rows.append(Row(NAME, f"{case}, {raw} ({n:,} contacts)", t_raw, found, "baseline"))
            rows.append(
                Row(NAME, f"{case}, parties.browse", t_service, found, f"ratio {t_service / t_raw:.2f}")
            )
        for order, label in ((NEWEST, "newest first"), (BY_NAME, "by name")):
            if _scans(conn, order):
                rows.append(Row(NAME, f"plan {label}", 0.0, 0, "scans the contact table", failed=True))
        conn.close()
    return rows
