"""Card view models: everything a record's card shows, read in one call, as plain dataclasses.

States copy these into vars (and translate labels); the API and later cards (contact, company,
deal) build theirs the same way. What the user may do with the record comes from
`permissions.can`, so a card never offers a button the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import Company, Contact, Deal, Lead, LostReason, Source, StageSemantic, User
from crm_app.services import display, leads, permissions
from crm_app.services.permissions import Action


@dataclass
class StatusStep:
    """One status of the card's status bar."""

    id: int
    name: str
    color: str
    final: bool  # success or failure: reached through Finalise
    reached: bool
    current: bool
    failure: bool = False  # the junk status: Finalise opens on "Close as junk"


@dataclass
class RecordLink:
    """A record made from (or linked to) this one."""

    kind: str  # "contact", "company", "deal"
    id: int
    name: str
    deleted: bool = False


@dataclass
class Capabilities:
    edit: bool = False
    delete: bool = False
    convert: bool = False


@dataclass
class LeadCard:
    id: int
    version: int
    name: str  # display.lead_name
    person: str  # the person part of the name
    title: str
    company_name: str
    values: dict[str, Any]  # as leads.update_lead takes them (phones/e-mails: lists)
    status_id: int
    statuses: list[StatusStep]
    source_name: str
    responsible_name: str
    amount: Decimal | None
    currency_code: str
    result: str  # "", "converted", "junk"
    junk_reason: str
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    links: list[RecordLink] = field(default_factory=list)
    can: Capabilities = field(default_factory=Capabilities)


def _status_steps(session: Session, lead: Lead) -> list[StatusStep]:
    statuses = leads.lead_statuses(session)
    current = next((i for i, st in enumerate(statuses) if st.id == lead.status_id), 0)
    return [
        StatusStep(
            id=st.id or 0,
            name=st.name,
            color=st.color,
            final=st.semantic != StageSemantic.IN_PROGRESS,
            reached=i <= current and (st.semantic == StageSemantic.IN_PROGRESS or st.id == lead.status_id),
            current=st.id == lead.status_id,
            failure=st.semantic == StageSemantic.FAILURE,
        )
        for i, st in enumerate(statuses)
    ]


def _names(session: Session, lead: Lead) -> tuple[str, str, str]:
    """(source, responsible, junk reason) names in one query."""
    row = session.exec(
        select(Source.name, User.name, LostReason.name)
        .select_from(Lead)
        .join(Source, col(Source.id) == Lead.source_id, isouter=True)
        .join(User, col(User.id) == Lead.responsible_id, isouter=True)
        .join(LostReason, col(LostReason.id) == Lead.junk_reason_id, isouter=True)
        .where(Lead.id == lead.id)
    ).one()
    return row[0] or "", row[1] or "", row[2] or ""


def _links(session: Session, lead: Lead) -> list[RecordLink]:
    out: list[RecordLink] = []
    for kind, model, row_id in (
        ("contact", Contact, lead.contact_id),
        ("company", Company, lead.company_id),
        ("deal", Deal, lead.deal_id),
    ):
        row = session.get(model, row_id) if row_id else None
        if row is not None:
            out.append(RecordLink(kind, row.id or 0, display.name_of(row), row.deleted_at is not None))
    return out


def lead_card(*, session: Session, user: User, lead_id: int, lead: Lead | None = None) -> LeadCard:
    """The lead card's view model (NotFound for a missing or deleted lead).

    `lead`: the row a service just returned (saves reading it again).
    """
    if lead is None or lead.id != lead_id:
        lead = leads.get_lead(session=session, user=user, lead_id=lead_id)
    source_name, responsible_name, junk_reason = _names(session, lead)
    values = leads.lead_values(session, lead)
    may_edit = permissions.can(session, user, Action.EDIT, lead)
    return LeadCard(
        id=lead.id or 0,
        version=lead.version,
        name=display.lead_name(lead),
        person=display.lead_person(lead),
        title=lead.title,
        company_name=lead.company_name,
        values=values,
        status_id=lead.status_id,
        statuses=_status_steps(session, lead),
        source_name=source_name,
        responsible_name=responsible_name,
        amount=lead.amount,
        currency_code=lead.currency_code or "",
        result=lead.result.value if lead.result else "",
        junk_reason=junk_reason,
        closed_at=lead.closed_at,
        created_at=lead.created_at,
        updated_at=lead.updated_at,
        links=_links(session, lead),
        can=Capabilities(
            edit=may_edit,
            delete=permissions.can(session, user, Action.DELETE, lead),
            convert=may_edit and lead.result is None,
        ),
    )
