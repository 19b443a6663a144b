"""One listing module for every entity: filters, sort on any column, page, keyset page, capped
count, and the permission scope (`permissions.visible`), all in SQL.

An entity's list is a `ListConfig`: the columns it selects (with their joins), a sort map (every
column of the list can sort), its filters and how a result tuple becomes a row. Leads are the
first configuration (`services/leads.py`); contacts, companies and deals add theirs.

    page = listing.page(LEADS, session=s, user=user, filters=LeadFilters(text="mar"), sort="amount")
    more = listing.keyset(LEADS, select(Lead), session=s, user=user, after_id=123, limit=50)

Fast paths: statements of the screens everyone opens first (no filter but the "cache" fields, e.g.
open/converted/junk/bin) are built once per sort; limit and offset are bind parameters, so
SQLAlchemy compiles each statement once; rows are plain column tuples on the session's
connection (a list page needs no identity map).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from crm_app.models import EntityType, User
from crm_app.services import permissions, textsearch
from crm_app.services.formatting import TIMEZONE

COUNT_CAP = 10_000
PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 50
MAX_KEYSET = 500

F = TypeVar("F")  # the entity's filters dataclass
R = TypeVar("R")  # the entity's row


# --- filters ---------------------------------------------------------------------------------

Apply = Callable[[Any, Any, User], Any]  # (statement, value, user) -> statement


@dataclass(frozen=True)
class FilterSpec:
    """One filter: the field of the filters dataclass it reads and how it narrows a statement.

    Applied when the value is set (truthy), or always when `always` (e.g. the recycle-bin flag,
    whose False also narrows: not deleted).
    """

    name: str
    apply: Apply
    always: bool = False
    cap: int | None = None  # when on, the total is counted up to this (a search reads its newest matches)


def any_of(column) -> Apply:
    """`column IN (values)`."""
    return lambda stmt, values, _user: stmt.where(col(column).in_(list(values)))


def equals(column, value: Any) -> Apply:
    """`column = value` when the filter is on (a checkbox)."""
    return lambda stmt, _on, _user: stmt.where(column == value)


def is_current_user(column) -> Apply:
    """`column = the acting user` ("only mine")."""
    return lambda stmt, _on, user: stmt.where(column == user.id)


def on_or_after(column) -> Apply:
    """`column` on this day or later, days in the CRM's time zone (CRM_TIMEZONE)."""

    def apply(stmt, day: date, _user):
        return stmt.where(column >= datetime.combine(day, time.min, tzinfo=TIMEZONE))

    return apply


def on_or_before(column) -> Apply:
    """`column` on this day or earlier, days in the CRM's time zone."""

    def apply(stmt, day: date, _user):
        return stmt.where(column < datetime.combine(day + timedelta(days=1), time.min, tzinfo=TIMEZONE))

    return apply


def text_search(entity: EntityType, id_column, name_columns: list) -> Apply:
    """The one text-search rule (services/textsearch) on these name columns."""

    def apply(stmt, text: str, _user):
        text = text.strip()[: textsearch.MAX_QUERY]
        return stmt.where(textsearch.matching(entity, id_column, name_columns, text)) if text else stmt

    return apply


def indexed_search(condition: Callable[[str], Any]) -> Apply:
    """A text search served by an index (services/search_index): `condition(text)` is its WHERE."""

    def apply(stmt, text: str, _user):
        return stmt.where(condition(text)) if text.strip() else stmt

    return apply


def deleted_flag(column) -> Apply:
    """The recycle bin: True lists deleted rows only, False the others."""
    return lambda stmt, deleted, _user: stmt.where(column.is_not(None) if deleted else column.is_(None))


# --- sorting by a reference to a short list ----------------------------------------------------


@dataclass(frozen=True)
class GroupedSort:
    """Sort by a foreign key to a short list (statuses, sources, users), in that list's order.

    No index can sort a join on the referenced table's order; instead the page is one UNION ALL
    with one branch per referenced row (`column = value ORDER BY id LIMIT offset+page`, each read
    from the index (column, id)), merged in the list's order. `order(session)` gives every
    referenced id in ascending order; rows whose key is NULL come first ascending (last
    descending), on both databases. With more than `max_groups` values, the plain join sort on
    `fallback` is used.
    """

    column: Any
    order: Callable[[Session], list[int | None]]
    fallback: Any
    nullable: bool = False
    max_groups: int = 100


def _grouped_page(config: ListConfig, sort: GroupedSort, stmt, groups: list, descending: bool):
    """The page statement (limit/offset as parameters) of `stmt` sorted by `sort`'s groups."""
    id_col = config.id_column
    ordered = list(reversed(groups)) if descending else groups
    n = bindparam("limit", type_=Integer) + bindparam("offset", type_=Integer)
    branches = []
    for pos, value in enumerate(ordered):
        key = col(sort.column).is_(None) if value is None else sort.column == value
        branch = (
            stmt.where(key)
            .add_columns(literal(pos, Integer).label("crm_group"))
            .order_by(id_col.desc() if descending else id_col.asc())
            .limit(n)
        )
        branches.append(select(branch.subquery()))
    merged = union_all(*branches).subquery()
    shown = [c for c in merged.c if c.key != "crm_group"]
    merged_id = merged.c[id_col.key]
    return (
        select(*shown)
        .order_by(merged.c.crm_group, merged_id.desc() if descending else merged_id.asc())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


# --- configuration ---------------------------------------------------------------------------


@dataclass
class Page(Generic[R]):
    rows: list[R]
    total: int
    total_is_capped: bool
    page: int
    page_size: int


@dataclass(eq=False)
class ListConfig(Generic[F, R]):
    """How one entity is listed.

    `columns` selects what a row shows (joins included); `sort` maps a sort key to a column of
    that select (every column should have one); `row` turns one result tuple into a row;
    `cache_fields` are the filters that still allow the cached unfiltered statements (they must
    not depend on the acting user: the scope is applied after the cache, on every call).
    """

    entity: EntityType
    table: Any  # the model class (its `id` is the tie-breaker and the keyset column)
    columns: Select
    sort: Mapping[str, Any]
    default_sort: str
    filters_type: type[F]
    filters: tuple[FilterSpec, ...]
    row: Callable[[Any], R]
    cache_fields: tuple[str, ...] = ()
    _cache: dict[tuple, Any] = field(default_factory=dict, repr=False)

    @property
    def id_column(self):
        return self.table.id

    def sort_key(self, sort: str) -> str:
        return sort if sort in self.sort else self.default_sort


def apply_filters(config: ListConfig[F, Any], stmt, user: User, filters: F):
    """The entity's filters on `stmt` (no permission scope: see `scoped`)."""
    for spec in config.filters:
        value = getattr(filters, spec.name)
        if spec.always or value:
            stmt = spec.apply(stmt, value, user)
    return stmt


def scoped(config: ListConfig, stmt, *, session: Session, user: User, action=permissions.Action.VIEW):
    """`stmt` narrowed to the rows this user may see (or export...): always in SQL."""
    return permissions.visible(stmt, session=session, user=user, entity=config.entity, action=action)


def _plain_key(config: ListConfig[F, Any], filters: F) -> tuple | None:
    """A cache key when only the cache fields filter (the lists everyone opens first)."""
    kept = {name: getattr(filters, name) for name in config.cache_fields}
    plain = config.filters_type(**kept)  # type: ignore[call-arg]
    return tuple(kept.values()) if plain == filters else None


def _statements(config: ListConfig[F, Any], user: User, filters: F, sort: str, descending: bool):
    """The page statement (limit/offset as parameters) and the inner count statement, before
    the permission scope. Cached when nothing but the cache fields filters."""
    plain = _plain_key(config, filters)
    key = (sort, descending, plain) if plain is not None else None
    if key is not None and key in config._cache:
        return config._cache[key]
    sort_col = config.sort[sort]
    if isinstance(sort_col, GroupedSort):
        sort_col = sort_col.fallback
    order = [
        sort_col.desc() if descending else sort_col.asc(),
        config.id_column.desc() if descending else config.id_column.asc(),
    ]
    page_stmt = (
        apply_filters(config, config.columns, user, filters)
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )
    count_inner = apply_filters(config, select(config.id_column), user, filters)
    statements = (page_stmt, count_inner, _capped_count(count_inner))
    if key is not None:
        config._cache[key] = statements
    return statements


def _capped_count(inner, cap: int = COUNT_CAP):
    return select(func.count()).select_from(inner.limit(cap + 1).subquery())


def count_cap(config: ListConfig[F, Any], filters: F) -> int:
    """Up to how many rows the total is counted with these filters (COUNT_CAP, or a filter's own cap)."""
    caps = [spec.cap for spec in config.filters if spec.cap and getattr(filters, spec.name)]
    return min([COUNT_CAP, *caps])


def page(
    config: ListConfig[F, R],
    *,
    session: Session,
    user: User,
    filters: F | None = None,
    sort: str = "",
    descending: bool = True,
    page: int = 0,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page[R]:
    """One page of rows, filtered, scoped and sorted in SQL, with a total counted up to COUNT_CAP."""
    filters = filters if filters is not None else config.filters_type()
    page_size = page_size if page_size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    page = max(0, int(page))
    page_stmt, count_inner, count_stmt = _statements(
        config, user, filters, config.sort_key(sort), bool(descending)
    )
    grouped = config.sort[config.sort_key(sort)]
    groups = _groups(grouped, session) if isinstance(grouped, GroupedSort) else None
    if groups is not None:
        assert isinstance(grouped, GroupedSort)
        plain = _plain_key(config, filters)
        base = apply_filters(config, config.columns, user, filters)
        live = scoped(config, base, session=session, user=user)
        # the lists everyone opens (no filter but the cache fields, every row visible) are built once
        key = ("grouped", sort, bool(descending), tuple(groups), plain) if plain is not None else None
        cached = config._cache.get(key) if key is not None and live is base else None
        if cached is None:
            cached = _grouped_page(config, grouped, live, groups, bool(descending))
            if key is not None and live is base:
                config._cache[key] = cached
        scoped_page = cached
    else:
        scoped_page = scoped(config, page_stmt, session=session, user=user)
    scoped_inner = scoped(config, count_inner, session=session, user=user)
    cap = count_cap(config, filters)
    if scoped_inner is not count_inner or cap != COUNT_CAP:  # count what the scope or the cap leaves
        count_stmt = _capped_count(scoped_inner, cap)
    conn = session.connection()
    results = conn.execute(scoped_page, {"limit": page_size, "offset": page * page_size}).all()
    total = conn.execute(count_stmt).scalar_one()
    return Page(
        rows=[config.row(r) for r in results],
        total=min(total, cap),
        total_is_capped=total > cap,
        page=page,
        page_size=page_size,
    )


def _groups(sort: GroupedSort, session: Session) -> list | None:
    ids: list = list(sort.order(session))
    if len(ids) > sort.max_groups:
        return None
    return [None, *ids] if sort.nullable else ids


def count(
    config: ListConfig[F, Any], *, session: Session, user: User, filters: F | None = None
) -> tuple[int, bool]:
    """(how many rows this user sees with these filters, capped at COUNT_CAP; whether capped)."""
    filters = filters if filters is not None else config.filters_type()
    inner = scoped(
        config, apply_filters(config, select(config.id_column), user, filters), session=session, user=user
    )
    cap = count_cap(config, filters)
    total = session.connection().execute(_capped_count(inner, cap)).scalar_one()
    return min(total, cap), total > cap


def keyset(
    config: ListConfig[F, Any],
    stmt,
    *,
    session: Session,
    user: User,
    filters: F | None = None,
    after_id: int | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    action=permissions.Action.VIEW,
) -> list[Any]:
    """Keyset pagination for the API and exports: newest id first, strictly before `after_id`.

    `stmt` is what to read (e.g. `select(Lead)` for ORM rows); `action` the permission it is
    read for (EXPORT for a file).
    """
    filters = filters if filters is not None else config.filters_type()
    stmt = scoped(
        config, apply_filters(config, stmt, user, filters), session=session, user=user, action=action
    )
    if after_id:
        stmt = stmt.where(config.id_column < after_id)
    stmt = stmt.order_by(config.id_column.desc()).limit(max(1, min(int(limit), MAX_KEYSET)))
    return list(session.exec(stmt).all())


# --- keyset pages (the UI's list: any sort key, both ways, past COUNT_CAP) ---------------------
#
# A page is read after (or before) the boundary row of the page shown: its (sort value, id), as
# an opaque cursor. The condition is written `col <= v AND (col < v OR id < :id)` (descending),
# which both databases read as a range of the partial index (column, id). NULLs sort where each
# database puts them natively (SQLite: smallest, PostgreSQL: largest), so the index order is kept.
# GroupedSort keys page on (group position, id): the group's referenced id is the cursor value.

_CURSOR_MAX = 2_000  # characters of an encoded cursor
_INT_MAX = 2**63 - 1


@dataclass(frozen=True)
class Cursor:
    """The boundary row of a page: its sort value (or group value) and id, for one sort and way."""

    sort: str
    descending: bool
    value: Any
    id: int

    def encode(self) -> str:
        tag, value = _tagged(self.value)
        raw = json.dumps([self.sort, int(self.descending), tag, value, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _tagged(value: Any) -> tuple[str, Any]:
    if value is None:
        return "n", None
    if isinstance(value, datetime):
        return "t", value.isoformat()
    if isinstance(value, Decimal):
        return "d", str(value)
    if isinstance(value, bool):
        return "i", int(value)
    if isinstance(value, int):
        return "i", value
    return "s", str(value)


def _untagged(tag: str, value: Any) -> Any:
    """The value a cursor carries, or ValueError when it is not one this module wrote."""
    if tag == "n" and value is None:
        return None
    if tag == "t" and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed
    if tag == "d" and isinstance(value, str) and len(value) <= 40:
        parsed = Decimal(value)
        if not parsed.is_finite() or abs(parsed) >= Decimal("1e15"):
            raise ValueError("out of range")
        return parsed
    if tag == "i" and isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _INT_MAX:
        return value
    if tag == "s" and isinstance(value, str) and len(value) <= 1_000:
        return value
    raise ValueError("bad cursor value")


def decode_cursor(config: ListConfig, text: str | None, *, sort: str, descending: bool) -> Cursor | None:
    """The cursor `text` stands for, if this module wrote it for this list, sort and way; else None
    (a tampered, stale or foreign cursor means the first page, never an error)."""
    if not text or len(text) > _CURSOR_MAX:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode())
        key, desc, tag, value, row_id = raw
        if key != config.sort_key(sort) or key != sort or bool(desc) != bool(descending):
            return None
        if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id <= _INT_MAX:
            return None
        value = _untagged(tag, value)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error, ArithmeticError):
        return None
    sort_col = config.sort[key]
    if isinstance(sort_col, GroupedSort):  # a group's id, or (too many groups) a fallback value
        if tag not in ("i", "n", _value_tag(sort_col.fallback)):
            return None
    elif tag != "n" and tag != _value_tag(sort_col):
        return None
    elif tag == "n" and not _nullable(sort_col):
        return None
    return Cursor(key, bool(descending), value, row_id)


_TAGS = {datetime: "t", Decimal: "d", int: "i", str: "s"}


def _value_tag(column) -> str | None:
    """The cursor tag of the values of `column` (None: a type a cursor does not carry)."""
    kind = getattr(column, "type", None)
    for candidate in (kind, getattr(kind, "impl_instance", None)):
        try:
            tag = _TAGS.get(candidate.python_type)  # type: ignore[union-attr]
        except (AttributeError, NotImplementedError):
            continue
        if tag:
            return tag
    return None


def _nullable(column) -> bool:
    expression = getattr(column, "expression", column)
    return bool(getattr(expression, "nullable", True))


@dataclass
class KeysetPage(Generic[R]):
    rows: list[R]
    total: int
    total_is_capped: bool
    # the number of rows before this page (None: more than the cap, e.g. far past 10,000)
    position: int | None
    has_prev: bool
    has_next: bool
    first: str  # the cursor of the first row shown ("" when no rows): what "Previous" reads before
    last: str  # the cursor of the last row shown: what "Next" reads after
    page_size: int


def _after_parts(
    sort_col, id_col, value: Any, row_id: int, *, descending: bool, nulls_small: bool, nullable: bool
):
    """WHERE a row comes after (value, id) in the order (sort_col, id) `descending`, as disjoint
    parts in that order: each part alone is one range of the index (column, id)."""
    beyond = (lambda c, v: c < v) if descending else (lambda c, v: c > v)
    at_or_beyond = (lambda c, v: c <= v) if descending else (lambda c, v: c >= v)
    nulls_at_end = nulls_small if descending else not nulls_small
    if value is None:
        same = and_(col(sort_col).is_(None), beyond(id_col, row_id))
        return [same] if nulls_at_end else [same, col(sort_col).is_not(None)]
    rest = and_(at_or_beyond(sort_col, value), or_(beyond(sort_col, value), beyond(id_col, row_id)))
    return [rest, col(sort_col).is_(None)] if nullable and nulls_at_end else [rest]


def _after(sort_col, id_col, value: Any, row_id: int, **how):
    """The whole of `_after_parts` as one condition (for a count)."""
    parts = _after_parts(sort_col, id_col, value, row_id, **how)
    return parts[0] if len(parts) == 1 else or_(*parts)


def _built(config: ListConfig, key: tuple, build: Callable[[], Any]) -> Any:
    """`build()` once per key when the key is a plain list's (key[1] not None), else every time."""
    if key[1] is None:
        return build()
    if key not in config._cache:
        config._cache[key] = build()
    return config._cache[key]


def _keyset_read(
    config: ListConfig,
    live,
    session: Session,
    key: str,
    *,
    descending: bool,
    cursor: Cursor | None,
    limit: int,
    reuse: tuple | None = None,
) -> list[tuple[tuple, Cursor]]:
    """Up to `limit` rows of `live` (filtered and scoped) after `cursor` in (key, id) order
    `descending`, each with its own cursor."""
    id_col = config.id_column
    sort_col = config.sort[key]
    conn = session.connection()
    groups = _groups(sort_col, session) if isinstance(sort_col, GroupedSort) else None
    if isinstance(sort_col, GroupedSort) and groups is not None:
        ordered = list(reversed(groups)) if descending else groups
        start = 0
        if cursor is not None:
            if cursor.value not in ordered:
                return []  # a group gone since (or a forged one): nothing after it here
            start = ordered.index(cursor.value)
        branches = []
        for pos in range(start, len(ordered)):
            value = ordered[pos]
            branch = live.where(col(sort_col.column).is_(None) if value is None else sort_col.column == value)
            if cursor is not None and pos == start:
                branch = branch.where(id_col < cursor.id if descending else id_col > cursor.id)
            branch = (
                branch.add_columns(literal(pos, Integer).label("crm_group"))
                .order_by(id_col.desc() if descending else id_col.asc())
                .limit(limit)
            )
            branches.append(select(branch.subquery()))
        if not branches:
            return []
        merged = union_all(*branches).subquery()
        merged_id = merged.c[id_col.key]
        stmt = (
            select(*merged.c)
            .order_by(merged.c.crm_group, merged_id.desc() if descending else merged_id.asc())
            .limit(limit)
        )
        grouped = conn.execute(stmt).all()
        return [(tuple(r[:-1]), Cursor(key, descending, ordered[r[-1]], r[0])) for r in grouped]
    if isinstance(sort_col, GroupedSort):  # too many groups: the join sort on the fallback
        nullable, sort_col = sort_col.nullable or _nullable(sort_col.fallback), sort_col.fallback
        if (
            cursor is not None
            and cursor.value is not None
            and _tagged(cursor.value)[0] != _value_tag(sort_col)
        ):
            cursor = None  # a group's cursor from before the groups grew: the first page
    else:
        nullable = _nullable(sort_col)
    stmt = live.add_columns(sort_col.label("crm_sort"))
    order = [
        sort_col.desc() if descending else sort_col.asc(),
        id_col.desc() if descending else id_col.asc(),
    ]
    parts: list[Any] = [None]
    if cursor is not None:
        nulls_small = session.get_bind().dialect.name != "postgresql"
        parts = _after_parts(
            sort_col,
            id_col,
            cursor.value,
            cursor.id,
            descending=descending,
            nulls_small=nulls_small,
            nullable=nullable,
        )
    results: list = []
    for part in parts:  # one index range at a time, while the page is not full
        if len(results) >= limit:
            break
        if part is None and reuse is not None and not results:  # a plain list's first read: built once
            read = _built(
                config,
                ("read", reuse[1], key, descending, limit),
                lambda: stmt.order_by(*order).limit(limit),
            )
        else:
            ranged = stmt if part is None else stmt.where(part)
            read = ranged.order_by(*order).limit(limit - len(results))
        results += conn.execute(read).all()
    return [(tuple(r[:-1]), Cursor(key, descending, r[-1], r[0])) for r in results]


def _position(
    config: ListConfig, user: User, filters, session: Session, first: Cursor, cap: int
) -> int | None:
    """How many rows come before `first` (None: more than `cap`): a capped count, as the total."""
    id_col = config.id_column
    inner = scoped(config, apply_filters(config, select(id_col), user, filters), session=session, user=user)
    sort_col = config.sort[first.sort]
    groups = _groups(sort_col, session) if isinstance(sort_col, GroupedSort) else None
    if isinstance(sort_col, GroupedSort) and groups is not None:
        ordered = list(reversed(groups)) if first.descending else groups
        if first.value not in ordered:
            return None
        key = col(sort_col.column)
        same = key.is_(None) if first.value is None else key == first.value
        earlier = and_(same, id_col > first.id if first.descending else id_col < first.id)
        before = ordered[: ordered.index(first.value)]
        known = [v for v in before if v is not None]
        if known:
            earlier = or_(earlier, key.in_(known))
        if None in before:
            earlier = or_(earlier, key.is_(None))
        inner = inner.where(earlier)
    else:
        if isinstance(sort_col, GroupedSort):  # the join sort on the fallback needs the joins
            nullable, sort_col = True, sort_col.fallback
            if first.value is not None and _tagged(first.value)[0] != _value_tag(sort_col):
                return None
            live = apply_filters(config, config.columns, user, filters).with_only_columns(id_col)
            inner = scoped(config, live, session=session, user=user)
        else:
            nullable = _nullable(sort_col)
        inner = inner.where(
            _after(
                sort_col,
                id_col,
                first.value,
                first.id,
                descending=not first.descending,
                nulls_small=session.get_bind().dialect.name != "postgresql",
                nullable=nullable,
            )
        )
    before_count = session.connection().execute(_capped_count(inner, cap)).scalar_one()
    return before_count if before_count <= cap else None


def keyset_page(
    config: ListConfig[F, R],
    *,
    session: Session,
    user: User,
    filters: F | None = None,
    sort: str = "",
    descending: bool = True,
    after: str = "",
    before: str = "",
    last: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> KeysetPage[R]:
    """One page read by keyset: the first page, the one after the cursor `after`, the one before
    `before`, or the last page (`last`: the reverse order, rows turned back). A cursor that does not
    decode for this sort means the first page. The total is counted up to COUNT_CAP (or a filter's
    cap); "Next" needs only one more row, so it works past the cap."""
    filters = filters if filters is not None else config.filters_type()
    page_size = page_size if page_size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    key = config.sort_key(sort)
    descending = bool(descending)
    plain = _plain_key(config, filters)
    base = _built(config, ("keyset", plain), lambda: apply_filters(config, config.columns, user, filters))
    live = scoped(config, base, session=session, user=user)
    # the lists everyone opens (only the cache fields filter, every row visible): statements built once
    reuse = ("keyset", plain) if plain is not None and live is base else None
    after_cursor = decode_cursor(config, after, sort=key, descending=descending) if after else None
    before_cursor = decode_cursor(config, before, sort=key, descending=descending) if before else None

    def read(cursor: Cursor | None, reverse: bool) -> tuple[list[tuple[tuple, Cursor]], bool]:
        flipped = None if cursor is None else Cursor(key, not descending, cursor.value, cursor.id)
        got = _keyset_read(
            config,
            live,
            session,
            key,
            descending=descending != reverse,
            cursor=flipped if reverse else cursor,
            limit=page_size + 1,
            reuse=reuse,
        )
        more = len(got) > page_size
        got = got[:page_size]
        return (list(reversed(got)) if reverse else got), more

    if before_cursor is not None:
        got, more = read(before_cursor, True)
        has_prev, has_next = more, True
        if not more:  # back at the start: the first page, full
            got, has_next = read(None, False)
            has_prev = False
    elif last:
        got, more = read(None, True)
        has_prev, has_next = more, False
    else:
        got, has_next = read(after_cursor, False)
        has_prev = after_cursor is not None
        if not got and after_cursor is not None:  # past the end (rows gone since): the last page
            got, more = read(None, True)
            has_prev, has_next = more, False
    cursors = [Cursor(key, descending, c.value, c.id) for _r, c in got]
    cap = count_cap(config, filters)
    ids = _built(
        config, ("ids", plain), lambda: apply_filters(config, select(config.id_column), user, filters)
    )
    inner = scoped(config, ids, session=session, user=user)
    counting = (
        _built(config, ("count", plain, cap), lambda: _capped_count(inner, cap))
        if reuse is not None and inner is ids
        else _capped_count(inner, cap)
    )
    total = session.connection().execute(counting).scalar_one()
    if not has_prev or not cursors:
        position: int | None = 0
    elif not has_next:  # the last page: what comes before it is the rest of the total
        position = max(0, total - len(got)) if total <= cap else None
    else:
        position = _position(config, user, filters, session, cursors[0], cap)
    return KeysetPage(
        rows=[config.row(r) for r, _c in got],
        total=min(total, cap),
        total_is_capped=total > cap,
        position=position,
        has_prev=has_prev,
        has_next=has_next,
        first=cursors[0].encode() if cursors else "",
        last=cursors[-1].encode() if cursors else "",
        page_size=page_size,
    )
