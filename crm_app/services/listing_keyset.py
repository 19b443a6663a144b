"""Keyset pages of a list (services/listing): the page after or before a cursor of the page shown,
or the last page through the reverse order; opaque, checked cursors; the position of a page.

Re-exported by services/listing: callers use `listing.keyset_page`, `listing.KeysetPage`, ...
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic

from sqlalchemy import Integer, and_, bindparam, literal, or_, select, union_all
from sqlmodel import Session, col

from crm_app.models import User
from crm_app.services.listing import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    F,
    GroupedSort,
    ListConfig,
    R,
    _capped_count,
    _groups,
    _plain_key,
    apply_filters,
    count_cap,
    in_reading,
    scoped,
)

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


GROUPS_ONE_BY_ONE = 4


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

        def one_group(pos: int, with_after: bool):
            """The statement of one group's rows (limit and cursor id as parameters)."""
            value = ordered[pos]
            branch = live.where(col(sort_col.column).is_(None) if value is None else sort_col.column == value)
            if with_after:
                after_id = bindparam("crm_after_id", type_=Integer)
                branch = branch.where(id_col < after_id if descending else id_col > after_id)
            return (
                branch.add_columns(literal(pos, Integer).label("crm_group"))
                .order_by(id_col.desc() if descending else id_col.asc())
                .limit(bindparam("crm_want", type_=Integer))
            )

        def build_groups(positions: range, with_after: bool):
            """One group's statement, or the UNION ALL of several (limit and cursor id as
            parameters, the cursor's in the first group)."""
            if len(positions) == 1:
                return one_group(positions.start, with_after)
            branches = [one_group(pos, with_after and pos == positions.start) for pos in positions]
            merged = union_all(*[select(b.subquery()) for b in branches]).subquery()
            merged_id = merged.c[id_col.key]
            return (
                select(*merged.c)
                .order_by(merged.c.crm_group, merged_id.desc() if descending else merged_id.asc())
                .limit(bindparam("crm_want", type_=Integer))
            )

        def read_groups(positions: range, want: int, after: Cursor | None) -> list:
            """Up to `want` rows of these groups, in order (`after`: in the first one)."""
            with_after = after is not None
            # a plain list's statements are built once: executing the same object again also
            # skips SQLAlchemy's adapting a cached compilation to a new statement object
            stmt = _built(
                config,
                (
                    "groups",
                    reuse,
                    key,
                    descending,
                    positions.start,
                    tuple(ordered[p] for p in positions),
                    with_after,
                ),
                lambda: build_groups(positions, with_after),
            )
            params = {"crm_want": want, **({"crm_after_id": after.id} if after is not None else {})}
            return list(conn.execute(stmt, params).all())

        if reuse is not None and len(ordered) - start > 1 and conn.dialect.name == "sqlite":
            # built once, the UNION ALL of every group left is one statement instead of one per
            # group: on SQLite, where each group's index range costs less than a statement's
            # Python (PostgreSQL reads each branch's index: group by group is faster there)
            grouped = read_groups(range(start, len(ordered)), limit, cursor)
        else:
            # group by group, each one index range (the cursor's group is most often the whole
            # page); past GROUPS_ONE_BY_ONE groups, the rest in one UNION ALL (whose subqueries
            # cost more to build than a few small statements: 6 ms in Python for 7 branches)
            grouped = []
            pos = start
            while len(grouped) < limit and pos < len(ordered):
                if pos - start >= GROUPS_ONE_BY_ONE:
                    grouped += read_groups(range(pos, len(ordered)), limit - len(grouped), None)
                    break
                grouped += read_groups(
                    range(pos, pos + 1), limit - len(grouped), cursor if pos == start else None
                )
                pos += 1
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
    if cursor is not None and reuse is not None:
        # a plain list's next page: its statements built once, the cursor and limit as parameters
        # (building the range conditions cost more than SQLite's own work on a 20-row page)
        return _plain_after_read(
            config, stmt, order, conn, key, reuse, cursor, descending, nullable, limit, sort_col
        )
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


def _plain_after_read(
    config: ListConfig,
    stmt,
    order: list,
    conn,
    key: str,
    reuse: tuple,
    cursor: Cursor,
    descending: bool,
    nullable: bool,
    limit: int,
    sort_col,
) -> list[tuple[tuple, Cursor]]:
    """`_keyset_read` after `cursor` for a plain list: the same index ranges, as cached statements."""
    id_col = config.id_column
    nulls_small = conn.dialect.name != "postgresql"
    no_value = cursor.value is None

    def build() -> list:
        value = None if no_value else bindparam("crm_after_value", type_=sort_col.type)
        parts = _after_parts(
            sort_col,
            id_col,
            value,
            bindparam("crm_after_id", type_=Integer),  # type: ignore[arg-type]
            descending=descending,
            nulls_small=nulls_small,
            nullable=nullable,
        )
        return [
            stmt.where(part).order_by(*order).limit(bindparam("crm_want", type_=Integer)) for part in parts
        ]

    reads = _built(config, ("after", reuse[1], key, descending, no_value, nullable, nulls_small), build)
    params: dict[str, Any] = {"crm_after_id": cursor.id}
    if not no_value:
        params["crm_after_value"] = cursor.value
    results: list = []
    for read in reads:  # one index range at a time, while the page is not full
        if len(results) >= limit:
            break
        results += conn.execute(read, {**params, "crm_want": limit - len(results)}).all()
    return [(tuple(r[:-1]), Cursor(key, descending, r[-1], r[0])) for r in results]


def _position(
    config: ListConfig,
    user: User,
    filters,
    session: Session,
    first: Cursor,
    cap: int,
    reuse: tuple | None = None,
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
        if reuse is not None and not isinstance(config.sort[first.sort], GroupedSort):
            return _plain_position(config, inner, session, first, cap, reuse, sort_col, nullable)
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


def _plain_position(
    config: ListConfig,
    inner,
    session: Session,
    first: Cursor,
    cap: int,
    reuse: tuple,
    sort_col,
    nullable: bool,
) -> int | None:
    """`_position` for a plain list: its capped count built once, the cursor as parameters."""
    nulls_small = session.get_bind().dialect.name != "postgresql"
    no_value = first.value is None

    def build():
        value = None if no_value else bindparam("crm_after_value", type_=sort_col.type)
        before = _after(
            sort_col,
            config.id_column,
            value,
            bindparam("crm_after_id", type_=Integer),  # type: ignore[arg-type]
            descending=not first.descending,
            nulls_small=nulls_small,
            nullable=nullable,
        )
        return _capped_count(inner.where(before), cap)

    counting = _built(
        config,
        ("position", reuse[1], first.sort, first.descending, no_value, nullable, nulls_small, cap),
        build,
    )
    params: dict[str, Any] = {"crm_after_id": first.id}
    if not no_value:
        params["crm_after_value"] = first.value
    before_count = session.connection().execute(counting, params).scalar_one()
    return before_count if before_count <= cap else None


@in_reading
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
        position = _position(
            config, user, filters, session, cursors[0], cap, reuse=reuse if inner is ids else None
        )
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
