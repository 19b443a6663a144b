"""Value mapping: the values of list columns (status, source, responsible, currency) that match
nothing in the CRM, and what the user says they become.

A value matches when it is a name or code of the CRM's settings whatever the case, the accents
and the language (`rows._Refs`: the default statuses and sources answer to their English and
French names). For the others the mapping step shows each distinct value with its row count (the
most frequent first, the rest together as "other values") and the user maps it to an existing
value, creates it (statuses and sources, with the settings right) or leaves the field empty. A
value nobody decided on is left empty and counted in the report's warnings: rows are never lost
for it.

Choices, as the UI and the job keep them (JSON):
`{field: {"values": {value key: [choice, value as in the file]}, "other": choice}}` where a
choice is "empty", "create" or "use:<id or currency code>".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from sqlmodel import Session, col, select

from crm_app.models import Currency, EntityType, Source, StageSemantic, User
from crm_app.services import lead_statuses, leads, permissions, sources
from crm_app.services.errors import DomainError
from crm_app.services.lead_import.rows import REF_FIELDS, _cell, _Refs, value_key
from crm_app.services.lead_import.upload import open_csv

TOP_VALUES = 20  # distinct values shown one by one per column; the rest share one choice
EMPTY, CREATE, USE = "empty", "create", "use:"
CREATABLE = ("status", "source")  # a user or a currency is not made up by an import
SUGGEST_SCORE = 88  # a value this close to an existing name is mapped to it by default


@dataclass
class UnknownValue:
    value: str  # as the file writes it (the first spelling met)
    key: str  # value_key: what equal values share
    rows: int
    choice: str  # the suggested choice


@dataclass
class ValueField:
    name: str  # the lead field: status, source, responsible or currency
    values: list[UnknownValue]
    other_values: int = 0  # distinct values past the shown ones
    other_rows: int = 0
    options: list[tuple[str, str]] = field(default_factory=list)  # (choice, name) of existing values
    can_create: bool = False


def options(session: Session, name: str) -> list[tuple[str, str]]:
    """The existing values a file's value can be mapped to: ("use:<id>", name)."""
    if name == "status":
        return [(f"{USE}{s.id}", s.name) for s in leads.lead_statuses(session)]
    if name == "source":
        rows = session.exec(
            select(Source).where(col(Source.is_active)).order_by(col(Source.sort), col(Source.id))
        ).all()
        return [(f"{USE}{s.id}", s.name) for s in rows]
    if name == "responsible":
        users = session.exec(select(User).where(col(User.is_active)).order_by(col(User.name))).all()
        return [(f"{USE}{u.id}", f"{u.name} <{u.email}>") for u in users]
    currencies = session.exec(select(Currency).order_by(col(Currency.code))).all()
    return [(f"{USE}{c.code}", f"{c.code} · {c.name}") for c in currencies]


def _suggest(value: str, opts: list[tuple[str, str]], can_create: bool) -> str:
    names = {choice: name for choice, name in opts}
    best = process.extractOne(value, names, scorer=fuzz.WRatio, score_cutoff=SUGGEST_SCORE)
    if best is not None:
        return best[2]
    return CREATE if can_create else EMPTY


def distinct_values(path: str | Path, mapping: dict[int, str]) -> dict[str, Counter[str]]:
    """Every value of the mapped list columns with its row count (one pass over the file)."""
    columns = {i: key for i, key in mapping.items() if key in REF_FIELDS}
    counts: dict[str, Counter[str]] = {key: Counter() for key in columns.values()}
    if not columns:
        return counts
    for _number, cells, problem in open_csv(path).records():
        if problem is not None:
            continue
        for index, key in columns.items():
            value = _cell(cells, index)
            if value:
                counts[key][value] += 1
    return counts


def unknown_values(
    *, session: Session, user: User, path: str | Path, mapping: dict[int, str], top: int | None = TOP_VALUES
) -> list[ValueField]:
    """The mapped list columns' values that match nothing, most rows first (`top` of them per
    column, the rest counted in `other_values` / `other_rows`), with a suggested choice each."""
    permissions.require(session, user, permissions.Action.IMPORT, EntityType.LEAD)
    refs = _Refs.load(session)
    can_create = permissions.can_edit_settings(session, user)
    out: list[ValueField] = []
    for name, counter in distinct_values(path, mapping).items():
        merged: dict[str, list[Any]] = {}  # key -> [first spelling, rows]
        for value, rows in counter.most_common():
            if refs.lookup(name, value)[1] is None:
                continue
            entry = merged.setdefault(value_key(name, value), [value, 0])
            entry[1] += rows
        if not merged:
            continue
        ranked = sorted(merged.items(), key=lambda kv: (-kv[1][1], kv[1][0].casefold()))
        shown, rest = (ranked, []) if top is None else (ranked[:top], ranked[top:])
        opts = options(session, name)
        creatable = can_create and name in CREATABLE
        out.append(
            ValueField(
                name=name,
                values=[UnknownValue(v, k, n, _suggest(v, opts, creatable)) for k, (v, n) in shown],
                other_values=len(rest),
                other_rows=sum(n for _k, (_v, n) in rest),
                options=opts,
                can_create=creatable,
            )
        )
    order = list(REF_FIELDS)
    return sorted(out, key=lambda f: order.index(f.name))


def choices_of(fields: list[ValueField], other: str = EMPTY) -> dict[str, Any]:
    """The suggested choices of `unknown_values` in the form `prepare_values` takes."""
    return {
        f.name: {"values": {v.key: [v.choice, v.value] for v in f.values}, "other": other} for f in fields
    }


def create_all(fields: list[ValueField]) -> dict[str, Any]:
    """`crm import --create-missing-values`: create every missing status and source, leave the
    other fields' unknown values empty (with the report's warning)."""
    out: dict[str, Any] = {}
    for f in fields:
        if f.name in CREATABLE:
            out[f.name] = {"values": {v.key: [CREATE, v.value] for v in f.values}}
    return out


def prepare_values(
    *, session: Session, user: User, choices: dict[str, Any] | None, dry_run: bool = False
) -> dict[str, Any]:
    """Check the user's choices and create the values to create: {field: {"values": {key: target
    or None}, "other": target or None (absent: not decided)}}, what `_Refs.chosen` / `other` take.
    A value that cannot be created (no settings right, a full list, a bad name) is left empty
    and reported as a warning by the import. A dry run creates nothing (the rows are checked
    without the value)."""
    out: dict[str, Any] = {}
    refs = _Refs.load(session)
    for name, spec in (choices or {}).items():
        if name not in REF_FIELDS or not isinstance(spec, dict):
            continue
        valid = {choice for choice, _name in options(session, name)}
        chosen: dict[str, Any] = {}
        for key, item in (spec.get("values") or {}).items():
            if not (isinstance(item, list | tuple) and len(item) == 2):
                continue
            choice, value = str(item[0]), str(item[1])[:255]
            if choice == CREATE and name in CREATABLE and dry_run:
                chosen[str(key)] = None
            elif choice == CREATE and name in CREATABLE:
                target = _create(session, user, refs, name, value)
                if target is not None:
                    chosen[str(key)] = target
            elif choice == EMPTY:
                chosen[str(key)] = None
            elif choice in valid:
                chosen[str(key)] = _target(name, choice)
        other = spec.get("other")
        entry: dict[str, Any] = {"values": chosen}
        if other == EMPTY:
            entry["other"] = None
        elif isinstance(other, str) and other in valid:
            entry["other"] = _target(name, other)
        out[name] = entry
    return out


def _target(name: str, choice: str) -> Any:
    raw = choice[len(USE) :]
    return raw if name == "currency" else int(raw)


def _create(session: Session, user: User, refs: _Refs, name: str, value: str) -> int | None:
    found, problem = refs.lookup(name, value)
    if problem is None:  # created meanwhile (or two spellings of one new value)
        return found[0] if name == "status" else found
    try:
        if name == "status":
            stage = lead_statuses.add_status(
                session=session, user=user, name=value, semantic=StageSemantic.IN_PROGRESS.value
            )
            target = stage.id or 0
            refs.statuses[value_key(name, value)] = (target, True)
            return target
        source = sources.add_source(session=session, user=user, name=value)
        refs.sources[value_key(name, value)] = source.id or 0
        return source.id
    except DomainError:
        session.rollback()
        return None


def load_choices(refs: _Refs, prepared: dict[str, Any]) -> _Refs:
    """Put prepared choices into an import's lookups (in this process or a validation worker)."""
    for name, entry in prepared.items():
        refs.chosen[name] = dict(entry.get("values") or {})
        if "other" in entry:
            refs.other[name] = entry["other"]
    return refs
