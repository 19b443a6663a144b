"""One row of a CSV file: its cells read through the mapping, names and codes resolved to ids,
validated by `leads.clean_lead_data` (the one validation rule). No writes: a second process may
do this one batch ahead of the writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import Currency, Source, StageSemantic, User
from crm_app.models.base import saved_id
from crm_app.services import defaults, leads
from crm_app.services.duplicates.matching import NAME_FIELDS
from crm_app.services.errors import ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.lead_import.mapping import _fold

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(cells: list[str], index: int) -> str:
    value = cells[index].strip() if index < len(cells) else ""
    # the export protects formula-like cells with a quote (see `_safe_cell`): take it off
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        value = value[1:]
    return value


class _RowFailure(Exception):
    def __init__(self, reasons: list[Msg]) -> None:
        self.reasons = reasons
        super().__init__(reasons)


@dataclass
class _Refs:
    """Settings looked up once per import: names and codes -> ids."""

    statuses: dict[str, tuple[int, bool]]  # folded name -> (id, in progress)
    first_status_id: int
    sources: dict[str, int]
    import_source_id: int | None
    users: dict[str, list[tuple[int, bool]]]  # e-mail / folded name -> [(id, active)]
    currencies: dict[str, str]
    base_currency: str

    @classmethod
    def load(cls, session: Session) -> _Refs:
        statuses = {}
        for stage in leads.lead_statuses(session):
            statuses.setdefault(_fold(stage.name), (stage.id, stage.semantic == StageSemantic.IN_PROGRESS))
        sources: dict[str, int] = {}
        import_source_id = None
        for source in session.exec(select(Source).order_by(col(Source.sort), col(Source.id))).all():
            sources.setdefault(_fold(source.name), saved_id(source))
            sources.setdefault(_fold(source.code), saved_id(source))
            if source.code == "import" and source.is_active:
                import_source_id = source.id
        users: dict[str, list[tuple[int, bool]]] = {}
        for user in session.exec(select(User).order_by(col(User.id))).all():
            users.setdefault(user.email.lower(), []).append((saved_id(user), user.is_active))
            users.setdefault(_fold(user.name), []).append((saved_id(user), user.is_active))
        currencies: dict[str, str] = {}
        for currency in session.exec(select(Currency)).all():
            currencies[_fold(currency.code)] = currency.code
            currencies.setdefault(_fold(currency.name), currency.code)
        return cls(
            statuses=statuses,
            first_status_id=saved_id(leads.first_status(session)),
            sources=sources,
            import_source_id=import_source_id,
            users=users,
            currencies=currencies,
            base_currency=defaults.base_currency(session=session),
        )


@dataclass
class _Row:
    number: int
    cells: list[str]
    data: dict[str, Any]  # cleaned lead values (leads.clean_lead_data) + resolved ids
    given: set[str]  # fields with a value in the file (what "update" overwrites)
    create_error: list[Msg] | None = None  # set: the row can only update an existing lead


_COMM_LABELS = {"phones": N_("Phone"), "emails": N_("E-mail")}


def _reasons(exc: ValidationError) -> list[Msg]:
    out = []
    for key, msg in exc.errors.items():
        label = _COMM_LABELS.get(key)
        out.append(Msg("{field}: {problem}", field=Msg(label), problem=msg) if label else msg)
    return out


def _resolve_refs(refs: _Refs, raw: dict[str, str]) -> tuple[dict[str, Any], list[Msg]]:
    out: dict[str, Any] = {}
    problems: list[Msg] = []
    if raw.get("status"):
        found = refs.statuses.get(_fold(raw["status"]))
        if found is None:
            problems.append(Msg("Unknown status: {value}.", value=raw["status"][:100]))
        else:
            out["status_id"], out["_status_open"] = found
    if raw.get("source"):
        source_id = refs.sources.get(_fold(raw["source"]))
        if source_id is None:
            problems.append(Msg("Unknown source: {value}.", value=raw["source"][:100]))
        else:
            out["source_id"] = source_id
    if raw.get("responsible"):
        value = raw["responsible"]
        candidates = refs.users.get(value.lower() if "@" in value else _fold(value), [])
        active = [c for c in candidates if c[1]]
        if len(active) > 1:
            problems.append(
                Msg("Several users are called {value}: give the e-mail instead.", value=value[:100])
            )
        elif active:
            out["responsible_id"] = active[0][0]
        elif candidates:
            problems.append(Msg("{value} is deactivated: choose an active user.", value=value[:100]))
        else:
            problems.append(
                Msg("Unknown responsible: {value}. Give a user's e-mail or name.", value=value[:100])
            )
    if raw.get("currency"):
        code = refs.currencies.get(_fold(raw["currency"]))
        if code is None:
            problems.append(Msg("Unknown currency: {value}.", value=raw["currency"][:20]))
        else:
            out["currency_code"] = code
    return out, problems


class _SettingsCache:
    """The session as `leads.clean_lead_data` sees it during an import: `get()` of a setting
    (currency, source, user, phone region) is read once and remembered, missing rows included.

    Without it every row would query the phone region again when none is saved (an identity
    map has no negative entries) and reload records the identity map let go of.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._gets: dict[tuple[type, Any], Any] = {}

    def get(self, model: type, key: Any) -> Any:
        if (model, key) not in self._gets:
            self._gets[(model, key)] = self._session.get(model, key)
        return self._gets[(model, key)]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def _fill_from_full_name(raw: dict[str, str], full: str) -> None:
    """A "Name" column fills the first and last names the other columns leave empty.

    Next to a "Last name" column it holds the first name (or "First Last"); alone, the last word
    is the last name.
    """
    first, last = raw.get("first_name", ""), raw.get("last_name", "")
    if first and last:
        return
    if last:
        rest = full[: -len(last)].strip() if full.casefold().endswith(last.casefold()) else full
        if rest:
            raw["first_name"] = rest
    elif first:
        rest = full[len(first) :].strip() if full.casefold().startswith(first.casefold()) else full
        if rest:
            raw["last_name"] = rest
    else:
        *firsts, last = full.split()
        raw["last_name"] = last
        if firsts:
            raw["first_name"] = " ".join(firsts)


def _parse_row(session: Any, refs: _Refs, mapping: dict[int, str], number: int, cells: list[str]) -> _Row:
    raw: dict[str, str] = {}
    lists: dict[str, list[str]] = {"phones": [], "emails": []}
    for index, key in mapping.items():
        value = _cell(cells, index)
        if not value:
            continue
        if key in lists:
            lists[key].append(value)
        else:
            raw[key] = value
    if full := raw.pop("full_name", ""):
        _fill_from_full_name(raw, full)
    resolved, problems = _resolve_refs(refs, raw)
    data: dict[str, Any] = {k: raw.get(k, "") for k in leads.TEXT_FIELDS}
    # "\n" joins columns; clean_lead_data splits on new lines, commas and semicolons
    data["phones"] = "\n".join(lists["phones"])
    data["emails"] = "\n".join(lists["emails"])
    data["amount"] = raw.get("amount")
    data["currency_code"] = resolved.get("currency_code") or (
        refs.base_currency if raw.get("amount") else None
    )
    given = {k for k in leads.TEXT_FIELDS if raw.get(k)} | {k for k, v in lists.items() if v}
    given |= {k for k in ("amount",) if raw.get(k)} | {k for k in resolved if not k.startswith("_")}
    create_error = None
    try:
        cleaned = leads.clean_lead_data(session, data)
    except ValidationError as exc:
        nameless = not any(raw.get(k) for k in ("first_name", "last_name", "company_name", "title"))
        if not (nameless and set(exc.errors) <= {"last_name"}):
            raise _RowFailure(_reasons(exc) + problems) from None
        # no name at all: enough to update an existing lead, not to create one
        create_error = _reasons(exc)
        try:
            cleaned = leads.clean_lead_data(session, {k: data[k] for k in given if k in data}, partial=True)
        except ValidationError as exc2:
            raise _RowFailure(_reasons(exc2) + problems) from None
    if problems:
        raise _RowFailure(problems)
    cleaned.update({k: v for k, v in resolved.items() if not k.startswith("_")})
    if "status_id" in resolved and not resolved["_status_open"]:
        create_error = [*(create_error or []), Msg("A new lead starts in a status in progress.")]
    return _Row(number, cells, cleaned, given, create_error)


def _name_key(row: _Row) -> tuple[str, ...] | None:
    """A row without an e-mail or phone is the same lead as one with the same names."""
    if row.data.get("emails") or row.data.get("phones"):
        return None
    names = tuple(row.data.get(k) or "" for k in NAME_FIELDS)
    return names if any(names) else None


def _row_keys(row: _Row) -> list[str]:
    """What makes two rows of a file the same lead: e-mails and phones, else the names."""
    keys = [f"e:{n}" for _v, n in row.data.get("emails", [])]
    keys += [f"p:{n}" for _v, n in row.data.get("phones", [])]
    names = _name_key(row)
    if names is not None:
        keys.append("n:" + "\x1f".join(_fold(n) for n in names))
    return keys


Parsed = tuple[list["_Row"], list[tuple[int, list[str], list[Msg]]]]
Batch = list[tuple[int, list[str], Msg | None]]  # (row number, cells, why the file's row is unreadable)


def _parse_batch(settings: Any, refs: _Refs, mapping: dict[int, str], batch: Batch) -> Parsed:
    """Read and validate a batch (no writes): (rows, failures)."""
    failures: list[tuple[int, list[str], list[Msg]]] = []
    rows: list[_Row] = []
    for number, cells, problem in batch:
        if problem is not None:  # an unclosed quote, a value too long (upload.read_records)
            failures.append((number, cells, [problem]))
            continue
        try:
            rows.append(_parse_row(settings, refs, mapping, number, cells))
        except _RowFailure as exc:
            failures.append((number, cells, exc.reasons))
    return rows, failures
