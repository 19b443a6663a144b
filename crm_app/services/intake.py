"""New leads from outside (REST API, web forms): the duplicate check and the duplicate policy.

What counts as "the same lead" for a policy: an existing, not deleted lead with the same e-mail
or phone. Other likely matches (a contact or company with that e-mail or phone, a close company
name) never stop a lead from being created, they are only reported. Every match found is kept in
the new lead's "created" history entry as payload["duplicates"], so the lead card can say
"possible duplicate of ..." later.

Policies (`on_duplicate`):
- "create" (default): create the lead anyway, flagged with its matches;
- "skip": create nothing, return the existing lead;
- "update": fill the existing lead with the non-empty values given (phones and e-mails are
  added to the ones it has), return it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from crm_app.models import EntityType, Lead, Source, TimelineEntry, TimelineKind, User
from crm_app.services import duplicates, leads
from crm_app.services.duplicates import Match
from crm_app.services.errors import ValidationError
from crm_app.services.i18n import Msg

POLICIES = ("create", "skip", "update")
STRONG_REASONS = ("email", "phone")


@dataclass
class IntakeResult:
    lead: Lead
    created: bool
    duplicate_of: int | None = None  # the existing lead, for skip and update
    matches: list[Match] = field(default_factory=list)


def match_json(match: Match) -> dict[str, Any]:
    return {
        "entity_type": match.entity_type,
        "id": match.id,
        "title": match.title,
        "reason": match.reason,
        "value": match.value,
    }


def find_duplicates(session: Session, cleaned: dict[str, Any]) -> list[Match]:
    """Matches for lead values already cleaned by `leads.clean_lead_data`."""
    return duplicates.find_matches(
        session=session,
        emails=[norm for _, norm in cleaned.get("emails") or []],
        phones=[norm for _, norm in cleaned.get("phones") or []],
        company_name=cleaned.get("company_name") or "",
    )


def same_lead(matches: list[Match]) -> Match | None:
    """The existing lead a policy applies to: same e-mail or phone."""
    return next((m for m in matches if m.entity_type == "lead" and m.reason in STRONG_REASONS), None)


def flag_duplicates(session: Session, lead_id: int, matches: list[Match]) -> None:
    """Keep the matches in the lead's "created" history entry (the caller commits)."""
    if not matches:
        return
    entry = session.exec(
        select(TimelineEntry)
        .where(
            TimelineEntry.entity_type == EntityType.LEAD,
            TimelineEntry.entity_id == lead_id,
            TimelineEntry.kind == TimelineKind.CREATED,
        )
        .order_by(TimelineEntry.id)
    ).first()
    if entry is not None:
        # a new dict: SQLAlchemy does not see in-place changes of a JSON value
        entry.payload = {**(entry.payload or {}), "duplicates": [match_json(m) for m in matches]}
        session.add(entry)


def source_id_by_code(session: Session, code: str) -> int | None:
    return session.exec(select(Source.id).where(Source.code == code)).first()


def _filled(value: Any) -> bool:
    return value not in (None, "", [], ())


def _update_values(session: Session, lead: Lead, data: dict[str, Any]) -> dict[str, Any]:
    """The non-empty values given, phones and e-mails added to the lead's own."""
    changes = {k: v for k, v in data.items() if k in leads.ALL_FIELDS and _filled(v)}
    current = leads.lead_values(session, lead)
    for key in leads.LIST_FIELDS:
        if key in changes:
            given = leads.as_list(changes[key])  # the same list parsing as a create
            changes[key] = list(current[key]) + given
    if lead.result is not None:
        changes.pop("status_id", None)  # a finalised lead keeps its status
    return changes


def create_lead_with_policy(
    *,
    session: Session,
    user: User | None,
    data: dict[str, Any],
    origin: str,
    on_duplicate: str = "create",
    default_source: str | None = None,
) -> IntakeResult:
    """Create a lead from outside, applying the duplicate policy. One transaction.

    `default_source` is the code of the source given when the data names none (e.g. "api").
    Raises ValidationError (per field) for bad values, before anything is written.
    """
    if on_duplicate not in POLICIES:
        raise ValidationError({"on_duplicate": Msg("Choose skip, update or create.")})
    if user is None and on_duplicate != "create":
        raise ValidationError({"on_duplicate": Msg("Choose skip, update or create.")})
    given = dict(data)
    data = dict(data)
    if default_source and not _filled(data.get("source_id")):
        data["source_id"] = source_id_by_code(session, default_source)
    cleaned = leads.clean_lead_data(session, data)
    matches = find_duplicates(session, cleaned)
    existing = same_lead(matches)
    if existing is not None and on_duplicate in ("skip", "update") and user is not None:
        if on_duplicate == "skip":
            lead = leads.get_lead(session=session, user=user, lead_id=existing.id)
        else:
            current = leads.get_lead(session=session, user=user, lead_id=existing.id)
            # `given`, not `data`: the default source must not replace where the lead came from
            lead = leads.update_lead(
                session=session,
                user=user,
                lead_id=existing.id,
                data=_update_values(session, current, given),
            )
        return IntakeResult(lead=lead, created=False, duplicate_of=existing.id, matches=matches)
    lead = leads.create_lead(session=session, user=user, data=data, origin=origin, commit=False)
    flag_duplicates(session, lead.id or 0, matches)
    session.commit()
    session.refresh(lead)
    return IntakeResult(lead=lead, created=True, matches=matches)
