"""The leads list through the service vs the raw SQL for the same rows (issue 3 target: <= 2x).

On a fresh SQLite database with N bulk-seeded leads: the first page of open leads as /leads opens (20 rows, newest first, with
the capped total and each row's first e-mail and phone), and a filtered search (a name fragment and a
status). The baseline runs the same SQL with the sqlite3 module in the same process.
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
from crm_app.services import bulk_seed, leads

NAME = "leads list"
REPEAT = 30
PAGE = 20
SELECT = """
SELECT lead.id, lead.title, lead.first_name, lead.last_name, lead.company_name, lead.amount,
       lead.currency_code, lead.result, lead.created_at, stage.name, stage.color, source.name, user.name,
       (SELECT normalized FROM communication WHERE entity_type = 'lead' AND entity_id = lead.id
        AND kind = 'email' ORDER BY is_primary DESC, id LIMIT 1),
       (SELECT normalized FROM communication WHERE entity_type = 'lead' AND entity_id = lead.id
        AND kind = 'phone' ORDER BY is_primary DESC, id LIMIT 1)
FROM lead JOIN stage ON stage.id = lead.status_id
LEFT OUTER JOIN source ON source.id = lead.source_id
LEFT OUTER JOIN user ON user.id = lead.responsible_id
WHERE lead.deleted_at IS NULL {where}
ORDER BY lead.created_at DESC, lead.id DESC LIMIT ? OFFSET 0
"""
COUNT = "SELECT count(*) FROM (SELECT lead.id FROM lead WHERE lead.deleted_at IS NULL {where} LIMIT 10001)"
OPEN_WHERE = "AND lead.result IS NULL"
TEXT_WHERE = (
    "AND (lower(lead.first_name) LIKE ? ESCAPE '\\' OR lower(lead.last_name) LIKE ? ESCAPE '\\'"
    " OR lower(lead.company_name) LIKE ? ESCAPE '\\' OR lower(lead.title) LIKE ? ESCAPE '\\'"
    " OR lead.id IN (SELECT entity_id FROM communication WHERE entity_type = 'lead' AND kind = 'email'"
    " AND normalized LIKE ? ESCAPE '\\')) AND lead.status_id IN (?)"
)


def _raw(conn: sqlite3.Connection, where: str, params: list) -> int:
    rows = conn.execute(SELECT.format(where=where), [*params, PAGE]).fetchall()
    conn.execute(COUNT.format(where=where), params).fetchone()
    return len(rows)


def _median_time(fn) -> float:
    fn()  # warm up caches (SQLite pages, SQLAlchemy's compiled statements)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(args) -> list[Row]:
    n = args.leads
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        with db.session(url) as s:
            bulk_seed.seed_bulk(
                session=s,
                leads=n,
                contacts=0,
                companies=0,
                deals=0,
                activities=0,
                random_seed=args.random_seed,
            )
            user = s.exec(User.__table__.select()).first()
            user = s.get(User, user.id)
            status = leads.lead_statuses(s)[1]
            word = "mar"
            filters = leads.LeadFilters(text=word, status_ids=[status.id], result="open")

            opened = leads.LeadFilters(result="open")  # what /leads shows first

            def service_first():
                return leads.search_leads(session=s, user=user, filters=opened, page_size=PAGE)

            def service_search():
                return leads.search_leads(session=s, user=user, filters=filters, page_size=PAGE)

            t_service_first = _median_time(service_first)
            t_service_search = _median_time(service_search)
            found = len(service_search().rows)
        db.dispose_engines()
        conn = sqlite3.connect(path)
        pattern = f"%{word}%"
        t_raw_first = _median_time(lambda: _raw(conn, OPEN_WHERE, []))
        t_raw_search = _median_time(
            lambda: _raw(conn, TEXT_WHERE + " " + OPEN_WHERE, [pattern] * 5 + [status.id])
        )
        raw_found = _raw(conn, TEXT_WHERE + " " + OPEN_WHERE, [pattern] * 5 + [status.id])
        conn.close()
    assert found == raw_found, (found, raw_found)
    return [
        Row(NAME, f"first page, raw SQL ({n:,} leads)", t_raw_first, PAGE, "baseline", unit="rows"),
        Row(
            NAME,
            "first page, leads.search_leads",
            t_service_first,
            PAGE,
            f"ratio {t_service_first / t_raw_first:.2f}",
        ),
        Row(NAME, "search 'mar' + status, raw SQL", t_raw_search, found, "baseline"),
        Row(
            NAME,
            "search 'mar' + status, service",
            t_service_search,
            found,
            f"ratio {t_service_search / t_raw_search:.2f}",
        ),
    ]
