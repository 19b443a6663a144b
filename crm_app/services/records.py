"""Contacts, companies and deals: validation, creation with history, search to link.

A first cut made for lead conversion; the contacts, companies and deals issues extend it
(update, lists, cards). Phones, e-mails, website, amounts, currencies, sources and users go
through the same rules as leads (`leads.clean_lead_data`), so a value accepted on a lead is
accepted on the contact or company it becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import (
    Company,
    Contact,
    ContactCompany,
    Deal,
    EntityType,
    Pipeline,
    PipelineKind,
    Stage,
    StageSemantic,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id
from crm_app.services import (
    defaults,
    display,
    leads,
    money,
    party_index,
    permissions,
    pipelines,
    timeline,
    uow,
)
from crm_app.services.errors import NotFound, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.permissions import Action
from crm_app.services.validation import clean_text

# field -> (label, max length); the lengths are the columns'
CONTACT_TEXT: dict[str, tuple[str, int]] = {
    "honorific": (N_("Salutation"), 20),
    "first_name": (N_("First name"), 100),
    "second_name": (N_("Middle name"), 100),
    "last_name": (N_("Last name"), 100),
    "position": (N_("Position"), 255),
    "address": (N_("Address"), 1000),
    "comment": (N_("Comment"), 10_000),
}
COMPANY_TEXT: dict[str, tuple[str, int]] = {
    "name": (N_("Company name"), 255),
    "industry": (N_("Industry"), 100),
    "address": (N_("Address"), 1000),
    "comment": (N_("Comment"), 10_000),
}
DEAL_TEXT: dict[str, tuple[str, int]] = {
    "title": (N_("Deal title"), 255),
    "comment": (N_("Comment"), 10_000),
}
# checked by the lead rules, so the same value means the same thing everywhere
SHARED_REFS = ("source_id", "responsible_id")
COMM_FIELDS = ("phones", "emails")
ORIGINS = ("form", "conversion", "import", "api", "cli")


# --- reference data ------------------------------------------------------------------------


def deal_pipelines(session: Session) -> list[Pipeline]:
    """Deal pipelines, the default one first (then in their order: services.pipelines)."""
    return sorted(pipelines.ordered(session), key=lambda p: not p.is_default)


def default_deal_pipeline(session: Session) -> Pipeline:
    return pipelines.default_pipeline(session)


def first_deal_stage(session: Session, pipeline_id: int) -> Stage | None:
    """Where a new deal starts: the pipeline's first stage in progress."""
    return session.exec(
        select(Stage)
        .where(Stage.pipeline_id == pipeline_id, Stage.semantic == StageSemantic.IN_PROGRESS)
        .order_by(col(Stage.sort), col(Stage.id))
    ).first()


# --- validation ----------------------------------------------------------------------------


def _clean_texts(
    data: dict[str, Any], spec: dict[str, tuple[str, int]], errors: dict[str, Msg], *, required=()
) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, (label, max_len) in spec.items():
        value = data.get(key)
        text, err = clean_text(
            None if value is None else str(value),
            field_label=label,
            max_len=max_len,
            required=key in required,
        )
        if err:
            errors[key] = err
        out[key] = text
    return out


def _clean_shared(session: Session, data: dict[str, Any], keys: tuple[str, ...], errors: dict[str, Msg]):
    """Phones, e-mails, website, amount, currency, source, responsible: the lead rules."""
    given = {k: data.get(k) for k in keys}
    try:
        return leads.clean_lead_data(session, given, partial=True)
    except ValidationError as exc:
        errors.update(exc.errors)
        return {}


int_or_none = leads.int_or_none


def clean_contact_data(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Checks a new contact's fields. Phones/e-mails come back as [(shown, normalised)]."""
    errors: dict[str, Msg] = {}
    out: dict[str, Any] = _clean_texts(data, CONTACT_TEXT, errors)
    if not errors.get("last_name") and not (out["first_name"] or out["last_name"]):
        errors["last_name"] = Msg("Enter a first name or a last name.")
    out.update(_clean_shared(session, data, (*COMM_FIELDS, *SHARED_REFS), errors))
    out["birthdate"], err = _clean_date(data.get("birthdate"))
    if err:
        errors["birthdate"] = err
    if errors:
        raise ValidationError(errors)
    return out


def clean_company_data(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Msg] = {}
    out: dict[str, Any] = _clean_texts(data, COMPANY_TEXT, errors, required=("name",))
    # the website's check (a web address, never javascript:) is the lead's
    out.update(_clean_shared(session, data, ("website", *COMM_FIELDS, *SHARED_REFS), errors))
    out["employees"], err = _clean_employees(data.get("employees"))
    if err:
        errors["employees"] = err
    out["revenue"], err = money.clean_amount(data.get("revenue"))
    if err:
        errors["revenue"] = err
    if errors:
        raise ValidationError(errors)
    return out


MAX_EMPLOYEES = 10_000_000


def _clean_employees(value: Any) -> tuple[int | None, Msg | None]:
    text = str(value if value is not None else "").strip().replace(" ", "").replace("\u202f", "")
    text = text.replace("\xa0", "").replace(",", "")
    if not text:
        return None, None
    if not text.isdigit() or int(text) > MAX_EMPLOYEES:
        return None, Msg("Enter a whole number of employees, from 0 to {max}.", max=MAX_EMPLOYEES)
    return int(text), None


def clean_deal_data(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Checks a new deal's fields, and picks its pipeline's first stage in progress."""
    errors: dict[str, Msg] = {}
    out: dict[str, Any] = _clean_texts(data, DEAL_TEXT, errors, required=("title",))
    money = _clean_shared(session, data, ("amount", "currency_code", *SHARED_REFS), errors)
    out.update(money)
    if "amount" in money:
        out["amount"] = money["amount"] if money["amount"] is not None else Decimal("0.00")
        out["currency_code"] = money.get("currency_code") or defaults.base_currency(session=session)
    pipeline_id = int_or_none(data.get("pipeline_id"))
    if pipeline_id is None:
        pipeline_id = default_deal_pipeline(session).id
    pipeline = session.get(Pipeline, pipeline_id)
    stage = None
    if pipeline is None or pipeline.kind != PipelineKind.DEAL:
        errors["pipeline_id"] = Msg("Choose a pipeline.")
    else:
        stage = first_deal_stage(session, saved_id(pipeline))
        if stage is None:
            errors["pipeline_id"] = Msg("This pipeline has no stage in progress.")
    out["pipeline_id"] = pipeline_id
    out["stage_id"] = stage.id if stage else None
    for key, model in (("contact_id", Contact), ("company_id", Company)):
        ref = int_or_none(data.get(key))
        if ref is not None:
            row = session.get(model, ref)
            if row is None or row.deleted_at is not None:
                errors[key] = Msg("Choose a contact.") if key == "contact_id" else Msg("Choose a company.")
        out[key] = ref
    out["close_date"], err = _clean_date(data.get("close_date"))
    if err:
        errors["close_date"] = err
    if errors:
        raise ValidationError(errors)
    return out


def _clean_date(value: Any) -> tuple[date | None, Msg | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, date):
        return value, None
    try:
        return date.fromisoformat(str(value).strip()), None
    except ValueError:
        return None, Msg("Enter a date, like 2025-03-31.")


# --- creation ------------------------------------------------------------------------------


def _created(
    session: Session, etype: EntityType, entity_id: int, user: User, origin: str, lead_id: int | None
):
    payload: dict[str, Any] = {"origin": origin if origin in ORIGINS else "form"}
    if lead_id is not None:
        payload["lead_id"] = lead_id
    timeline.record(
        session,
        entity_type=etype,
        entity_id=entity_id,
        kind=TimelineKind.CREATED,
        author_id=user.id,
        payload=payload,
    )


def _finish(session: Session, row, commit: bool):
    if commit:
        uow.commit(session)
        session.refresh(row)
    return row


def _add_party(session: Session, etype: EntityType, record, cleaned: dict[str, Any], user: User, lead_id):
    """Save a new contact or company with what both have: owner, source, origin lead, phones, e-mails."""
    record.source_id = cleaned.get("source_id")
    record.responsible_id = cleaned.get("responsible_id") or user.id
    record.created_by_id = user.id
    record.lead_id = lead_id
    session.add(record)
    session.flush()
    leads.set_communications(session, etype, record.id, phones=cleaned["phones"], emails=cleaned["emails"])
    return record


def create_contact(
    *,
    session: Session,
    user: User,
    data: dict[str, Any],
    origin: str = "form",
    lead_id: int | None = None,
    commit: bool = True,
) -> Contact:
    """A new contact with its phones and e-mails and a 'created' history entry.

    `data` may hold `company_id` (an existing company the contact belongs to).
    """
    permissions.require(session, user, Action.CREATE, EntityType.CONTACT)
    cleaned = clean_contact_data(session, data)
    company_id = int_or_none(data.get("company_id"))
    if company_id is not None and get_live(session, Company, company_id) is None:
        raise ValidationError({"company_id": Msg("Choose a company.")})
    contact = _add_party(
        session,
        EntityType.CONTACT,
        Contact(**{k: cleaned[k] for k in CONTACT_TEXT}, birthdate=cleaned["birthdate"]),
        cleaned,
        user,
        lead_id,
    )
    if company_id is not None:
        link_contact_company(session, contact_id=saved_id(contact), company_id=company_id)
    _created(session, EntityType.CONTACT, saved_id(contact), user, origin, lead_id)
    return _finish(session, contact, commit)


def create_company(
    *,
    session: Session,
    user: User,
    data: dict[str, Any],
    origin: str = "form",
    lead_id: int | None = None,
    commit: bool = True,
) -> Company:
    permissions.require(session, user, Action.CREATE, EntityType.COMPANY)
    cleaned = clean_company_data(session, data)
    company = _add_party(
        session,
        EntityType.COMPANY,
        Company(
            **{k: cleaned[k] for k in COMPANY_TEXT},
            website=cleaned["website"],
            employees=cleaned["employees"],
            revenue=cleaned["revenue"],
        ),
        cleaned,
        user,
        lead_id,
    )
    _created(session, EntityType.COMPANY, saved_id(company), user, origin, lead_id)
    return _finish(session, company, commit)


def create_deal(
    *,
    session: Session,
    user: User,
    data: dict[str, Any],
    origin: str = "form",
    lead_id: int | None = None,
    commit: bool = True,
) -> Deal:
    """A new deal in its pipeline's first stage in progress (the default pipeline if none given)."""
    permissions.require(session, user, Action.CREATE, EntityType.DEAL)
    cleaned = clean_deal_data(session, data)
    deal = Deal(
        title=cleaned["title"],
        comment=cleaned["comment"],
        amount=cleaned["amount"],
        currency_code=cleaned["currency_code"],
        close_date=cleaned["close_date"],
        pipeline_id=cleaned["pipeline_id"],
        stage_id=cleaned["stage_id"],
        contact_id=cleaned["contact_id"],
        company_id=cleaned["company_id"],
        source_id=cleaned.get("source_id"),
        responsible_id=cleaned.get("responsible_id") or user.id,
        created_by_id=user.id,
        lead_id=lead_id,
    )
    session.add(deal)
    session.flush()
    _created(session, EntityType.DEAL, saved_id(deal), user, origin, lead_id)
    return _finish(session, deal, commit)


def link_contact_company(session: Session, *, contact_id: int, company_id: int) -> bool:
    """Make a contact belong to a company (the first company is its primary one).

    Returns False when the link already existed. The caller commits.
    """
    if session.get(ContactCompany, (contact_id, company_id)) is not None:
        return False
    has_primary = session.exec(
        select(ContactCompany.company_id).where(
            ContactCompany.contact_id == contact_id, col(ContactCompany.is_primary).is_(True)
        )
    ).first()
    session.add(ContactCompany(contact_id=contact_id, company_id=company_id, is_primary=has_primary is None))
    session.flush()
    return True


def get_live(session: Session, model, row_id: int | None):
    """A contact, company or deal that exists and is not in the recycle bin, else None."""
    if row_id is None:
        return None
    row = session.get(model, row_id)
    return row if row is not None and row.deleted_at is None else None


def get_contact(*, session: Session, user: User, contact_id: int) -> Contact:
    permissions.require_user(user)
    contact = get_live(session, Contact, contact_id)
    if contact is None:
        raise NotFound(Msg("This contact does not exist or was deleted."))
    permissions.require(session, user, Action.VIEW, contact)
    return contact


def get_company(*, session: Session, user: User, company_id: int) -> Company:
    permissions.require_user(user)
    company = get_live(session, Company, company_id)
    if company is None:
        raise NotFound(Msg("This company does not exist or was deleted."))
    permissions.require(session, user, Action.VIEW, company)
    return company


# --- search (to link a lead to an existing record) -----------------------------------------

MAX_QUERY = 200


@dataclass
class RecordHit:
    id: int
    name: str
    detail: str  # position or industry, e-mail, phone: what tells two namesakes apart


def _detail(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def search_contacts(*, session: Session, user: User, text: str, limit: int = 10) -> list[RecordHit]:
    """Contacts whose name, e-mail or phone matches `text` (at least 2 characters)."""
    permissions.require_user(user)
    text = (text or "").strip()[:MAX_QUERY]
    if len(text) < 2:
        return []
    rows = session.exec(
        permissions.visible(select(Contact), session=session, user=user, entity=EntityType.CONTACT)
        .where(
            col(Contact.deleted_at).is_(None),
            party_index.matching(Contact, text),
        )
        .order_by(col(Contact.sort_name), col(Contact.id))
        .limit(max(1, min(limit, 50)))
    ).all()
    comms = leads.communications(session, EntityType.CONTACT, [saved_id(c) for c in rows])
    return [
        RecordHit(
            cid,
            display.contact_name(c),
            _detail(c.position, (comms[cid]["emails"] or [""])[0], (comms[cid]["phones"] or [""])[0]),
        )
        for c in rows
        for cid in [saved_id(c)]
    ]


def search_companies(*, session: Session, user: User, text: str, limit: int = 10) -> list[RecordHit]:
    """Companies whose name, e-mail or phone matches `text` (at least 2 characters)."""
    permissions.require_user(user)
    text = (text or "").strip()[:MAX_QUERY]
    if len(text) < 2:
        return []
    rows = session.exec(
        permissions.visible(select(Company), session=session, user=user, entity=EntityType.COMPANY)
        .where(col(Company.deleted_at).is_(None), party_index.matching(Company, text))
        .order_by(col(Company.sort_name), col(Company.id))
        .limit(max(1, min(limit, 50)))
    ).all()
    comms = leads.communications(session, EntityType.COMPANY, [saved_id(c) for c in rows])
    return [
        RecordHit(
            cid,
            c.name,
            _detail(
                c.industry, c.website, (comms[cid]["emails"] or [""])[0], (comms[cid]["phones"] or [""])[0]
            ),
        )
        for c in rows
        for cid in [saved_id(c)]
    ]
