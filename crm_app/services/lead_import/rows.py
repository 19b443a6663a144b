"""One row of a CSV file: its cells read through the mapping, names and codes resolved to ids,
validated by `leads.clean_lead_data` (the one validation rule). No writes: a second process may
do this one batch ahead of the writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import Currency, Source, StageSemantic, User
from crm_app.models.base import saved_id
from crm_app.services import defaults, leads
from crm_app.services.duplicates.matching import NAME_FIELDS
from crm_app.services.errors import ValidationError
from crm_app.services.i18n import LANGUAGES, N_, Msg, gettext
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


# list fields of a row -> the lead value they resolve to
REF_FIELDS = {
    "status": "status_id",
    "source": "source_id",
    "responsible": "responsible_id",
    "currency": "currency_code",
}


def value_key(name: str, value: str) -> str:
    """How a list value is compared: e-mails of users in lower case, the rest folded."""
    value = value.strip()
    return value.lower() if name == "responsible" and "@" in value else _fold(value)


@dataclass
class _Refs:
    """Settings looked up once per import: names and codes -> ids, and the user's value mapping."""

    statuses: dict[str, tuple[int, bool]]  # folded name -> (id, in progress)
    status_by_id: dict[int, tuple[int, bool]]
    first_status_id: int
    sources: dict[str, int]
    import_source_id: int | None
    users: dict[str, list[tuple[int, bool]]]  # e-mail / folded name -> [(id, active)]
    currencies: dict[str, str]
    base_currency: str
    # the value mapping (lead_import.values.prepare_values): field -> {value key: target or None}
    chosen: dict[str, dict[str, Any]] = field(default_factory=dict)
    # field -> target or None for the values the mapping does not name ("other values")
    other: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> _Refs:
        statuses: dict[str, tuple[int, bool]] = {}
        status_by_id: dict[int, tuple[int, bool]] = {}
        for stage in leads.lead_statuses(session):
            status = (saved_id(stage), stage.semantic == StageSemantic.IN_PROGRESS)
            statuses.setdefault(_fold(stage.name), status)
            status_by_id[status[0]] = status
        sources: dict[str, int] = {}
        import_source_id = None
        by_code: dict[str, int] = {}
        for source in session.exec(select(Source).order_by(col(Source.sort), col(Source.id))).all():
            sources.setdefault(_fold(source.name), saved_id(source))
            sources.setdefault(_fold(source.code), saved_id(source))
            by_code[source.code] = saved_id(source)
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
        _add_default_names(statuses, sources, by_code, currencies)
        return cls(
            statuses=statuses,
            status_by_id=status_by_id,
            first_status_id=saved_id(leads.first_status(session)),
            sources=sources,
            import_source_id=import_source_id,
            users=users,
            currencies=currencies,
            base_currency=defaults.base_currency(session=session),
        )

    def lookup(self, name: str, value: str) -> tuple[Any, Msg | None]:
        """What a file's value of a list field is: (the lead value, None) or (None, the problem)."""
        key = value_key(name, value)
        shown = value[:100]
        if name == "status":
            found = self.statuses.get(key)
            return (found, None) if found else (None, Msg("Unknown status: {value}.", value=shown))
        if name == "source":
            source_id = self.sources.get(key)
            return (source_id, None) if source_id else (None, Msg("Unknown source: {value}.", value=shown))
        if name == "currency":
            code = self.currencies.get(key)
            return (code, None) if code else (None, Msg("Unknown currency: {value}.", value=value[:20]))
        candidates = self.users.get(key, [])
        active = [c for c in candidates if c[1]]
        if len(active) > 1:
            return None, Msg("Several users are called {value}: give the e-mail instead.", value=shown)
        if active:
            return active[0][0], None
        if candidates:
            return None, Msg("{value} is deactivated: choose an active user.", value=shown)
        return None, Msg("Unknown responsible: {value}. Give a user's e-mail or name.", value=shown)

    def choice(self, name: str, value: str) -> tuple[bool, Any]:
        """What the value mapping says for a value that matches nothing: (True, target or None
        for "leave empty") when it names the value or "other values", else (False, None)."""
        chosen = self.chosen.get(name, {})
        key = value_key(name, value)
        target = chosen[key] if key in chosen else self.other.get(name, _UNSET)
        if target is _UNSET:
            return False, None
        if name == "status" and target is not None:
            target = self.status_by_id.get(target)
        return True, target


_UNSET = object()


def _add_default_names(
    statuses: dict[str, tuple[int, bool]],
    sources: dict[str, int],
    source_by_code: dict[str, int],
    currencies: dict[str, str],
) -> None:
    """The default statuses, sources and currencies answer to their name in every language the
    CRM speaks ("Nouveau" and "New" are the same status while nobody renamed it)."""

    def names(msgid: str) -> set[str]:
        return {_fold(gettext(lang, msgid)) for lang in LANGUAGES}

    for msgid, *_ in defaults.LEAD_STATUSES:
        spelled = names(msgid)
        found = next((statuses[n] for n in spelled if n in statuses), None)
        if found is not None:
            for n in spelled:
                statuses.setdefault(n, found)
    for code, msgid in defaults.SOURCES:
        if code in source_by_code:
            for n in names(msgid):
                sources.setdefault(n, source_by_code[code])
    for code, msgid, _rate, _base in defaults.CURRENCIES:
        if _fold(code) in currencies:
            for n in names(msgid):
                currencies.setdefault(n, code)


@dataclass
class _Row:
    number: int
    cells: list[str]
    data: dict[str, Any]  # cleaned lead values (leads.clean_lead_data) + resolved ids
    given: set[str]  # fields with a value in the file (what "update" overwrites)
    create_error: list[Msg] | None = None  # set: the row can only update an existing lead
    left_empty: list[tuple[str, str]] = field(default_factory=list)  # (field, value) matching nothing


_COMM_LABELS = {"phones": N_("Phone"), "emails": N_("E-mail")}


def _reasons(exc: ValidationError) -> list[Msg]:
    out = []
    for key, msg in exc.errors.items():
        label = _COMM_LABELS.get(key)
        out.append(Msg("{field}: {problem}", field=Msg(label), problem=msg) if label else msg)
    return out


def _resolve_refs(refs: _Refs, raw: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The ids of the row's list values, and the values that match nothing and were left empty
    (field, value) because the value mapping said nothing of them (they are the report's warnings)."""
    out: dict[str, Any] = {}
    left_empty: list[tuple[str, str]] = []
    for name, target_key in REF_FIELDS.items():
        value = raw.get(name)
        if not value:
            continue
        target, problem = refs.lookup(name, value)
        if problem is not None:
            named, target = refs.choice(name, value)
            if not named:
                left_empty.append((name, value[:100]))
            if target is None:
                continue
        if name == "status":
            out["status_id"], out["_status_open"] = target
        else:
            out[target_key] = target
    return out, left_empty


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
    resolved, left_empty = _resolve_refs(refs, raw)
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
            raise _RowFailure(_reasons(exc)) from None
        # no name at all: enough to update an existing lead, not to create one
        create_error = _reasons(exc)
        try:
            cleaned = leads.clean_lead_data(session, {k: data[k] for k in given if k in data}, partial=True)
        except ValidationError as exc2:
            raise _RowFailure(_reasons(exc2)) from None
    cleaned.update({k: v for k, v in resolved.items() if not k.startswith("_")})
    if "status_id" in resolved and not resolved["_status_open"]:
        create_error = [*(create_error or []), Msg("A new lead starts in a status in progress.")]
    return _Row(number, cells, cleaned, given, create_error, left_empty)


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
