"""The search index of leads: substring search that reads an index on SQLite and PostgreSQL.

Each lead keeps a folded search document (`lead.search_text`: names, company, title and e-mails,
accents and case removed, words separated by single spaces, one space before and after) and its
phones as digits (`lead.search_phones`). An index serves substring search over them:

- SQLite: the FTS5 table `lead_fts` with the trigram tokenizer, an external-content index of
  those two columns, kept by triggers on `lead` (so in the same transaction as the write);
- PostgreSQL: `pg_trgm` GIN indexes on the two columns, used by `LIKE '%…%'`.

The write path fills the two columns: `create_leads` and the bulk seed compute them with the
row; every ORM change of a lead's names or of its e-mails and phones (update, merge, conversion,
demo data) is caught at flush by `uow` and the documents of those leads are rebuilt before the
commit (`refresh`). The primary e-mail and phone (`lead.primary_email`, `lead.primary_phone`)
are kept the same way, for the list's sort.

The matching rules are the list's since the start: every word of the query is in a name, the
company, the title or an e-mail, accents and case ignored; or, when the query looks like a phone
number, a phone with those digits ("06 12-34" finds +33612345678). A word of three characters or
more is found anywhere; a word of two characters at the start of a word ("ma" finds "Marie",
not "Emma"); a word of one character, or of punctuation only, is left out (if nothing is left,
`parse` says the query is too short and nothing is searched).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from crm_app.services.phones import digits

MAX_QUERY = 200
MAX_WORDS = 8
MIN_WORD = 2
MIN_PHONE = 3
PHONE_LIKE = re.compile(r"^[\d\s().+\-/]+$")
FTS_TABLE = "lead_fts"
SEARCH_CAP = 1_000  # matches a search reads at most (the newest): see LeadMatch
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
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
) -> dict[str, str]:
    """The search columns of a lead from its values (e-mails and phones normalised, primary first)."""
    return {
        "search_text": document((first_name, last_name, company_name, title, *emails)),
        "search_phones": phone_document(phones)[:1000],
        "primary_email": (emails[0] if emails else "")[:255],
        "primary_phone": (phones[0] if phones else "")[:50],
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
    says "1,000+" and sorts the newest matches (ids grow with the creation time).
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

    def like_condition(self):
        t = self.table
        parts = []
        if self.query.words:
            parts.append(
                sa.and_(
                    *[
                        t.search_text.like(_inline(like_pattern(_needle(w))), escape="\\")
                        for w in self.query.words
                    ]
                )
            )
        if self.query.phone:
            parts.append(t.search_phones.like(_inline(like_pattern(self.query.phone)), escape="\\"))
        if not parts:
            return sa.false()
        inner = sa.inspect(_lead_model()).local_table.alias("matched")
        matched = (
            sa.select(inner.c.id)
            .where(_rebind(sa.or_(*parts), t, inner))
            .order_by(inner.c.id.desc())
            .limit(self.cap + 1)
        )
        return t.id.in_(matched)

    def fts_condition(self):
        if self.query.too_short:
            return sa.false()
        fts = sa.table(FTS_TABLE, sa.column("rowid"))
        matched = (
            sa.select(fts.c.rowid)
            .where(
                sa.literal_column(FTS_TABLE).op("MATCH")(
                    sa.bindparam(None, fts_query(self.query), unique=True)
                )
            )
            .order_by(fts.c.rowid.desc())
            .limit(self.cap + 1)
        )
        return self.table.id.in_(matched)


def _inline(pattern: str):
    """A LIKE pattern written into the SQL (quoted by the driver's dialect), not a parameter: a
    prepared statement's generic plan cannot know how many leads a pattern matches, and would
    scan the newest ids for a word that no lead has."""
    return sa.bindparam(None, pattern, type_=sa.String(), literal_execute=True)


def _lead_model():
    from crm_app.models import Lead

    return Lead


def _rebind(condition, table, alias) -> Any:
    """`condition` on `table`'s columns, moved onto `alias`."""
    from sqlalchemy.sql.util import ClauseAdapter

    rebound = ClauseAdapter(alias).traverse(condition)
    assert rebound is not None
    return rebound


@compiles(LeadMatch)
def _compile_like(element: LeadMatch, compiler, **kw):
    return compiler.process(element.like_condition(), **kw)


@compiles(LeadMatch, "sqlite")
def _compile_fts(element: LeadMatch, compiler, **kw):
    return compiler.process(element.fts_condition(), **kw)


def lead_matching(text: str | None, cap: int = SEARCH_CAP):
    """The WHERE condition of a lead search (nothing matches a query that is too short)."""
    return LeadMatch(sa.inspect(_lead_model()).local_table.c, parse(text), cap)


# --- keeping the documents ------------------------------------------------------------------


def refresh(conn: sa.Connection, lead_ids: Iterable[int]) -> int:
    """Rebuild the search columns of these leads from their rows (Core: one read per batch, one
    executemany). `updated_at` and `version` stay as they are: nothing a user typed changed."""
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
                lead.c.id, lead.c.first_name, lead.c.last_name, lead.c.company_name, lead.c.title
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
                    last_name=last,
                    company_name=company,
                    title=title,
                    emails=comms[lead_id]["emails"],
                    phones=comms[lead_id]["phones"],
                ),
            }
            for lead_id, first, last, company, title in names
        ]
        if rows:
            conn.execute(
                sa.update(lead)
                .where(lead.c.id == sa.bindparam("b_id"))
                .values(
                    search_text=sa.bindparam("search_text"),
                    search_phones=sa.bindparam("search_phones"),
                    primary_email=sa.bindparam("primary_email"),
                    primary_phone=sa.bindparam("primary_phone"),
                    updated_at=lead.c.updated_at,
                ),
                rows,
            )
        done += len(rows)
    return done


def rebuild_all(conn: sa.Connection) -> int:
    """Every lead's search columns (the migration that adds them, `crm search reindex`)."""
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
        total += refresh(conn, ids)
        last = ids[-1]


def reindex(conn: sa.Connection) -> int:
    """`crm db reindex`: every lead's search columns, then the whole index rebuilt from them."""
    count = rebuild_all(conn)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO lead_fts(lead_fts) VALUES ('rebuild')")
    else:
        conn.exec_driver_sql("ANALYZE lead")
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
PG_INDEXES = ("ix_lead_search_text_trgm", "ix_lead_search_phones_trgm")
PG_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEXES[0]} ON lead USING gin (search_text gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEXES[1]} ON lead USING gin (search_phones gin_trgm_ops)",
    # finer statistics: the planner estimates how many leads a LIKE '%…%' matches from a sample,
    # and picks "read the newest ids and filter" (many matches) or the trigram index (few)
    "ALTER TABLE lead ALTER COLUMN search_text SET STATISTICS 1000",
    "ALTER TABLE lead ALTER COLUMN search_phones SET STATISTICS 1000",
)


def is_index_object(name: str | None) -> bool:
    """Objects of the search index that the models do not declare (Alembic's comparison skips them)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or str(name) in PG_INDEXES)


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
        for statement in PG_DDL:
            conn.exec_driver_sql(statement)
