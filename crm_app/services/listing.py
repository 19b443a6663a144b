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

import functools
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, ParamSpec, TypeVar, cast

from sqlalchemy import Integer, bindparam, func, literal, select, union_all
from sqlalchemy.sql import Select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from crm_app.models import EntityType, User
from crm_app.services import permissions, textsearch
from crm_app.services.formatting import TIMEZONE

COUNT_CAP = 10_000
PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 50
MAX_KEYSET = 500

F = TypeVar("F")  # the entity's filters dataclass
R = TypeVar("R")  # the entity's row
T = TypeVar("T")
P = ParamSpec("P")


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


def by_source(column) -> GroupedSort:
    """Sort by a source key, in the sources' alphabetical order (no source first)."""
    from crm_app.models import Source

    return GroupedSort(
        column,
        lambda s: list(s.exec(sm_select(Source.id).order_by(col(Source.name), col(Source.id))).all()),
        fallback=Source.name,
        nullable=True,
    )


def by_user(column) -> GroupedSort:
    """Sort by a user key (the responsible), in the users' alphabetical order (nobody first)."""
    return GroupedSort(
        column,
        lambda s: list(s.exec(sm_select(User.id).order_by(col(User.name), col(User.id))).all()),
        fallback=User.name,
        nullable=True,
    )


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
    # what a read of this list runs inside (e.g. search_index.matches_once: the search read once
    # for the page, its count and its position); None: nothing
    reading: Callable[[Session], AbstractContextManager[Any]] | None = None
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


def in_reading(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a list read (`fn(config, *, session=..., ...)`) inside its config's `reading`."""

    @functools.wraps(fn)
    def read(*args: P.args, **kwargs: P.kwargs) -> T:
        config = args[0]
        reading = config.reading if isinstance(config, ListConfig) else None
        if reading is None:
            return fn(*args, **kwargs)
        with reading(cast("Session", kwargs["session"])):
            return fn(*args, **kwargs)

    return read


@in_reading
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


@in_reading
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


# keyset pages live in their own module; imported last (it reads the names above)
from crm_app.services.listing_keyset import (  # noqa: E402
    Cursor,
    KeysetPage,
    _after_parts,
    _nullable,
    decode_cursor,
    keyset_page,
)

__all__ = ["Cursor", "KeysetPage", "_after_parts", "_nullable", "decode_cursor", "keyset_page"]
