"""The search index of leads: substring search that reads an index on SQLite and PostgreSQL.

Each lead keeps a folded search document (`lead.search_text`: names, company, title and e-mails,
accents and case removed, words separated by single spaces, one space before and after) and its
phones as digits (`lead.search_phones`). An index serves substring search over them:

- SQLite: the FTS5 table `lead_fts` with the trigram tokenizer, an external-content index of
  those two columns, kept by triggers on `lead` (so in the same transaction as the write);
- PostgreSQL: the narrow table `lead_search` (id and the two columns, kept by triggers on
  `lead`, so in the same transaction as the write) with `pg_trgm` GIN indexes, used by
  `LIKE '%…%'`. Narrow, so that the planner's two ways (read the newest ids and filter, or the
  trigram index and a recheck) both read few pages: the wide `lead` rows made the first one cost
  16 ms for a word in 2 % of 100,000 leads, where the narrow table's index takes 4 ms.

The write path fills the two columns: `create_leads` and the bulk seed compute them with the
row; every ORM change of a lead's names or of its e-mails and phones (update, merge, conversion,
demo data) is caught at flush by `uow` and the documents of those leads are rebuilt before the
commit (`refresh`). The primary e-mail and phone (`lead.primary_email`, `lead.primary_phone`)
and the folded display name (`lead.sort_name`) are kept the same way, for the list's sort.

The matching rules are the list's since the start: every word of the query is in a name, the
company, the title or an e-mail, accents and case ignored; or, when the query looks like a phone
number, a phone with those digits ("06 12-34" finds +33612345678). A word of three characters or
more is found anywhere; a word of two characters at the start of a word ("ma" finds "Marie",
not "Emma"); a word of one character, or of punctuation only, is left out (if nothing is left,
`parse` says the query is too short and nothing is searched).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from crm_app.models.crm import SORT_NAME_LENGTH
from crm_app.services.display import lead_name
from crm_app.services.phones import digits

MAX_QUERY = 200
MAX_WORDS = 8
MIN_WORD = 2
MIN_PHONE = 3
PHONE_LIKE = re.compile(r"^[\d\s().+\-/]+$")
FTS_TABLE = "lead_fts"
PG_TABLE = "lead_search"
SEARCH_CAP = 500  # matches a search reads at most (the newest): see LeadMatch
_BATCH = 500


def fold(text: str | None) -> str:
    """Lower case without accents: "Élodie" -> "elodie" (what the index stores and searches)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def document(parts: Iterable[str | None]) -> str:
    """The folded words of `parts`, single spaces between them and around them ("" if none)."""
    words = [w for p in parts if p for w in fold(p).split()]
    return f" {' '.join(words)} " if words else ""


def phone_document(phones: Iterable[str]) -> str:
    numbers = [d for d in (digits(p) for p in phones) if d]
    return f" {' '.join(numbers)} " if numbers else ""


def lead_columns(
    *,
    first_name: str = "",
    last_name: str = "",
    company_name: str = "",
    title: str = "",
    second_name: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
) -> dict[str, str]:
    """The search columns of a lead from its values (e-mails and phones normalised, primary first)."""
    return {
        "search_text": document((first_name, last_name, company_name, title, *emails)),
        "search_phones": phone_document(phones)[:1000],
        "primary_email": (emails[0] if emails else "")[:255],
        "primary_phone": (phones[0] if phones else "")[:50],
        # what the list's Name column sorts by: the name it shows (services/display), folded
        "sort_name": fold(
            lead_name(
                first_name=first_name,
                second_name=second_name,
                last_name=last_name,
                company_name=company_name,
                title=title,
            )
        )[:SORT_NAME_LENGTH],
    }


# --- the query --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...]  # folded; each of MIN_WORD characters or more, with a letter or digit
    phone: str = ""  # the digits to find in a phone ("" when the text does not look like one)

    @property
    def too_short(self) -> bool:
        return not self.words and not self.phone


def parse(text: str | None) -> Query:
    text = (text or "").strip()[:MAX_QUERY]
    words = tuple(
        w
        for w in (fold(w) for w in text.split()[:MAX_WORDS])
        if len(w) >= MIN_WORD and any(c.isalnum() for c in w)
    )
    phone = ""
    number = digits(text)
    if PHONE_LIKE.match(text) and len(number) >= MIN_PHONE:
        phone = number.lstrip("0") or number
        if len(phone) < MIN_PHONE:
            phone = number
    return Query(words, phone)


def too_short(text: str | None) -> bool:
    """True when `text` holds nothing to search for (see the module's rules)."""
    return bool((text or "").strip()) and parse(text).too_short


def _needle(word: str) -> str:
    """What the document must contain: a short word at the start of a word."""
    return f" {word}" if len(word) < 3 else word


def like_pattern(needle: str) -> str:
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_query(query: Query) -> str:
    """The FTS5 MATCH expression of `query` (every needle a quoted phrase: no FTS5 syntax leaks)."""

    def phrase(needle: str) -> str:
        return '"' + needle.replace('"', '""') + '"'

    parts = []
    if query.words:
        parts.append("search_text : (" + " AND ".join(phrase(_needle(w)) for w in query.words) + ")")
    if query.phone:
        parts.append("search_phones : " + phrase(query.phone))
    return " OR ".join(parts)


class LeadMatch(ColumnElement[Any]):
    """`WHERE` the lead is one of the newest SEARCH_CAP leads that match the query: FTS5 on
    SQLite, LIKE over pg_trgm elsewhere.

    The matches are read newest id first and at most SEARCH_CAP of them, so a page and its count
    cost the same for a query that matches ten leads or a hundred thousand; past the cap the list
    says "500+" and sorts the newest matches (ids grow with the creation time).
    """

    inherit_cache = True
    # the compiled SQL and its binds depend on the query only: one cache entry per query text
    _traverse_internals = [("_key", InternalTraversal.dp_string)]
    type = sa.types.NullType()  # not Boolean: SQLite would compare the IN (...) with 1

    def __init__(self, table: Any, query: Query, cap: int) -> None:
        self.table = table
        self.query = query
        self.cap = cap
        self._key = f"{cap}|{query.phone}|{'|'.join(query.words)}"

    def like_where(self):
        """The LIKE condition over `lead_search` (None: nothing to search)."""
        t = _pg_table()
        parts = []
        if self.query.words:
            parts.append(
                sa.and_(
                    *[
                        t.c.search_text.like(_inline(like_pattern(_needle(w))), escape="\\")
                        for w in self.query.words
                    ]
                )
            )
        if self.query.phone:
            parts.append(t.c.search_phones.like(_inline(like_pattern(self.query.phone)), escape="\\"))
        return sa.or_(*parts) if parts else None

    def like_matched(self):
        """The ids of the newest matches, LIKE over `lead_search` (None: nothing to search)."""
        where = self.like_where()
        if where is None:
            return None
        t = _pg_table()
        return sa.select(t.c.id).where(where).order_by(t.c.id.desc()).limit(self.cap + 1)

    def fts_matched(self):
        """The ids of the newest matches, FTS5 (None: nothing to search)."""
        if self.query.too_short:
            return None
        fts = sa.table(FTS_TABLE, sa.column("rowid"))
        return (
            sa.select(fts.c.rowid)
            .where(
                sa.literal_column(FTS_TABLE).op("MATCH")(
                    sa.bindparam(None, fts_query(self.query), unique=True)
                )
            )
            .order_by(fts.c.rowid.desc())
            .limit(self.cap + 1)
        )

    def matched(self, dialect: str):
        return self.fts_matched() if dialect == "sqlite" else self.like_matched()

    def condition(self, dialect: str):
        matched = self.matched(dialect)
        return sa.false() if matched is None else self.table.id.in_(matched)


_PG_SEARCH = sa.table(PG_TABLE, sa.column("id"), sa.column("search_text"), sa.column("search_phones"))


def _pg_table():
    return _PG_SEARCH


def _inline(pattern: str):
    """A LIKE pattern written into the SQL (quoted by the driver's dialect), not a parameter: a
    prepared statement's generic plan cannot know how many leads a pattern matches, and would
    scan the newest ids for a word that no lead has."""
    return sa.bindparam(None, pattern, type_=sa.String(), literal_execute=True)


def _lead_model():
    from crm_app.models import Lead

    return Lead


@compiles(LeadMatch)
def _compile_match(element: LeadMatch, compiler, **kw):
    return compiler.process(element.condition(compiler.dialect.name), **kw)


# (session, {query key: matched ids}) while `matches_once` runs
_once: ContextVar[tuple[Any, dict[str, list[int]]] | None] = ContextVar("search_matches_once", default=None)


@contextmanager
def matches_once(session) -> Iterator[None]:
    """While this runs, `lead_matching` reads the matches of a query once, with `session`, and
    the statements built meanwhile (a page, its count, its position) take their ids, instead of
    each searching again: the search is most of the cost of a searched page."""
    token = _once.set((session, {}))
    try:
        yield
    finally:
        _once.reset(token)


def lead_matching(text: str | None, cap: int = SEARCH_CAP):
    """The WHERE condition of a lead search (nothing matches a query that is too short)."""
    table = sa.inspect(_lead_model()).local_table.c
    match = LeadMatch(table, parse(text), cap)
    once = _once.get()
    if once is None:
        return match
    session, seen = once
    conn = session.connection()
    if match._key not in seen:
        if conn.dialect.name == "postgresql":
            seen[match._key] = _pg_newest(conn, match)
        else:
            matched = match.matched(conn.dialect.name)
            seen[match._key] = [] if matched is None else list(conn.execute(matched).scalars())
    return _one_of(table.id, seen[match._key], conn.dialect.name)


# PostgreSQL: how the newest matches are read (`_pg_newest`)
PROBE_ROWS = 5_000  # the newest documents read first, which says how common the query is
SCAN_COST = 0.23  # µs per document when reading the newest ids and filtering (measured)
RECHECK_COST = 2.0  # µs per match when reading the trigram index and rechecking (measured)


def _pg_newest(conn: sa.Connection, match: LeadMatch) -> list[int]:
    """The newest `cap + 1` matches on PostgreSQL, the cheaper of two ways chosen from what the
    newest PROBE_ROWS documents hold, not from the planner's estimate (which reads a sample: a
    word in 0.5 % of a million leads made it read the newest ids for 100 ms, where the index
    takes 12): the newest ids filtered (cost grows as 1 / frequency), or the trigram index, every
    match rechecked, then the newest kept (cost grows with the number of matches)."""
    where = match.like_where()
    if where is None:
        return []
    t = _pg_table()
    wanted = match.cap + 1
    edge = conn.execute(sa.select(t.c.id).order_by(t.c.id.desc()).offset(PROBE_ROWS - 1).limit(1)).scalar()
    newest = sa.select(t.c.id).where(where).order_by(t.c.id.desc())
    if edge is None:  # a small table: all of it
        return list(conn.execute(newest.limit(wanted)).scalars())
    found = list(conn.execute(newest.where(t.c.id >= edge).limit(wanted)).scalars())
    if len(found) >= wanted:
        return found
    frequency = max(len(found), 1) / PROBE_ROWS
    rest = wanted - len(found)
    by_scan = rest / frequency * SCAN_COST
    by_index = frequency * edge * RECHECK_COST  # ids are about as many as the rows below `edge`
    way = (
        ("enable_bitmapscan", "enable_seqscan")
        if by_scan <= by_index
        else ("enable_indexscan", "enable_seqscan")
    )
    conn.exec_driver_sql("; ".join(f"SET LOCAL {setting} = off" for setting in way))
    try:
        found += conn.execute(newest.where(t.c.id < edge).limit(rest)).scalars()
    finally:
        conn.exec_driver_sql("; ".join(f"SET LOCAL {setting} TO DEFAULT" for setting in way))
    return found


def _one_of(column, ids: list[int], dialect: str):
    """`column` is one of `ids`, the list sent as one parameter (not a thousand)."""
    if not ids:
        return sa.false()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, ids, type_=ARRAY(sa.Integer()), unique=True))
    listed = sa.select(sa.column("value", sa.Integer())).select_from(
        sa.func.json_each(sa.bindparam(None, json.dumps(ids), unique=True))
    )
    return column.in_(listed.scalar_subquery())


# --- keeping the documents ------------------------------------------------------------------


def refresh(conn: sa.Connection, lead_ids: Iterable[int], *, sort_names: bool = True) -> int:
    """Rebuild the search columns of these leads from their rows (Core: one read per batch, one
    executemany). `updated_at` and `version` stay as they are: nothing a user typed changed.
    `sort_names=False`: leave `sort_name` alone (migration 0006 runs before 0008 adds it)."""
    from crm_app.models import CommKind, Communication, EntityType, Lead
    from crm_app.models.base import table_of

    lead = table_of(Lead)
    comm = table_of(Communication)
    ids = sorted({int(i) for i in lead_ids if i})
    done = 0
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        names = conn.execute(
            sa.select(
                lead.c.id,
                lead.c.first_name,
                lead.c.second_name,
                lead.c.last_name,
                lead.c.company_name,
                lead.c.title,
            ).where(lead.c.id.in_(chunk))
        ).all()
        comms: dict[int, dict[str, list[str]]] = {i: {"emails": [], "phones": []} for i in chunk}
        for entity_id, kind, normalized in conn.execute(
            sa.select(comm.c.entity_id, comm.c.kind, comm.c.normalized)
            .where(comm.c.entity_type == EntityType.LEAD, comm.c.entity_id.in_(chunk))
            .order_by(comm.c.is_primary.desc(), comm.c.id)
        ):
            if kind == CommKind.EMAIL:
                comms[entity_id]["emails"].append(normalized)
            elif kind == CommKind.PHONE:
                comms[entity_id]["phones"].append(normalized)
        rows = [
            {
                "b_id": lead_id,
                **lead_columns(
                    first_name=first,
                    second_name=second,
                    last_name=last,
                    company_name=company,
                    title=title,
                    emails=comms[lead_id]["emails"],
                    phones=comms[lead_id]["phones"],
                ),
            }
            for lead_id, first, second, last, company, title in names
        ]
        if rows:
            if not sort_names:
                for row in rows:
                    del row["sort_name"]
            written = [k for k in rows[0] if k != "b_id"]
            conn.execute(
                sa.update(lead)
                .where(lead.c.id == sa.bindparam("b_id"))
                .values({**{k: sa.bindparam(k) for k in written}, "updated_at": lead.c.updated_at}),
                rows,
            )
        done += len(rows)
    return done


def rebuild_all(conn: sa.Connection, *, sort_names: bool = True) -> int:
    """Every lead's search columns (the migrations that add them, `crm search reindex`)."""
    from crm_app.models import Lead
    from crm_app.models.base import table_of

    lead = table_of(Lead)
    total = 0
    last = 0
    while True:
        ids = list(
            conn.execute(
                sa.select(lead.c.id).where(lead.c.id > last).order_by(lead.c.id).limit(_BATCH * 10)
            ).scalars()
        )
        if not ids:
            return total
        total += refresh(conn, ids, sort_names=sort_names)
        last = ids[-1]


def reindex(conn: sa.Connection) -> int:
    """`crm db reindex`: every lead's search columns, then the whole index rebuilt from them."""
    count = rebuild_all(conn)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO lead_fts(lead_fts) VALUES ('rebuild')")
    else:
        conn.exec_driver_sql(PG_FILL)  # (no TRUNCATE: it would wait for, and block, every reader)
        conn.exec_driver_sql(f"ANALYZE lead, {PG_TABLE}")
    return count


# --- the index itself (migrations) ----------------------------------------------------------

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS lead_fts USING fts5("
    "search_text, search_phones, content='lead', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS lead_fts_ai AFTER INSERT ON lead BEGIN"
    " INSERT INTO lead_fts(rowid, search_text, search_phones)"
    " VALUES (new.id, new.search_text, new.search_phones); END",
    "CREATE TRIGGER IF NOT EXISTS lead_fts_ad AFTER DELETE ON lead BEGIN"
    " INSERT INTO lead_fts(lead_fts, rowid, search_text, search_phones)"
    " VALUES ('delete', old.id, old.search_text, old.search_phones); END",
    "CREATE TRIGGER IF NOT EXISTS lead_fts_au AFTER UPDATE OF search_text, search_phones ON lead"
    " BEGIN INSERT INTO lead_fts(lead_fts, rowid, search_text, search_phones)"
    " VALUES ('delete', old.id, old.search_text, old.search_phones);"
    " INSERT INTO lead_fts(rowid, search_text, search_phones)"
    " VALUES (new.id, new.search_text, new.search_phones); END",
)
SQLITE_TRIGGERS = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")
PG_TRIGGERS = (f"{PG_TABLE}_ai", f"{PG_TABLE}_au")
PG_FILL = (
    "INSERT INTO lead_search (id, search_text, search_phones)"
    " SELECT id, search_text, search_phones FROM lead"
    " ON CONFLICT (id) DO UPDATE"
    " SET search_text = EXCLUDED.search_text, search_phones = EXCLUDED.search_phones"
    " WHERE lead_search.search_text IS DISTINCT FROM EXCLUDED.search_text"
    " OR lead_search.search_phones IS DISTINCT FROM EXCLUDED.search_phones"
)
PG_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # rows go with their lead (a delete, and TRUNCATE lead CASCADE)
    "CREATE TABLE IF NOT EXISTS lead_search ("
    " id integer PRIMARY KEY REFERENCES lead (id) ON DELETE CASCADE,"
    " search_text text NOT NULL DEFAULT '', search_phones varchar(1000) NOT NULL DEFAULT '')",
    "CREATE OR REPLACE FUNCTION lead_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " INSERT INTO lead_search (id, search_text, search_phones)"
    " VALUES (NEW.id, NEW.search_text, NEW.search_phones)"
    " ON CONFLICT (id) DO UPDATE"
    " SET search_text = EXCLUDED.search_text, search_phones = EXCLUDED.search_phones;"
    " RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER lead_search_ai AFTER INSERT ON lead"
    " FOR EACH ROW EXECUTE FUNCTION lead_search_sync()",
    "CREATE OR REPLACE TRIGGER lead_search_au AFTER UPDATE OF search_text, search_phones ON lead"
    " FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text"
    " OR OLD.search_phones IS DISTINCT FROM NEW.search_phones)"
    " EXECUTE FUNCTION lead_search_sync()",
    "CREATE INDEX IF NOT EXISTS lead_search_text_trgm ON lead_search USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS lead_search_phones_trgm ON lead_search USING gin (search_phones gin_trgm_ops)",
    # finer statistics: the planner estimates how many leads a LIKE '%…%' matches from a sample,
    # and picks "read the newest ids and filter" (many matches) or the trigram index (few)
    "ALTER TABLE lead_search ALTER COLUMN search_text SET STATISTICS 1000",
    "ALTER TABLE lead_search ALTER COLUMN search_phones SET STATISTICS 1000",
)


def is_index_object(name: str | None) -> bool:
    """Objects of the search index that the models do not declare (Alembic's comparison skips them)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or str(name).startswith(PG_TABLE))


def install(conn: sa.Connection) -> None:
    """Create the index if it is missing (idempotent). On SQLite, a table rebuild of `lead` by a
    later migration drops the triggers: when they were missing, the index is rebuilt from `lead`."""
    if conn.dialect.name == "sqlite":
        present = set(
            conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'lead_fts_%'"
            ).scalars()
        )
        for statement in SQLITE_DDL:
            conn.exec_driver_sql(statement)
        if present != set(SQLITE_TRIGGERS):
            conn.exec_driver_sql("INSERT INTO lead_fts(lead_fts) VALUES ('rebuild')")
    elif conn.dialect.name == "postgresql":
        present = set(
            conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'lead'::regclass AND NOT tgisinternal"
            ).scalars()
        )
        for statement in PG_DDL:
            conn.exec_driver_sql(statement)
        if not set(PG_TRIGGERS) <= present:  # new, or its triggers were lost: filled from `lead`
            conn.exec_driver_sql(PG_FILL)
            conn.exec_driver_sql(f"ANALYZE {PG_TABLE}")
