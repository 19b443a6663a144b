"""Finalising a lead (Bitrix24's "Finaliser le prospect"): convert it into a contact, a company
and/or a deal, or close it as junk. Used alike by the UI, the REST API and the `crm` command.

A finalised lead stays in the CRM with its result, its final status and links to what it became;
its status can no longer change (`leads.change_status` refuses). The conversion is one transaction:
the lead row is locked (PostgreSQL) and its version checked on write (every database), so two
people converting the same lead at once end with one conversion and one clear refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import (
    Company,
    Contact,
    Currency,
    Deal,
    EntityType,
    Lead,
    LeadResult,
    LostReason,
    ReasonKind,
    Stage,
    StageSemantic,
    TimelineKind,
    User,
)
from crm_app.models.base import saved_id, utcnow
from crm_app.services import defaults, display, duplicates, leads, permissions, records, timeline, uow
from crm_app.services.errors import Conflict, NotFound, StaleRecord, ValidationError
from crm_app.services.i18n import Msg, normalize_language, tr
from crm_app.services.permissions import Action
from crm_app.services.phones import display_phone
from crm_app.services.validation import clean_text

MAX_JUNK_COMMENT = 2000
CONTACT_KEYS = ("honorific", "first_name", "second_name", "last_name", "position", "address")


@dataclass
class ConversionResult:
    lead: Lead
    contact_id: int | None = None
    company_id: int | None = None
    deal_id: int | None = None
    created: list[str] = field(default_factory=list)  # "contact", "company", "deal"
    linked: list[str] = field(default_factory=list)  # existing "contact", "company"


# --- the lead and its statuses ---------------------------------------------------------------


def final_status(session: Session, semantic: StageSemantic) -> Stage:
    """The lead pipeline's first status with this final semantic (success or failure)."""
    pipeline = leads.lead_pipeline(session)
    stage = session.exec(
        select(Stage)
        .where(Stage.pipeline_id == pipeline.id, Stage.semantic == semantic)
        .order_by(col(Stage.sort), col(Stage.id))
    ).first()
    if stage is None:
        raise Conflict(Msg("The lead statuses have no final status for this. Add one in Settings."))
    return stage


def junk_reasons(session: Session) -> list[LostReason]:
    return list(
        session.exec(
            select(LostReason)
            .where(LostReason.kind == ReasonKind.LEAD_JUNK)
            .order_by(col(LostReason.sort), col(LostReason.id))
        ).all()
    )


def _already_finalised(lead: Lead) -> Conflict:
    if lead.result == LeadResult.CONVERTED:
        return Conflict(Msg("This lead is already converted. Open the records it was converted into."))
    return Conflict(Msg("This lead is already closed as junk."))


def _lock_open_lead(session: Session, user: User, lead_id: int, expected_version: int | None) -> Lead:
    """The lead, re-read inside this transaction (row-locked on PostgreSQL), still open."""
    permissions.require_user(user)
    lead = session.exec(
        select(Lead).where(Lead.id == lead_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if lead is None or lead.deleted_at is not None:
        raise NotFound(Msg("This lead does not exist or was deleted."))
    leads.require_lead(session, user, Action.EDIT, lead)  # finalising changes the lead
    if lead.result is not None:
        raise _already_finalised(lead)
    uow.check_version(lead, expected_version)
    return lead


def _commit_or_explain(session: Session, lead_id: int) -> None:
    """Commit; if someone finalised or edited the lead meanwhile, roll back and say why."""
    try:
        uow.commit(session)
    except StaleRecord:
        lead = session.exec(
            select(Lead).where(Lead.id == lead_id).execution_options(populate_existing=True)
        ).first()
        if lead is not None and lead.result is not None:
            raise _already_finalised(lead) from None
        raise


def _summary_name(session: Session, model, row_id: int | None) -> dict[str, Any] | None:
    row = session.get(model, row_id) if row_id else None
    if row is None:
        return None
    return {"id": row.id, "name": display.name_of(row), "deleted": row.deleted_at is not None}


def lead_summary(session: Session, lead: Lead) -> dict[str, Any]:
    """What the dialog shows about the lead, and for a finalised one what it became."""
    reason = session.get(LostReason, lead.junk_reason_id) if lead.junk_reason_id else None
    status = session.get(Stage, lead.status_id)
    return {
        "id": lead.id,
        "name": display.lead_name(lead),
        "version": lead.version,
        "result": lead.result.value if lead.result else "",
        "status": status.name if status else "",
        "closed_at": lead.closed_at,
        "junk_reason": reason.name if reason else "",
        "contact": _summary_name(session, Contact, lead.contact_id),
        "company": _summary_name(session, Company, lead.company_id),
        "deal": _summary_name(session, Deal, lead.deal_id),
    }


# --- defaults ---------------------------------------------------------------------------------


def carried_values(session: Session, user: User, lead: Lead) -> dict[str, dict[str, Any]]:
    """The one "carry fields" rule: the values a lead gives to a new contact, company and deal
    (the Finalise dialog pre-fills them, the API's `"carry": true` and `crm lead convert` use them).

    The person's fields, phones and e-mails go to the contact; the company name and website to
    the company, with the address, phones and e-mails too when the lead names no person; the
    title (else "<name> deal"), amount and currency to a deal in the default pipeline.
    Source and responsible carry over to all three in `convert_lead`.
    """
    comms = leads.communications(session, EntityType.LEAD, [saved_id(lead)])[saved_id(lead)]
    phones = [display_phone(p) for p in comms["phones"]]
    emails = comms["emails"]
    person = display.lead_person(lead)
    contact: dict[str, Any] = {k: getattr(lead, k) for k in CONTACT_KEYS}
    contact.update(phones=phones, emails=emails)
    company = {
        "name": lead.company_name,
        "website": lead.website,
        "address": "" if person else lead.address,
        # a company-only lead's phones and e-mails are the company's
        "phones": [] if person else phones,
        "emails": [] if person else emails,
    }
    lang = normalize_language(user.language)
    title = lead.title or tr(lang, Msg("{name} deal", name=lead.company_name or person or str(lead.id)))
    pipeline = records.default_deal_pipeline(session)
    deal = {
        "title": title[:255],
        "amount": "" if lead.amount is None else str(lead.amount),
        "currency_code": lead.currency_code or defaults.base_currency(session=session),
        "pipeline_id": pipeline.id,
    }
    return {"contact": contact, "company": company, "deal": deal}


def carried_parts(
    *, session: Session, user: User, lead_id: int, parts: dict[str, dict[str, Any] | None]
) -> dict[str, dict[str, Any] | None]:
    """The parts of a conversion ("contact", "company", "deal": None or a dict of fields) with the
    lead's values filled in where a part says `"carry": True` (`carried_values`); the part's other
    keys replace the carried ones. What the REST API and `crm lead convert` pass to `convert_lead`.
    """
    out = dict(parts)
    if any(part and part.get("carry") for part in parts.values()):
        lead = leads.get_lead(session=session, user=user, lead_id=lead_id)
        carried = carried_values(session, user, lead)
        for key, part in parts.items():
            if part and part.get("carry"):
                out[key] = {**carried[key], **{k: v for k, v in part.items() if k != "carry"}}
    return out


def conversion_defaults(*, session: Session, user: User, lead_id: int) -> dict[str, Any]:
    """The lead's values carried over to a new contact, company and deal, for the user to edit.

    Also: which records the lead suggests (a person name -> a contact, a company name -> a
    company), existing contacts and companies that look the same (to link instead), the deal
    pipelines, currencies and junk reasons to choose from.
    """
    lead = leads.get_lead(session=session, user=user, lead_id=lead_id)
    leads.require_lead(session, user, Action.EDIT, lead)
    carried = carried_values(session, user, lead)
    contact, company, deal = carried["contact"], carried["company"], carried["deal"]
    comms = leads.communications(session, EntityType.LEAD, [saved_id(lead)])[saved_id(lead)]
    emails = comms["emails"]
    person = display.lead_person(lead)
    matches = duplicates.find_matches(
        session=session, emails=emails, phones=comms["phones"], company_name=lead.company_name, limit=10
    )
    return {
        "lead": lead_summary(session, lead),
        "contact": contact,
        "company": company,
        "deal": deal,
        "suggest": {"contact": bool(person), "company": bool(lead.company_name), "deal": True},
        "matches": {
            kind: [
                {"id": m.id, "name": m.title, "reason": m.reason} for m in matches if m.entity_type == kind
            ]
            for kind in ("contact", "company")
        },
        "pipelines": [{"id": p.id, "name": p.name} for p in records.deal_pipelines(session)],
        "currencies": [
            {"code": c.code, "name": c.name}
            for c in session.exec(select(Currency).order_by(col(Currency.sort), col(Currency.code)))
        ],
        "junk_reasons": [{"id": r.id, "name": r.name} for r in junk_reasons(session)],
    }


# --- convert ----------------------------------------------------------------------------------


def _prefixed(prefix: str, exc: ValidationError) -> dict[str, Msg]:
    return {f"{prefix}.{key}" if key else prefix: msg for key, msg in exc.errors.items()}


def _responsible(session: Session, lead: Lead) -> int | None:
    """The lead's responsible carries over, unless they left the team meanwhile."""
    owner = session.get(User, lead.responsible_id) if lead.responsible_id else None
    return owner.id if owner is not None and owner.is_active else None


def convert_lead(
    *,
    session: Session,
    user: User,
    lead_id: int,
    contact: dict[str, Any] | None = None,
    company: dict[str, Any] | None = None,
    deal: dict[str, Any] | None = None,
    contact_id: int | None = None,
    company_id: int | None = None,
    expected_version: int | None = None,
) -> ConversionResult:
    """Convert a lead into any combination of a new contact, company and deal, or links to an
    existing contact/company. A deal needs a contact or a company (new or existing).

    Field errors come back as one ValidationError keyed "contact.first_name", "deal.amount", ...,
    "contact_id"/"company_id" for a bad existing record, "deal" and "" for the combination.
    One transaction: on any error nothing is created and the lead stays open.
    """
    try:
        lead = _lock_open_lead(session, user, lead_id, expected_version)
        errors: dict[str, Msg] = {}
        if contact is not None and contact_id:
            errors["contact_id"] = Msg("Create a new contact or pick an existing one, not both.")
        if company is not None and company_id:
            errors["company_id"] = Msg("Create a new company or pick an existing one, not both.")
        existing_contact = existing_company = None
        if contact_id and contact is None:
            existing_contact = records.get_live(session, Contact, records.int_or_none(contact_id))
            if existing_contact is None:
                errors["contact_id"] = Msg("This contact does not exist or was deleted.")
            elif not permissions.can(session, user, Action.VIEW, existing_contact):
                errors["contact_id"] = Msg("You may not see this contact.")
        if company_id and company is None:
            existing_company = records.get_live(session, Company, records.int_or_none(company_id))
            if existing_company is None:
                errors["company_id"] = Msg("This company does not exist or was deleted.")
            elif not permissions.can(session, user, Action.VIEW, existing_company):
                errors["company_id"] = Msg("You may not see this company.")
        if contact is None and company is None and deal is None and not contact_id and not company_id:
            errors[""] = Msg("Choose what to convert the lead into: a contact, a company or a deal.")
        if deal is not None and contact is None and company is None and not contact_id and not company_id:
            errors["deal"] = Msg("A deal needs a contact or a company: create one or pick an existing one.")

        inherited = {"source_id": lead.source_id, "responsible_id": _responsible(session, lead)}
        contact_data = {**inherited, **contact} if contact is not None else None
        if contact_data is not None:
            contact_data.pop("company_id", None)  # linked below, to the company of this conversion
        company_data = {**inherited, **company} if company is not None else None
        deal_data = None
        if deal is not None:
            deal_data = {**inherited, **deal}
            deal_data.pop("contact_id", None)
            deal_data.pop("company_id", None)
        # every field error of every record at once, before anything is written
        for prefix, data, clean in (
            ("contact", contact_data, records.clean_contact_data),
            ("company", company_data, records.clean_company_data),
            ("deal", deal_data, records.clean_deal_data),
        ):
            if data is not None:
                try:
                    clean(session, data)
                except ValidationError as exc:
                    errors.update(_prefixed(prefix, exc))
        if errors:
            raise ValidationError(errors)

        result = ConversionResult(lead=lead)
        new_company = None
        if company_data is not None:
            new_company = records.create_company(
                session=session,
                user=user,
                data=company_data,
                origin="conversion",
                lead_id=lead.id,
                commit=False,
            )
            result.created.append("company")
        the_company = new_company or existing_company
        new_contact = None
        if contact_data is not None:
            new_contact = records.create_contact(
                session=session,
                user=user,
                data=contact_data,
                origin="conversion",
                lead_id=lead.id,
                commit=False,
            )
            result.created.append("contact")
        the_contact = new_contact or existing_contact
        if existing_contact is not None:
            result.linked.append("contact")
        if existing_company is not None:
            result.linked.append("company")
        if the_contact is not None and the_company is not None:
            records.link_contact_company(
                session, contact_id=saved_id(the_contact), company_id=saved_id(the_company)
            )
        new_deal = None
        if deal_data is not None:
            deal_data["contact_id"] = the_contact.id if the_contact else None
            deal_data["company_id"] = the_company.id if the_company else None
            new_deal = records.create_deal(
                session=session, user=user, data=deal_data, origin="conversion", lead_id=lead.id, commit=False
            )
            result.created.append("deal")
        result.contact_id = the_contact.id if the_contact else None
        result.company_id = the_company.id if the_company else None
        result.deal_id = new_deal.id if new_deal else None

        old_status = session.get(Stage, lead.status_id)
        success = final_status(session, StageSemantic.SUCCESS)
        lead.result = LeadResult.CONVERTED
        lead.status_id = saved_id(success)
        lead.closed_at = utcnow()
        lead.contact_id, lead.company_id, lead.deal_id = result.contact_id, result.company_id, result.deal_id
        session.add(lead)
        links = {"contact_id": result.contact_id, "company_id": result.company_id, "deal_id": result.deal_id}
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=saved_id(lead),
            kind=TimelineKind.CONVERSION,
            author_id=user.id,
            payload={
                **links,
                "created": list(result.created),
                "linked": list(result.linked),
                # names as they were, for the history to read without joins
                "contact_name": display.contact_name(the_contact) if the_contact else "",
                "company_name": the_company.name if the_company else "",
                "deal_title": new_deal.title if new_deal else "",
                "old": old_status.name if old_status else "",
                "new": success.name,
                "old_id": old_status.id if old_status else None,
                "new_id": success.id,
            },
        )
        for kind, row in (("contact", existing_contact), ("company", existing_company)):
            if row is not None:
                timeline.record(
                    session,
                    entity_type=EntityType(kind),
                    entity_id=saved_id(row),
                    kind=TimelineKind.CONVERSION,
                    author_id=user.id,
                    payload={"lead_id": lead.id, "lead": display.lead_name(lead), **links},
                )
        _commit_or_explain(session, saved_id(lead))
    except BaseException:
        session.rollback()
        raise
    session.refresh(lead)
    return result


# --- junk -------------------------------------------------------------------------------------


def close_as_junk(
    *,
    session: Session,
    user: User,
    lead_id: int,
    reason_id: int | str | None,
    comment: str = "",
    expected_version: int | None = None,
) -> Lead:
    """Close a lead as junk with a reason (Settings: lead junk reasons) and a comment."""
    try:
        lead = _lock_open_lead(session, user, lead_id, expected_version)
        errors: dict[str, Msg] = {}
        try:
            reason = session.get(LostReason, int(reason_id)) if reason_id not in (None, "") else None
        except (TypeError, ValueError):
            reason = None
        if reason is None or reason.kind != ReasonKind.LEAD_JUNK:
            errors["reason_id"] = Msg("Choose a reason.")
        comment, err = clean_text(comment, field_label="Comment", max_len=MAX_JUNK_COMMENT)
        if err:
            errors["comment"] = err
        if errors:
            raise ValidationError(errors)
        assert reason is not None  # a missing reason raised ValidationError above
        old_status = session.get(Stage, lead.status_id)
        failure = final_status(session, StageSemantic.FAILURE)
        lead.result = LeadResult.JUNK
        lead.status_id = saved_id(failure)
        lead.junk_reason_id = reason.id
        lead.closed_at = utcnow()
        session.add(lead)
        timeline.record(
            session,
            entity_type=EntityType.LEAD,
            entity_id=saved_id(lead),
            kind=TimelineKind.CONVERSION,  # "finalised": converted, or junk as here
            author_id=user.id,
            text=comment,
            payload={
                "junk": True,
                "old": old_status.name if old_status else "",
                "new": failure.name,
                "old_id": old_status.id if old_status else None,
                "new_id": failure.id,
                "result": LeadResult.JUNK.value,
                "reason_id": reason.id,
                "reason": reason.name,
            },
        )
        _commit_or_explain(session, saved_id(lead))
    except BaseException:
        session.rollback()
        raise
    session.refresh(lead)
    return lead
