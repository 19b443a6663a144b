"""The deals kanban: a column of a pipeline with 50,000 deals in one stage, through the service vs
the raw SQL for the same rows (SQLite).

On a fresh SQLite database with 100,000 contacts, 20,000 companies and 200,000 deals from
`crm seed`'s bulk seeder, 50,000 of the default pipeline's deals are put in its first stage. Timed:
the column as the board loads it (its first 20 cards with customer and responsible, and the
count and sum of every column of the pipeline: `deal_board.cards` + the sums), against the same
two statements run with the sqlite3 module in the same process. The bench fails if a plan scans
the deal table.
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
from crm_app.services import bulk_seed, deal_board, pipelines, stages

NAME = "deal board"
REPEAT = 30
IN_STAGE = 50_000
CARDS = """
SELECT deal.id, deal.version, deal.title, deal.amount, deal.currency_code,
  coalesce((SELECT company.name FROM company WHERE company.id = deal.company_id),
           (SELECT trim(contact.first_name || ' ' || contact.last_name) FROM contact WHERE contact.id = deal.contact_id)),
  user.name, deal.responsible_id
FROM deal LEFT OUTER JOIN user ON user.id = deal.responsible_id
WHERE deal.stage_id = ? AND deal.deleted_at IS NULL ORDER BY deal.id DESC LIMIT 21
"""
SUMS = """
SELECT deal.stage_id, deal.currency_code, count(*), sum(deal.amount) FROM deal
WHERE deal.stage_id IN ({marks}) AND deal.deleted_at IS NULL GROUP BY deal.stage_id, deal.currency_code
"""


def _median(fn) -> float:
    fn()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(args) -> list[Row]:
    n_deals = 200_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deals.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        with db.session(url) as s:
            bulk_seed.seed_bulk(
                session=s, contacts=100_000, companies=20_000, deals=n_deals, random_seed=args.random_seed
            )
            pipeline = pipelines.default_pipeline(s)
            stage_ids = [st.id for st in stages.ordered(s, pipeline.id)]
            first = stage_ids[0]
            s.connection().exec_driver_sql(
                "UPDATE deal SET stage_id = ?, pipeline_id = ? WHERE id IN "
                "(SELECT id FROM deal WHERE pipeline_id = ? ORDER BY id LIMIT ?)",
                (first, pipeline.id, pipeline.id, IN_STAGE),
            )
            s.commit()
            s.connection().exec_driver_sql("ANALYZE")
            in_first = (
                s.connection()
                .exec_driver_sql("SELECT count(*) FROM deal WHERE stage_id = ?", (first,))
                .scalar()
            )
            user = s.get(User, s.exec(User.__table__.select()).first().id)

            def column():
                page, _more = deal_board.cards(session=s, user=user, stage_id=first)
                sums = s.connection().execute(deal_board._sums_stmt(s, user, stage_ids)).all()
                return len(page), sums

            found, _ = column()
            t_service = _median(column)
            t_board = _median(lambda: deal_board.board(session=s, user=user, pipeline_id=pipeline.id))
        db.dispose_engines()
        conn = sqlite3.connect(path)
        marks = ",".join("?" * len(stage_ids))

        def raw():
            rows = conn.execute(CARDS, [first]).fetchall()
            conn.execute(SUMS.format(marks=marks), stage_ids).fetchall()
            return rows

        t_raw = _median(raw)
        plans = [
            " ".join(str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + CARDS, [first])),
            " ".join(
                str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + SUMS.format(marks=marks), stage_ids)
            ),
        ]
        conn.close()
    rows = [
        Row(
            NAME,
            f"column of {in_first:,} deals (of {n_deals:,}): 20 cards + sums, raw SQL",
            t_raw,
            found,
            "baseline",
        ),
        Row(NAME, "the same through deal_board", t_service, found, f"ratio {t_service / t_raw:.2f}"),
        Row(NAME, f"whole board ({len(stage_ids)} columns)", t_board, len(stage_ids), "", unit="columns"),
    ]
    for plan in plans:
        if "SCAN deal" in plan and "USING" not in plan.split("SCAN deal", 1)[1][:40]:
            rows.append(Row(NAME, "plan", 0.0, 0, f"scans the deal table: {plan}", failed=True))
    return rows
