"""Contacts and companies as CSV files (`crm export contacts|companies FILE`): every record the
user may export, newest first, read in keyset pages, UTF-8 with a BOM, several phones or e-mails
joined with ", ", cells a spreadsheet would compute quoted (as the lead export does)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import Company, ContactCompany, Source, User
from crm_app.models.base import saved_id
from crm_app.services import leads, parties, permissions
from crm_app.services.lead_import.export import _safe_cell

Column = tuple[str, Callable[[Any, dict[str, Any]], Any]]

_COMMON_TAIL: list[Column] = [
    ("Phones", lambda _r, x: ", ".join(x["comms"]["phones"])),
    ("E-mails", lambda _r, x: ", ".join(x["comms"]["emails"])),
    ("Address", lambda r, _x: r.address),
    ("Source", lambda r, x: x["sources"].get(r.source_id, "")),
    ("Responsible", lambda r, x: x["users"].get(r.responsible_id, "")),
    ("Comment", lambda r, _x: r.comment),
    ("Created", lambda r, _x: r.created_at.isoformat(timespec="seconds")),
]
CONTACT_COLUMNS: list[Column] = [
    ("Salutation", lambda r, _x: r.honorific),
    ("First name", lambda r, _x: r.first_name),
    ("Middle name", lambda r, _x: r.second_name),
    ("Last name", lambda r, _x: r.last_name),
    ("Position", lambda r, _x: r.position),
    ("Date of birth", lambda r, _x: r.birthdate.isoformat() if r.birthdate else ""),
    ("Company", lambda r, x: x["companies"].get(saved_id(r), "")),
    *_COMMON_TAIL,
]
COMPANY_COLUMNS: list[Column] = [
    ("Company name", lambda r, _x: r.name),
    ("Industry", lambda r, _x: r.industry),
    ("Website", lambda r, _x: r.website),
    ("Employees", lambda r, _x: "" if r.employees is None else r.employees),
    ("Annual revenue", lambda r, _x: _amount(r.revenue)),
    *_COMMON_TAIL,
]


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _primary_companies(session: Session, contact_ids: list[int]) -> dict[int, str]:
    rows = session.exec(
        select(ContactCompany.contact_id, Company.name)
        .join(Company, col(Company.id) == ContactCompany.company_id)
        .where(
            col(ContactCompany.contact_id).in_(contact_ids),
            col(ContactCompany.is_primary).is_(True),
            col(Company.deleted_at).is_(None),
        )
    ).all()
    return dict(rows)


def export(
    kind: parties.Kind, *, session: Session, user: User, path: str | Path, page_size: int = 500
) -> int:
    """Write every contact or company the user may export to `path`; returns how many."""
    permissions.require(session, user, permissions.Action.EXPORT, kind.entity)
    columns = CONTACT_COLUMNS if kind is parties.CONTACTS else COMPANY_COLUMNS
    context: dict[str, Any] = {
        "sources": {s.id: s.name for s in session.exec(select(Source)).all()},
        "users": {u.id: u.email for u in session.exec(select(User)).all()},
    }
    count, after_id = 0, None
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([header for header, _value in columns])
        while True:
            page = parties.rows_after(
                kind,
                session=session,
                user=user,
                after_id=after_id,
                limit=page_size,
                action=permissions.Action.EXPORT,
            )
            if not page:
                break
            ids = [saved_id(r) for r in page]
            comms = leads.communications(session, kind.entity, ids)
            context["companies"] = _primary_companies(session, ids) if kind is parties.CONTACTS else {}
            for row in page:
                context["comms"] = comms[saved_id(row)]
                writer.writerow([_safe_cell(str(value(row, context) or "")) for _h, value in columns])
            count += len(page)
            after_id = page[-1].id
            for row in page:
                session.expunge(row)  # memory stays flat on big exports
    return count
