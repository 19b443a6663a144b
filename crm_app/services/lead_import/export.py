"""The rows an import could not take, and every lead, as CSV files the import reads back."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, col, select

from crm_app.models import EntityType, ImportRowError, Source, User
from crm_app.models.base import saved_id
from crm_app.services import leads, permissions
from crm_app.services.lead_import.mapping import EXPORT_COLUMNS
from crm_app.services.lead_import.rows import _FORMULA_START
from crm_app.services.lead_import.run import get_job
from crm_app.services.lead_import.upload import DELIMITERS

ERROR_COLUMN = "Error"


# phone numbers as the export writes them (E.164, several joined with ", "): a spreadsheet cannot
# compute anything from them, so they keep their "+"
_PHONES_CELL = re.compile(r"^\+[0-9 ().]+(, ?\+[0-9 ().]+)*$")


def _safe_cell(value: str) -> str:
    """Cells a spreadsheet would run as a formula get a leading quote (the import takes it off).

    Anything starting with =, +, -, @, a tab or a carriage return, except phone numbers such as
    +33 1 23 45 67 89: "+1+1", "-1+1" and "-2-3/4" would be computed.
    """
    if value.startswith(_FORMULA_START) and not _PHONES_CELL.match(value):
        return "'" + value
    return value


def failed_rows_csv(*, session: Session, user: User, job_id: int) -> bytes:
    """The rows a job could not take: the file's columns as read, then an "Error" column.

    Written with the uploaded file's separator and encoding, so a spreadsheet opens it as it
    opened the file and the fixed rows import again; in UTF-8 with a BOM should a value not fit
    that encoding (an error message in another alphabet), or for jobs that did not keep it.
    """
    job = get_job(session=session, user=user, job_id=job_id)
    errors = session.exec(
        select(ImportRowError)
        .where(ImportRowError.job_id == job.id)
        .order_by(col(ImportRowError.row_number), col(ImportRowError.id))
    ).all()
    kept = job.mapping or {}
    headers = [str(h) for h in kept.get("headers") or []]
    width = max([len(headers), *(len(e.raw) for e in errors)])
    headers += [f"Column {i + 1}" for i in range(len(headers), width)]
    delimiter = str(kept.get("delimiter") or ",")
    if delimiter not in DELIMITERS:
        delimiter = ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([*headers, ERROR_COLUMN])
    for e in errors:
        cells = [_safe_cell(str(c)) for c in e.raw] + [""] * (width - len(e.raw))
        writer.writerow([*cells, _safe_cell(f"Row {e.row_number}: {e.reason}")])
    return _encode(out.getvalue(), kept.get("encoding") or FALLBACK_ENCODING)


FALLBACK_ENCODING = "utf-8-sig"  # spreadsheets read accents right with the BOM


def _encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return text.encode(FALLBACK_ENCODING)


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
            comms = leads.communications(session, EntityType.LEAD, [saved_id(lead) for lead in page])
            for lead in page:
                values = {
                    **{k: getattr(lead, k) or "" for k in leads.TEXT_FIELDS},
                    "phones": ", ".join(comms[saved_id(lead)]["phones"]),
                    "emails": ", ".join(comms[saved_id(lead)]["emails"]),
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
