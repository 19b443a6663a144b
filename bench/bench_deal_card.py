"""A deal with 200 product rows: its totals (one query) and the whole card, server time (SQLite).

On a fresh SQLite database: one deal with 200 rows (every kind of discount and tax). Measured: the
rows and totals (`deal_products.lines_and_totals`, one SELECT), against the raw sqlite3 SELECT of
the same rows as the baseline, and the card's view model (`deal_card.card`, what /deals/<id>
reads). The issue's target: the card under 100 ms.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event

from bench import Row
from crm_app import db, migrations
from crm_app.models import DealProduct, DiscountType, User
from crm_app.services import deal_card, deal_products, records
from crm_app.services.bulk_seed import seed_bulk

NAME = "deal card"
REPEAT = 30
ROWS = 200
RAW = "SELECT * FROM deal_product WHERE deal_id = ? ORDER BY sort, id"


def _median(fn) -> float:
    fn()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(args) -> list[Row]:
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deal.db"
        url = f"sqlite:///{path}"
        migrations.upgrade(url)
        with db.session(url) as s:
            seed_bulk(session=s, leads=0, contacts=10, companies=5, deals=0, activities=0, random_seed=0)
            first = s.exec(User.__table__.select()).first()
            user = s.get(User, first.id)
            deal = records.create_deal(session=s, user=user, data={"title": "Big order"})
            for i in range(ROWS):
                s.add(
                    DealProduct(
                        deal_id=deal.id,
                        name=f"Item {i}",
                        quantity=Decimal(i % 7 + 1) / 3,
                        unit_price=Decimal("19.99") + i,
                        discount_type=DiscountType.PERCENT if i % 2 else DiscountType.AMOUNT,
                        discount_value=Decimal(i % 15),
                        tax_rate=Decimal("20") if i % 3 else Decimal("5.5"),
                        tax_included=bool(i % 4 == 0),
                        sort=i,
                    )
                )
            s.commit()
            queries: list[str] = []
            engine = s.get_bind()

            def count(*_a, **_k):
                queries.append("q")

            event.listen(engine, "before_cursor_execute", count)
            lines, totals = deal_products.lines_and_totals(s, deal.id)
            n_queries = len(queries)
            event.remove(engine, "before_cursor_execute", count)
            t_totals = _median(lambda: deal_products.lines_and_totals(s, deal.id))
            t_card = _median(lambda: deal_card.card(session=s, user=user, deal_id=deal.id))
            deal_id = deal.id
        db.dispose_engines()
        conn = sqlite3.connect(path)
        t_raw = _median(lambda: conn.execute(RAW, [deal_id]).fetchall())
        conn.close()
    out.append(Row(NAME, f"{ROWS} product rows, raw SELECT", t_raw, ROWS, "baseline"))
    out.append(
        Row(
            NAME,
            f"{ROWS} rows and totals (total {totals.total})",
            t_totals,
            len(lines),
            f"{n_queries} query, ratio {t_totals / t_raw:.1f}",
            failed=n_queries != 1,
        )
    )
    out.append(
        Row(
            NAME, "the card (deal_card.card)", t_card, 1, "target < 100 ms", unit="cards", failed=t_card > 0.1
        )
    )
    return out
