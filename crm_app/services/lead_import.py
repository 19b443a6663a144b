"""CSV import and export of leads.

Reading: `open_csv` sniffs the encoding (UTF-8 with or without BOM, UTF-16 with BOM, else
Windows-1252) and the separator, rejects binary files, and streams records (a 50 MB file is read
in one pass, never held in memory). `auto_map` matches headers (Bitrix24's English and French lead
export headers included) to lead fields.

Importing: `run_import` validates every row with `leads.clean_lead_data` (the one validation rule),
checks duplicates by e-mail and phone against existing leads, contacts and companies and against
earlier rows of the file (one query per batch), applies the duplicate policy, and writes leads,
their phones and e-mails and a "created" history entry with SQLAlchemy Core, one transaction per
batch. Each batch commits together with the job's counters, so a crash never leaves a written
batch without its summary. Failed rows go to `import_error` with the reason and the raw values.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy import and_, exists, insert, or_
from sqlmodel import Session, col, select

from crm_app.models import (
    CommKind,
    Communication,
    Company,
    Contact,
    Currency,
    EntityType,
    ImportJob,
    ImportRowError,
    ImportStatus,
    Lead,
    Source,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import utcnow
from crm_app.services import defaults, duplicates, leads, permissions
from crm_app.services.bulk_insert import insert_returning_ids
from crm_app.services.errors import DomainError, NotFound, PermissionDenied, ValidationError
from crm_app.services.i18n import LANGUAGES, N_, Msg, catalog

MAX_FILE_BYTES = 50 * 1024 * 1024
BATCH_SIZE = 1_000
PREVIEW_ROWS = 5
SAMPLE_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024
POLICIES = ("skip", "update", "create")
DELIMITERS = (",", ";", "\t")
ERROR_COLUMN = "Error"
IGNORE = ""  # a column mapped to nothing


class ImportFileError(DomainError):
    """The file cannot be read as CSV (binary, unknown encoding, malformed)."""


# --- uploaded files --------------------------------------------------------------------------

UPLOAD_MAX_AGE = 24 * 3600  # seconds an unused upload is kept


def upload_dir() -> Path:
    """Where uploaded CSV files wait for their import: CRM_UPLOAD_DIR, else data/uploads.

    Not Reflex's upload folder: that one is served to anyone who knows a file's name.
    """
    from crm_app.db import PROJECT_ROOT

    path = Path(os.environ.get("CRM_UPLOAD_DIR") or PROJECT_ROOT / "data" / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(source: BinaryIO, *, max_bytes: int | None = None) -> Path:
    """Copy an uploaded file to a new private file, refusing it past `max_bytes` (50 MB)."""
    max_bytes = max_bytes or MAX_FILE_BYTES
    directory = upload_dir()
    _remove_old_uploads(directory)
    path = directory / f"{secrets.token_hex(16)}.csv"
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := source.read(READ_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ImportFileError(
                        Msg(
                            "This file is larger than {max} MB: split it into smaller files.",
                            max=max_bytes // 2**20,
                        )
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def remove_upload(path: str | Path | None) -> None:
    """Delete an uploaded file (only ever one inside the upload folder)."""
    if not path:
        return
    path = Path(path)
    if path.parent.resolve() == upload_dir().resolve():
        path.unlink(missing_ok=True)


def _remove_old_uploads(directory: Path) -> None:
    limit = time.time() - UPLOAD_MAX_AGE
    for old in directory.glob("*.csv"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass  # another worker removed it first


# --- fields and header matching ------------------------------------------------------------


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str  # English, translated where shown
    many: bool = False  # several columns may feed it (phones, e-mails)
    aliases: tuple[str, ...] = ()


# fmt: off
FIELDS: tuple[ImportField, ...] = (
    ImportField("title", N_("Lead title"), aliases=("Lead name", "Title", "Lead title", "Nom du prospect",
                                                   "Titre", "Nom du lead", "Titre du prospect")),
    ImportField("honorific", N_("Salutation"), aliases=("Salutation", "Civility", "Civilité",
                                                       "Formule de politesse", "Appellation")),
    ImportField("first_name", N_("First name"), aliases=("First name", "Firstname", "Given name", "Prénom")),
    ImportField("second_name", N_("Middle name"), aliases=("Middle name", "Second name", "Deuxième prénom",
                                                          "Second prénom", "Autre prénom")),
    ImportField("last_name", N_("Last name"), aliases=("Last name", "Lastname", "Surname", "Family name",
                                                      "Nom", "Nom de famille")),
    ImportField("full_name", N_("Full name (first and last)"), aliases=("Name", "Full name", "Contact name",
                                                                       "Contact", "Nom complet")),
    ImportField("company_name", N_("Company name"), aliases=("Company name", "Company", "Organization",
                                                            "Organisation", "Account name", "Société",
                                                            "Nom de la société", "Entreprise",
                                                            "Nom de l'entreprise", "Raison sociale")),
    ImportField("position", N_("Position"), aliases=("Position", "Job title", "Job", "Role", "Poste",
                                                    "Fonction", "Intitulé du poste")),
    ImportField("phones", N_("Phone"), many=True, aliases=(
        "Phone", "Phones", "Phone number", "Telephone", "Mobile", "Mobile phone", "Work phone",
        "Home phone", "Other phone", "Cell phone", "Téléphone", "Téléphones", "Téléphone mobile",
        "Téléphone professionnel", "Téléphone portable", "Téléphone personnel", "Autre téléphone",
        "Portable", "Numéro de téléphone", "Tél", "Tel")),
    ImportField("emails", N_("E-mail"), many=True, aliases=(
        "E-mail", "Email", "E-mails", "Emails", "E-mail address", "Work e-mail", "Home e-mail",
        "Private e-mail", "Personal e-mail", "Other e-mail", "Adresse e-mail", "Adresse électronique",
        "Courriel", "E-mail professionnel", "E-mail personnel", "E-mail privé", "Autre e-mail")),
    ImportField("website", N_("Website"), aliases=("Website", "Web site", "Web", "Site", "URL",
                                                  "Corporate website", "Site web", "Site internet",
                                                  "Site web de l'entreprise")),
    ImportField("address", N_("Address"), aliases=("Address", "Street address", "Adresse",
                                                  "Adresse postale")),
    ImportField("comment", N_("Comment"), aliases=("Comment", "Comments", "Note", "Notes", "Description",
                                                  "Commentaire", "Commentaires", "Remarque", "Remarques")),
    ImportField("source", N_("Source"), aliases=("Source", "Lead source", "Origine", "Source du prospect")),
    ImportField("status", N_("Status"), aliases=("Status", "Stage", "Lead status", "Statut", "Étape",
                                                "Statut du prospect")),
    ImportField("responsible", N_("Responsible"), aliases=("Responsible", "Responsible person",
                                                          "Assigned to", "Owner", "Responsable",
                                                          "Assigné à", "Personne responsable")),
    ImportField("amount", N_("Expected amount"), aliases=("Opportunity", "Amount", "Expected amount",
                                                         "Value", "Montant", "Opportunité",
                                                         "Montant prévu", "Montant estimé")),
    ImportField("currency", N_("Currency"), aliases=("Currency", "Devise", "Monnaie")),
)
# fmt: on
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
# what the export writes, in this order (each header is one auto_map recognises)
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "Lead name"),
    ("honorific", "Salutation"),
    ("first_name", "First name"),
    ("second_name", "Middle name"),
    ("last_name", "Last name"),
    ("company_name", "Company name"),
    ("position", "Position"),
    ("phones", "Phone"),
    ("emails", "E-mail"),
    ("website", "Website"),
    ("address", "Address"),
    ("comment", "Comment"),
    ("source", "Source"),
    ("status", "Status"),
    ("responsible", "Responsible"),
    ("amount", "Opportunity"),
    ("currency", "Currency"),
)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Téléphone mobile' -> 'telephone mobile'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def _header_key(header: str) -> str:
    """Headers compare without case, accents, spaces or punctuation: 'E-mail' == 'email'."""
    return re.sub(r"[^a-z0-9]", "", _fold(header))


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in FIELDS:
        names = [*f.aliases, f.key, f.label]
        # the field's label in every language of the UI matches too
        names += [catalog(lang).get(f.label, "") for lang in LANGUAGES]
        for name in names:
            key = _header_key(name)
            if key:
                index.setdefault(key, f.key)
    return index


_HEADER_INDEX = _header_index()


def match_header(header: str) -> str:
    """The field a header names, or IGNORE."""
    return _HEADER_INDEX.get(_header_key(header), IGNORE)


def auto_map(headers: list[str]) -> dict[int, str]:
    """{column index: field} for the headers that name a lead field.

    Phones and e-mails may come from several columns; any other field takes the first column
    that names it. Unknown columns are left out (ignored).
    """
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for i, header in enumerate(headers):
        key = match_header(header)
        if not key or (key in taken and not FIELDS_BY_KEY[key].many):
            continue
        mapping[i] = key
        taken.add(key)
    return mapping


def clean_mapping(mapping: dict[Any, Any], column_count: int) -> dict[int, str]:
    """A mapping from a form or a stored job: int column -> known field, checked."""
    out: dict[int, str] = {}
    seen: set[str] = set()
    for raw_index, raw_key in mapping.items():
        key = str(raw_key or "")
        if not key:
            continue
        try:
            index = int(raw_index)
        except (TypeError, ValueError):
            index = -1
        if key not in FIELDS_BY_KEY or not 0 <= index < column_count:
            raise ValidationError({"mapping": Msg("This column mapping does not fit the file.")})
        if key in seen and not FIELDS_BY_KEY[key].many:
            raise ValidationError(
                {
                    "mapping": Msg(
                        "Several columns go to {field}: keep one.", field=Msg(FIELDS_BY_KEY[key].label)
                    )
                }
            )
        seen.add(key)
        out[index] = key
    if not out:
        raise ValidationError({"mapping": Msg("Choose a lead field for at least one column.")})
    return dict(sorted(out.items()))


# --- reading the file -----------------------------------------------------------------------

_MAGIC = (
    (b"PK\x03\x04", N_("This is a zip or Excel (.xlsx) file, not a CSV file. Save it as CSV first.")),
    (b"\xd0\xcf\x11\xe0", N_("This is an Excel (.xls) file, not a CSV file. Save it as CSV first.")),
    (b"%PDF", N_("This is a PDF file, not a CSV file.")),
)
_NOT_TEXT = N_("This file is not a CSV text file (it holds binary data).")


def _sniff_encoding(path: Path) -> str:
    """utf-8-sig, utf-16 (with BOM), or cp1252, checked over the whole file in one pass."""
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    if not head:
        raise ImportFileError(Msg("This file is empty."))
    for magic, message in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(Msg(message))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in head:
            raise ImportFileError(Msg(_NOT_TEXT))
        candidates = ["utf-8-sig", "cp1252"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                while chunk := f.read(READ_CHUNK):
                    if encoding != "utf-16" and b"\x00" in chunk:
                        raise ImportFileError(Msg(_NOT_TEXT))
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(Msg("This file is not a text file in a known encoding: save it as CSV in UTF-8."))


def _sniff_delimiter(sample: str, truncated: bool) -> str:
    """The separator that gives the most columns, consistently, over the first records."""
    lines = sample.splitlines(keepends=True)
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)][:50]
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        consistent = sum(1 for r in records if len(r) == width) / len(records)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _check_text(sample: str) -> None:
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\r\n\f")
    if controls > max(2, len(sample) // 200):
        raise ImportFileError(Msg(_NOT_TEXT))


@dataclass
class CsvFile:
    """A CSV file ready to stream: its encoding, separator, headers and the first rows."""

    path: Path
    encoding: str
    delimiter: str
    headers: list[str]
    preview: list[list[str]]
    size: int
    header_row: int = 1  # the row number of the headers (blank rows before them are skipped)

    def _reader(self, f) -> Iterator[list[str]]:
        return csv.reader(f, delimiter=self.delimiter)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) for every row after the headers, blank rows included.

        Row numbers count records the way a spreadsheet shows them: the header row is 1 (when
        the file starts with it), a value with line breaks inside quotes stays in one row.
        """
        with self.path.open(encoding=self.encoding, newline="") as f:
            reader = self._reader(f)
            number = 0
            try:
                for cells in reader:
                    number += 1
                    if number > self.header_row:
                        yield number, cells
            except csv.Error as exc:
                raise ImportFileError(
                    Msg("Row {row} cannot be read as CSV: {problem}.", row=number + 1, problem=str(exc))
                ) from None

    def count_rows(self) -> int:
        """Rows after the headers that hold something (one quick pass over the file)."""
        return sum(1 for _n, cells in self.records() if _has_values(cells))


def _has_values(cells: list[str]) -> bool:
    return any(c.strip() for c in cells)


def open_csv(path: str | Path, *, preview_rows: int = PREVIEW_ROWS) -> CsvFile:
    """Sniff a CSV file and read its headers and first rows. Raises ImportFileError."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise ImportFileError(Msg("This file cannot be read.")) from None
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            Msg(
                "This file is larger than {max} MB: split it into smaller files.", max=MAX_FILE_BYTES // 2**20
            )
        )
    encoding = _sniff_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(SAMPLE_BYTES)
        truncated = bool(f.read(1))
    _check_text(sample)
    delimiter = _sniff_delimiter(sample, truncated)
    csv_file = CsvFile(path, encoding, delimiter, [], [], size)
    with path.open(encoding=encoding, newline="") as f:
        number = 0
        try:
            for cells in csv.reader(f, delimiter=delimiter):
                number += 1
                if not csv_file.headers:
                    if _has_values(cells):
                        csv_file.headers = [c.strip() or f"Column {i + 1}" for i, c in enumerate(cells)]
                        csv_file.header_row = number
                    continue
                if _has_values(cells):
                    csv_file.preview.append(cells)
                    if len(csv_file.preview) >= preview_rows:
                        break
        except csv.Error as exc:
            raise ImportFileError(
                Msg("Row {row} cannot be read as CSV: {problem}.", row=number + 1, problem=str(exc))
            ) from None
    if not csv_file.headers:
        raise ImportFileError(Msg("This file is empty."))
    return csv_file


# --- one row -----------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_LIKE = re.compile(r"^[0-9 ().,+\-/]*$")


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
        for source in session.exec(select(Source).order_by(Source.sort, Source.id)).all():
            sources.setdefault(_fold(source.name), source.id)
            sources.setdefault(_fold(source.code), source.id)
            if source.code == "import" and source.is_active:
                import_source_id = source.id
        users: dict[str, list[tuple[int, bool]]] = {}
        for user in session.exec(select(User).order_by(User.id)).all():
            users.setdefault(user.email.lower(), []).append((user.id, user.is_active))
            users.setdefault(_fold(user.name), []).append((user.id, user.is_active))
        currencies: dict[str, str] = {}
        for currency in session.exec(select(Currency)).all():
            currencies[_fold(currency.code)] = currency.code
            currencies.setdefault(_fold(currency.name), currency.code)
        return cls(
            statuses=statuses,
            first_status_id=leads.first_status(session).id,
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


def _row_keys(row: _Row) -> list[str]:
    """What makes two rows the same lead: e-mails and phones, else the names."""
    keys = [f"e:{n}" for _v, n in row.data.get("emails", [])]
    keys += [f"p:{n}" for _v, n in row.data.get("phones", [])]
    if not keys:
        names = tuple(
            _fold(row.data.get(k, "")) for k in ("first_name", "last_name", "company_name", "title")
        )
        if any(names):
            keys.append("n:" + "\x1f".join(names))
    return keys


# --- duplicates, one query per batch -----------------------------------------------------


def _existing_matches(session: Session, rows: list[_Row]) -> dict[str, list[tuple[EntityType, int]]]:
    """key -> [(entity type, id)] of existing, not deleted, leads / contacts / companies."""
    emails = {n for r in rows for _v, n in r.data.get("emails", [])}
    phones = {n for r in rows for _v, n in r.data.get("phones", [])}
    found: dict[str, list[tuple[EntityType, int]]] = {}
    if emails or phones:
        c = Communication.__table__.c
        alive = or_(
            and_(c.entity_type == EntityType.LEAD, exists().where(
                Lead.__table__.c.id == c.entity_id, Lead.__table__.c.deleted_at.is_(None))),
            and_(c.entity_type == EntityType.CONTACT, exists().where(
                Contact.__table__.c.id == c.entity_id, Contact.__table__.c.deleted_at.is_(None))),
            and_(c.entity_type == EntityType.COMPANY, exists().where(
                Company.__table__.c.id == c.entity_id, Company.__table__.c.deleted_at.is_(None))),
        )  # fmt: skip
        by_kind = []
        if emails:
            by_kind.append(and_(c.kind == CommKind.EMAIL, c.normalized.in_(sorted(emails))))
        if phones:
            by_kind.append(and_(c.kind == CommKind.PHONE, c.normalized.in_(sorted(phones))))
        stmt = (
            sa.select(c.kind, c.normalized, c.entity_type, c.entity_id)
            .where(or_(*by_kind), alive)
            .order_by(c.entity_id)
        )
        for kind, normalized, entity_type, entity_id in session.connection().execute(stmt):
            prefix = "e" if kind == CommKind.EMAIL else "p"
            found.setdefault(f"{prefix}:{normalized}", []).append((EntityType(entity_type), entity_id))
    nameless = [r for r in rows if not r.data.get("emails") and not r.data.get("phones")]
    if nameless:
        found.update(_existing_by_name(session, nameless))
    return found


def _existing_by_name(session: Session, rows: list[_Row]) -> dict[str, list[tuple[EntityType, int]]]:
    """Rows without an e-mail or phone match leads with the same names (an indexed look-up)."""
    t = Lead.__table__.c
    last = {r.data["last_name"] for r in rows if r.data.get("last_name")}
    company = {
        r.data["company_name"] for r in rows if not r.data.get("last_name") and r.data.get("company_name")
    }
    title = {r.data["title"] for r in rows if not r.data.get("last_name") and not r.data.get("company_name")}
    conditions = []
    if last:
        conditions.append(t.last_name.in_(sorted(last)))
    if company:
        conditions.append(t.company_name.in_(sorted(company)))
    if title:
        conditions.append(t.title.in_(sorted(title)))
    if not conditions:
        return {}
    stmt = (
        sa.select(t.id, t.first_name, t.last_name, t.company_name, t.title)
        .where(or_(*conditions), t.deleted_at.is_(None))
        .order_by(t.id)
    )
    found: dict[str, list[tuple[EntityType, int]]] = {}
    for lead_id, *names in session.connection().execute(stmt):
        key = "n:" + "\x1f".join(_fold(n or "") for n in names)
        found.setdefault(key, []).append((EntityType.LEAD, lead_id))
    return found


# --- the import -----------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    total: int = 0
    job_id: int | None = None


@dataclass
class _Context:
    session: Session
    user: User
    refs: _Refs
    mapping: dict[int, str]
    policy: str
    dry_run: bool
    job: ImportJob
    summary: ImportSummary
    settings: Any = None  # _SettingsCache: what clean_lead_data reads
    # dry run only: what earlier batches would have created (a real import finds them in the DB)
    seen: set[str] = field(default_factory=set)


def create_job(
    *,
    session: Session,
    user: User,
    filename: str,
    mapping: dict[int, str] | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
) -> ImportJob:
    """A pending import job (the UI makes it first, so it can follow its progress)."""
    permissions.require(session, user, permissions.Action.IMPORT, EntityType.LEAD)
    if on_duplicate not in POLICIES:
        raise ValidationError({"on_duplicate": Msg("Choose skip, update or create.")})
    job = ImportJob(
        user_id=user.id,
        filename=Path(filename).name[:255],
        dry_run=dry_run,
        on_duplicate=on_duplicate,
        mapping=_job_mapping(mapping or {}, []),
    )
    session.add(job)
    session.commit()
    session.refresh(job)
    return job


def get_job(*, session: Session, user: User, job_id: int) -> ImportJob:
    """A job its owner (or a user who may import for everyone: managers by default) may look at."""
    permissions.require_user(user)
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(Msg("This import does not exist."))
    if job.user_id != user.id and permissions.scope(session, user, EntityType.LEAD, "import") != "all":
        raise PermissionDenied()
    return job


def run_import(
    *,
    session: Session,
    user: User,
    path: str | Path,
    mapping: dict[int, str] | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
    job_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import leads from a CSV file (see the module docstring). `mapping` None: `auto_map`.

    Duplicate policy: "skip" leaves rows whose e-mail or phone is already known (or, without
    any, whose names match a lead); "update" fills the matching lead with the row's non-empty
    values (history written by `leads.update_lead`); "create" creates them anyway.
    A dry run makes the same checks and writes only the job and its failed rows.
    `progress(processed, total)` is called after each batch.
    """
    permissions.require(session, user, permissions.Action.IMPORT, EntityType.LEAD)
    if on_duplicate not in POLICIES:
        raise ValidationError({"on_duplicate": Msg("Choose skip, update or create.")})
    path = Path(path)
    if job_id is None:
        job = create_job(
            session=session, user=user, filename=path.name, mapping=mapping,
            on_duplicate=on_duplicate, dry_run=dry_run,
        )  # fmt: skip
    else:
        job = get_job(session=session, user=user, job_id=job_id)
        if job.status != ImportStatus.PENDING:
            raise ValidationError({"": Msg("This import has already run.")})
        job.on_duplicate, job.dry_run = on_duplicate, dry_run
    summary = ImportSummary(job_id=job.id)
    try:
        csv_file = open_csv(path)
        mapping = clean_mapping(
            auto_map(csv_file.headers) if mapping is None else mapping, len(csv_file.headers)
        )
        job.mapping = _job_mapping(mapping, csv_file.headers)
        job.status = ImportStatus.RUNNING
        job.total_rows = summary.total = csv_file.count_rows()
        session.add(job)
        session.commit()
        ctx = _Context(session, user, _Refs.load(session), mapping, on_duplicate, dry_run, job, summary)
        ctx.settings = _SettingsCache(session)
        if progress:
            progress(0, summary.total)
        _run_batches(ctx, _batches(csv_file.records(), batch_size), summary.total, progress)
    except BaseException as exc:
        session.rollback()
        if isinstance(exc, DomainError):
            message = str(exc.message)
        else:
            message = "The import stopped: " + (str(exc) or exc.__class__.__name__)
        try:
            _finish(session, job, ImportStatus.FAILED, message)
        except Exception:  # the first error is the one to report
            session.rollback()
        raise
    summary.total = job.processed  # what was read, should the file have changed since it was counted
    _finish(session, job, ImportStatus.DONE, "")
    return summary


def _job_mapping(mapping: dict[int, str], headers: list[str]) -> dict[str, Any]:
    """What the job keeps: the mapping and the file's headers (for the failed-rows file)."""
    return {"columns": {str(k): v for k, v in mapping.items()}, "headers": list(headers)}


def _finish(session: Session, job: ImportJob, status: ImportStatus, message: str) -> None:
    job = session.get(ImportJob, job.id) or job
    job.status = status
    job.message = message[:2000]
    job.finished_at = utcnow()
    session.add(job)
    session.commit()


def _batches(records: Iterable[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for number, cells in records:
        if not _has_values(cells):
            continue  # blank rows are not rows
        batch.append((number, cells))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


Parsed = tuple[list["_Row"], list[tuple[int, list[str], list[Msg]]]]


def _parse_batch(
    settings: Any, refs: _Refs, mapping: dict[int, str], batch: list[tuple[int, list[str]]]
) -> Parsed:
    """Read and validate a batch (no writes): (rows, failures)."""
    failures: list[tuple[int, list[str], list[Msg]]] = []
    rows: list[_Row] = []
    for number, cells in batch:
        try:
            rows.append(_parse_row(settings, refs, mapping, number, cells))
        except _RowFailure as exc:
            failures.append((number, cells, exc.reasons))
    return rows, failures


# --- validation in a second process ------------------------------------------------------
# Validation (e-mail and phone checks) is about half of an import's time and needs no writes:
# a worker process validates the next batch while this one writes the current one.

PARALLEL_MIN_ROWS = 20_000
_WORKER: dict[str, Any] = {}


def _worker_start(url: str, mapping: dict[int, str]) -> None:
    from crm_app import db

    session = Session(db.get_engine(url))
    _WORKER.update(
        session=session, settings=_SettingsCache(session), refs=_Refs.load(session), mapping=mapping
    )
    session.rollback()  # read what it needs, hold no transaction open


def _worker_parse(batch: list[tuple[int, list[str]]]) -> Parsed:
    try:
        return _parse_batch(_WORKER["settings"], _WORKER["refs"], _WORKER["mapping"], batch)
    finally:
        _WORKER["session"].rollback()


def _parallel_pool(ctx: _Context, total: int):
    """A one-process pool for big files (CRM_IMPORT_WORKERS=0 turns it off), else None."""
    if total < PARALLEL_MIN_ROWS or os.environ.get("CRM_IMPORT_WORKERS", "1") == "0":
        return None
    url = ctx.session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(url.render_as_string(hide_password=False), ctx.mapping),
    )


def _run_batches(ctx: _Context, batches: Iterable[list[tuple[int, list[str]]]], total: int, progress) -> None:
    """Validate and write every batch; with a worker, validation runs one batch ahead."""
    pool = _parallel_pool(ctx, total)
    if pool is None:
        for batch in batches:
            _run_batch(ctx, batch)
            if progress:
                progress(ctx.job.processed, total)
        return
    from collections import deque
    from concurrent.futures.process import BrokenProcessPool

    ahead: deque = deque()
    broken = False
    try:
        for batch in batches:
            ahead.append((batch, None if broken else pool.submit(_worker_parse, batch)))
            while len(ahead) > 2:
                broken = _write_next(ctx, ahead, progress, total, broken, BrokenProcessPool)
        while ahead:
            broken = _write_next(ctx, ahead, progress, total, broken, BrokenProcessPool)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _write_next(ctx: _Context, ahead, progress, total: int, broken: bool, broken_error) -> bool:
    batch, future = ahead.popleft()
    parsed = None
    if future is not None and not broken:
        try:
            parsed = future.result()
        except broken_error:
            broken = True  # the worker died: validate here from now on
    _run_batch(ctx, batch, parsed)
    if progress:
        progress(ctx.job.processed, total)
    return broken


def _run_batch(ctx: _Context, batch: list[tuple[int, list[str]]], parsed: Parsed | None = None) -> None:
    """Validate (unless a worker did), check duplicates and write one batch, with the job's
    counters, in one transaction."""
    session, summary = ctx.session, ctx.summary
    rows, failures = (
        parsed if parsed is not None else _parse_batch(ctx.settings, ctx.refs, ctx.mapping, batch)
    )
    existing = _existing_matches(session, rows) if ctx.policy != "create" else {}
    pending: list[_Row] = []  # rows to create, in file order
    pending_by_key: dict[str, _Row] = {}
    updated = skipped = 0
    for row in rows:
        keys = _row_keys(row) if ctx.policy != "create" else []
        matches = [m for k in keys for m in existing.get(k, [])]
        earlier = next((pending_by_key[k] for k in keys if k in pending_by_key), None)
        seen_before = any(k in ctx.seen for k in keys)
        if matches or earlier is not None or seen_before:
            if ctx.policy == "skip":
                skipped += 1
                continue
            # matches by e-mail/phone, or by names for rows without them (import only)
            _dup, lead_id = duplicates.policy_target([(etype, i, "email") for etype, i in matches])
            lead_ids = [lead_id] if lead_id is not None else []
            if earlier is not None:
                _merge_into(earlier, row)  # one lead made from both rows
                updated += 1
            elif lead_ids:
                try:
                    if not ctx.dry_run:
                        _update_existing(ctx, lead_ids[0], row)
                    updated += 1
                except DomainError as exc:
                    reasons = _reasons(exc) if isinstance(exc, ValidationError) else [exc.message]
                    failures.append((row.number, row.cells, reasons))
            elif seen_before:
                updated += 1  # dry run: the lead an earlier batch would have made gets updated
            else:
                skipped += 1  # known as a contact or company only: there is no lead to update
            continue
        if row.create_error:
            failures.append((row.number, row.cells, row.create_error))
            continue
        pending.append(row)
        for k in keys:
            pending_by_key.setdefault(k, row)
    if ctx.dry_run:
        for row in pending:
            ctx.seen.update(_row_keys(row))
    else:
        _insert_leads(ctx, pending)
    if failures:
        session.connection().execute(
            insert(ImportRowError.__table__),
            [
                {
                    "job_id": ctx.job.id,
                    "row_number": number,
                    "reason": "; ".join(str(m) for m in reasons)[:2000],
                    "raw": cells,
                }
                for number, cells, reasons in failures
            ],
        )
    summary.created += len(pending)
    summary.updated += updated
    summary.skipped += skipped
    summary.failed += len(failures)
    job = ctx.job
    job.processed += len(batch)
    job.created, job.updated, job.skipped, job.failed = (
        summary.created, summary.updated, summary.skipped, summary.failed,
    )  # fmt: skip
    session.add(job)
    session.commit()


def _merge_into(target: _Row, row: _Row) -> None:
    """A later row of the file for a lead still to be created: its values fill / overwrite."""
    for key in row.given:
        value = row.data.get(key)
        if key in leads.LIST_FIELDS:
            known = {n for _v, n in target.data.get(key, [])}
            extra = [(v, n) for v, n in value if n not in known]
            target.data[key] = [*target.data.get(key, []), *extra][: leads.MAX_ITEMS]
        elif value not in (None, ""):
            target.data[key] = value
    target.given |= row.given


def _update_existing(ctx: _Context, lead_id: int, row: _Row) -> None:
    """Fill / overwrite an existing lead with the row's non-empty values, through update_lead."""
    data: dict[str, Any] = {}
    lead = ctx.session.get(Lead, lead_id)
    for key in row.given:
        value = row.data.get(key)
        if key in leads.LIST_FIELDS:
            kind = CommKind.PHONE if key == "phones" else CommKind.EMAIL
            current = ctx.session.exec(
                select(Communication.value, Communication.normalized)
                .where(
                    Communication.entity_type == EntityType.LEAD,
                    Communication.entity_id == lead_id,
                    Communication.kind == kind,
                )
                .order_by(col(Communication.is_primary).desc(), Communication.id)
            ).all()
            known = {n for _v, n in current}
            merged = [v for v, _n in current] + [v for v, n in value if n not in known]
            if len(merged) > len(current):
                data[key] = merged[: leads.MAX_ITEMS]
        elif key == "status_id" and lead is not None and lead.result is not None:
            continue  # a finalised lead keeps its status
        else:
            data[key] = value
    if data:
        leads.update_lead(session=ctx.session, user=ctx.user, lead_id=lead_id, data=data, commit=False)


def _insert_leads(ctx: _Context, rows: list[_Row]) -> None:
    if not rows:
        return
    now = utcnow()
    refs, user_id = ctx.refs, ctx.user.id
    lead_rows = []
    for row in rows:
        d = row.data
        lead_rows.append(
            {
                **{k: d.get(k, "") for k in leads.TEXT_FIELDS},
                "amount": d.get("amount"),
                "currency_code": d.get("currency_code"),
                "status_id": d.get("status_id") or refs.first_status_id,
                "source_id": d.get("source_id") or refs.import_source_id,
                "responsible_id": d.get("responsible_id") or user_id,
                "created_by_id": user_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    conn = ctx.session.connection()
    ids = insert_returning_ids(conn, Lead.__table__, lead_rows)
    comms = []
    for lead_id, row in zip(ids, rows, strict=True):
        for key, kind in (("phones", CommKind.PHONE), ("emails", CommKind.EMAIL)):
            for i, (value, norm) in enumerate(row.data.get(key, [])):
                comms.append(
                    {
                        "entity_type": EntityType.LEAD,
                        "entity_id": lead_id,
                        "kind": kind,
                        "label": "work",
                        "value": value[:255],
                        "normalized": norm[:255],
                        "is_primary": i == 0,
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                )
    if comms:
        conn.execute(insert(Communication.__table__), comms)
    conn.execute(
        insert(TimelineEntry.__table__),
        [
            {
                "entity_type": EntityType.LEAD,
                "entity_id": lead_id,
                "kind": TimelineKind.CREATED,
                "author_id": user_id,
                "text": "",
                "payload": {"origin": "import"},
                "created_at": now,
            }
            for lead_id in ids
        ],
    )


# --- failed rows and export ------------------------------------------------------------------


def _safe_cell(value: str) -> str:
    """Cells a spreadsheet would run as a formula get a leading quote (the import takes it off).

    Phone numbers such as +33 1 23 45 67 89 stay as they are: they cannot call anything.
    """
    if value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def failed_rows_csv(*, session: Session, user: User, job_id: int) -> str:
    """The rows a job could not take: the file's columns as read, then an "Error" column."""
    job = get_job(session=session, user=user, job_id=job_id)
    errors = session.exec(
        select(ImportRowError)
        .where(ImportRowError.job_id == job.id)
        .order_by(ImportRowError.row_number, ImportRowError.id)
    ).all()
    headers = [str(h) for h in (job.mapping or {}).get("headers") or []]
    width = max([len(headers), *(len(e.raw) for e in errors)])
    headers += [f"Column {i + 1}" for i in range(len(headers), width)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*headers, ERROR_COLUMN])
    for e in errors:
        cells = [_safe_cell(str(c)) for c in e.raw] + [""] * (width - len(e.raw))
        writer.writerow([*cells, _safe_cell(f"Row {e.row_number}: {e.reason}")])
    return out.getvalue()


def export_leads(*, session: Session, user: User, path: str | Path, page_size: int = 500) -> int:
    """Write every lead (not deleted) as CSV the import reads back. Returns the number of leads.

    UTF-8 with a BOM (spreadsheets then show accents right), several phones or e-mails joined
    with ", ", newest lead first, read in keyset pages. Only the leads the user may export.
    """
    permissions.require(session, user, permissions.Action.EXPORT, EntityType.LEAD)
    statuses = {s.id: s.name for s in leads.lead_statuses(session)}
    sources = {s.id: s.name for s in session.exec(select(Source)).all()}
    users = {u.id: u.email for u in session.exec(select(User)).all()}
    count = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([header for _key, header in EXPORT_COLUMNS])
        after_id = None
        while True:
            page = leads.leads_after(
                session=session,
                user=user,
                after_id=after_id,
                limit=page_size,
                action=permissions.Action.EXPORT,
            )
            if not page:
                break
            comms = leads.communications(session, EntityType.LEAD, [lead.id for lead in page])
            for lead in page:
                values = {
                    **{k: getattr(lead, k) or "" for k in leads.TEXT_FIELDS},
                    "phones": ", ".join(comms[lead.id]["phones"]),
                    "emails": ", ".join(comms[lead.id]["emails"]),
                    "source": sources.get(lead.source_id, ""),
                    # a converted/junk lead's final status cannot start a new lead: left empty,
                    # so the file imports back (into the first status in progress)
                    "status": "" if lead.result else statuses.get(lead.status_id, ""),
                    "responsible": users.get(lead.responsible_id, ""),
                    "amount": _amount_text(lead.amount),
                    "currency": lead.currency_code or "",
                }
                writer.writerow([_safe_cell(str(values[key])) for key, _h in EXPORT_COLUMNS])
            count += len(page)
            after_id = page[-1].id
            for lead in page:
                session.expunge(lead)  # keep memory flat on big exports
    return count


def _amount_text(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"
