"""Batched inserts with SQLAlchemy Core: the CSV import and the bulk generator write through these."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import insert, text
from sqlalchemy import select as sa_select

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_returning_ids(conn, table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their ids in the order of `rows`.

    RETURNING in parameter order is slow in SQLAlchemy (row by row on SQLite, a sorted
    INSERT ... SELECT on PostgreSQL, 3-4x a plain executemany), so ids come another way.
    """
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        # ids reserved from the column's sequence: unique even with concurrent writers
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar_one()
        ids = list(
            conn.execute(
                text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
                {"seq": seq, "n": len(rows)},
            ).scalars()
        )
        conn.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
        return ids
    # SQLite gives each row max(id) + 1 while this transaction holds the single write lock,
    # so our rows are the last len(rows) ids.
    conn.execute(insert(table), rows)
    last = conn.execute(sa_select(table.c.id).order_by(table.c.id.desc()).limit(len(rows))).scalars()
    return list(reversed(list(last)))
