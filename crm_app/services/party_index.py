"""The search and sort columns of contacts and companies, kept by the write path.

Each contact and company keeps, like a lead (services/search_index), a folded search document
(`search_text`: names and e-mails, accents and case removed), its phones as digits
(`search_phones`), its primary e-mail and phone and the folded name its list sorts by
(`sort_name`). `uow` collects at flush the contacts and companies whose names, e-mails or phones
changed, whoever wrote them (a form, a conversion, a merge, the demo data) and `refresh` rebuilds
their columns before the commit, in the same transaction. The bulk seed fills them with the rows.

The list search has the lead list's matching rules (`search_index.parse`): every word in the
document (a word of two characters at the start of a word), or a phone with those digits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from crm_app.models.crm import SORT_NAME_LENGTH
from crm_app.services import display
from crm_app.services.search_index import (
    SEARCH_CAP,
    Query,
    _needle,
    document,
    fold,
    fts_query,
    like_pattern,
    parse,
    phone_document,
)

TABLES = ("contact", "company")
# what a contact's or company's search document and sort name are made of, besides its e-mails
# and phones
SEARCHED: dict[str, tuple[str, ...]] = {
    "contact": ("first_name", "second_name", "last_name", "position"),
    "company": ("name", "industry", "website"),
}
_BATCH = 500


def contact_columns(
    *,
    first_name: str = "",
    second_name: str = "",
    last_name: str = "",
    position: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
) -> dict[str, str]:
    """The search and sort columns of a contact from its values (e-mails and phones primary first)."""
    name = display.person_name(first_name, last_name, second_name)
    return {
        "search_text": document((first_name, second_name, last_name, position, *emails)),
        **_shared(name, emails, phones),
    }


def company_columns(
    *,
    name: str = "",
    industry: str = "",
    website: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
) -> dict[str, str]:
    """The search and sort columns of a company from its values."""
    return {"search_text": document((name, industry, website, *emails)), **_shared(name, emails, phones)}


def _shared(name: str, emails: Sequence[str], phones: Sequence[str]) -> dict[str, str]:
    return {
        "search_phones": phone_document(phones)[:1000],
        "primary_email": (emails[0] if emails else "")[:255],
        "primary_phone": (phones[0] if phones else "")[:50],
        "sort_name": fold(name)[:SORT_NAME_LENGTH],
    }


class PartyMatch(ColumnElement[Any]):
    """`WHERE` the contact or company matches the query: on SQLite, one of the newest `cap + 1`
    matches its FTS5 trigram table gives (`contact_fts`, `company_fts`, kept by triggers); on
    PostgreSQL, LIKE over the columns, which their pg_trgm GIN indexes serve."""

    inherit_cache = True
    # the compiled SQL and its binds depend on the table and the query only
    _traverse_internals = [("_key", InternalTraversal.dp_string)]
    type = sa.types.NullType()  # not Boolean: SQLite would compare the IN (...) with 1

    def __init__(self, table: Any, name: str, query: Query, cap: int) -> None:
        self.table, self.name, self.query, self.cap = table, name, query, cap
        self._key = f"{name}|{cap}|{query.phone}|{'|'.join(query.words)}"

    def condition(self, dialect: str):
        if self.query.too_short:
            return sa.false()
        if dialect == "sqlite":
            fts = sa.table(f"{self.name}_fts", sa.column("rowid"))
            matched = (
                sa.select(fts.c.rowid)
                .where(
                    sa.literal_column(f"{self.name}_fts").op("MATCH")(
                        sa.bindparam(None, fts_query(self.query), unique=True)
                    )
                )
                .order_by(fts.c.rowid.desc())
                .limit(self.cap + 1)
            )
            return self.table.id.in_(matched)
        parts = []
        if self.query.words:
            parts.append(
                sa.and_(
                    *[
                        self.table.search_text.like(like_pattern(_needle(w)), escape="\\")
                        for w in self.query.words
                    ]
                )
            )
        if self.query.phone:
            parts.append(self.table.search_phones.like(like_pattern(self.query.phone), escape="\\"))
        return sa.or_(*parts).self_group()  # in parentheses: the list ANDs it with its filters


@compiles(PartyMatch)
def _compile_match(element: PartyMatch, compiler, **kw):
    return compiler.process(element.condition(compiler.dialect.name), **kw)


def matching(model, text: str | None, cap: int = SEARCH_CAP):
    """The WHERE condition of a contact or company search (`model`: Contact or Company); nothing
    matches a query that is too short."""
    table = sa.inspect(model).local_table
    return PartyMatch(table.c, table.name, parse(text), cap)


# --- the index itself (migrations, alembic/env.py) --------------------------------------------


def _sqlite_ddl(t: str) -> tuple[str, ...]:
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {t}_fts USING fts5("
        f"search_text, search_phones, content='{t}', content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {t}_fts_ai AFTER INSERT ON {t} BEGIN"  # noqa: S608 - t: one of TABLES
        f" INSERT INTO {t}_fts(rowid, search_text, search_phones)"
        " VALUES (new.id, new.search_text, new.search_phones); END",
        f"CREATE TRIGGER IF NOT EXISTS {t}_fts_ad AFTER DELETE ON {t} BEGIN"  # noqa: S608 - t: one of TABLES
        f" INSERT INTO {t}_fts({t}_fts, rowid, search_text, search_phones)"
        " VALUES ('delete', old.id, old.search_text, old.search_phones); END",
        f"CREATE TRIGGER IF NOT EXISTS {t}_fts_au AFTER UPDATE OF search_text, search_phones ON {t}"  # noqa: S608 - t: one of TABLES
        f" BEGIN INSERT INTO {t}_fts({t}_fts, rowid, search_text, search_phones)"
        " VALUES ('delete', old.id, old.search_text, old.search_phones);"
        f" INSERT INTO {t}_fts(rowid, search_text, search_phones)"
        " VALUES (new.id, new.search_text, new.search_phones); END",
    )


def _pg_ddl(t: str) -> tuple[str, ...]:
    return (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX IF NOT EXISTS {t}_search_text_trgm ON {t} USING gin (search_text gin_trgm_ops)",
        f"CREATE INDEX IF NOT EXISTS {t}_search_phones_trgm ON {t} USING gin (search_phones gin_trgm_ops)",
    )


def is_index_object(name: str | None) -> bool:
    """Objects of these indexes that the models do not declare (Alembic's comparison skips them)."""
    return bool(name) and any(
        str(name).startswith(f"{t}_fts") or str(name).startswith(f"{t}_search_") for t in TABLES
    )


def install(conn: sa.Connection) -> None:
    """Create the indexes if they are missing (idempotent). On SQLite, when a table's triggers
    were missing (new, or dropped by a table rebuild), its index is rebuilt from the table."""
    for t in TABLES:
        if conn.dialect.name == "sqlite":
            present = set(
                conn.exec_driver_sql(
                    f"SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '{t}_fts_%'"  # noqa: S608 - t: one of TABLES
                ).scalars()
            )
            for statement in _sqlite_ddl(t):
                conn.exec_driver_sql(statement)
            if present != {f"{t}_fts_ai", f"{t}_fts_ad", f"{t}_fts_au"}:
                conn.exec_driver_sql(f"INSERT INTO {t}_fts({t}_fts) VALUES ('rebuild')")  # noqa: S608 - t: one of TABLES
        elif conn.dialect.name == "postgresql":
            for statement in _pg_ddl(t):
                conn.exec_driver_sql(statement)


def refresh(conn: sa.Connection, table_name: str, ids: Iterable[int]) -> int:
    """Rebuild the search and sort columns of these contacts or companies from their rows (Core:
    one read per batch, one executemany); `updated_at` and `version` stay as they are."""
    from crm_app.models import CommKind, Communication, Company, Contact, EntityType
    from crm_app.models.base import table_of

    model, entity = (
        (Contact, EntityType.CONTACT) if table_name == "contact" else (Company, EntityType.COMPANY)
    )
    table = table_of(model)
    comm = table_of(Communication)
    fields = SEARCHED[table_name]
    build = contact_columns if table_name == "contact" else company_columns
    wanted = sorted({int(i) for i in ids if i})
    done = 0
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        rows = conn.execute(
            sa.select(table.c.id, *[table.c[f] for f in fields]).where(table.c.id.in_(chunk))
        ).all()
        comms: dict[int, dict[str, list[str]]] = {i: {"emails": [], "phones": []} for i in chunk}
        for entity_id, kind, normalized in conn.execute(
            sa.select(comm.c.entity_id, comm.c.kind, comm.c.normalized)
            .where(comm.c.entity_type == entity, comm.c.entity_id.in_(chunk))
            .order_by(comm.c.is_primary.desc(), comm.c.id)
        ):
            key = "emails" if kind == CommKind.EMAIL else "phones" if kind == CommKind.PHONE else None
            if key:
                comms[entity_id][key].append(normalized)
        values = []
        for row in rows:
            texts: dict[str, str] = {f: v or "" for f, v in zip(fields, row[1:], strict=True)}
            emails, phones = comms[row[0]]["emails"], comms[row[0]]["phones"]
            values.append({"b_id": row[0], **build(**texts, emails=emails, phones=phones)})
        if values:
            written = [k for k in values[0] if k != "b_id"]
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("b_id"))
                .values({**{k: sa.bindparam(k) for k in written}, "updated_at": table.c.updated_at}),
                values,
            )
        done += len(values)
    return done


def rebuild_all(conn: sa.Connection, table_name: str) -> int:
    """Every row's columns (the migration that adds them, `crm db reindex`)."""
    table = sa.table(table_name, sa.column("id"))
    total, last = 0, 0
    while True:
        ids = list(
            conn.execute(
                sa.select(table.c.id).where(table.c.id > last).order_by(table.c.id).limit(_BATCH * 10)
            ).scalars()
        )
        if not ids:
            return total
        total += refresh(conn, table_name, ids)
        last = ids[-1]
