"""New leads from outside (REST API, web forms): the duplicate check and the duplicate policy.

What counts as a duplicate for a policy is `duplicates.policy_target`, the rule the CSV import
applies too: a lead, contact or company with the same e-mail or phone. Every match found is kept
in the new lead's "created" history entry as payload["duplicates"] (the card shows them).

Policies (`on_duplicate`):
- "create" (default): create the lead anyway, flagged with its matches;
- "skip": create nothing; return the existing lead (or refuse with Conflict when the match is a
  contact or company: there is no lead to return);
- "update": fill the existing lead with the non-empty values given (phones and e-mails are
  added to the ones it has), return it; a contact or company match: Conflict, nothing created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from crm_app.models import EntityType, Lead, Source, TimelineEntry, TimelineKind, User
from crm_app.services import duplicates, leads, permissions, uow
from crm_app.services.duplicates import Match
from crm_app.services.errors import Conflict, ValidationError
from crm_app.services.i18n import Msg

POLICIES = ("create", "skip", "update")


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


def check_new_lead(*, session: Session, user: User, data: dict[str, Any]) -> tuple[list[Match], str]:
    """For the lead form, before saving: the likely duplicates and a key of the values they were
    found for (the form asks once per set of values). Raises ValidationError for bad values."""
    permissions.require_user(user)
    cleaned = leads.clean_lead_data(session, data)
    key = repr(
        (
            sorted(n for _, n in cleaned["emails"]),
            sorted(n for _, n in cleaned["phones"]),
            cleaned["company_name"].casefold(),
        )
    )
    return find_duplicates(session, cleaned), key


def policy_target(matches: list[Match]) -> tuple[bool, int | None]:
    return duplicates.policy_target([(m.entity_type, m.id, m.reason) for m in matches])


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
        .order_by(col(TimelineEntry.id))
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
    is_duplicate, lead_id = policy_target(matches)
    if is_duplicate and on_duplicate in ("skip", "update") and user is not None:
        if lead_id is None:
            other = next(m for m in matches if m.reason in duplicates.POLICY_REASONS)
            raise Conflict(
                Msg(
                    "Not created: {title} (#{id}) already has this e-mail or phone.",
                    title=other.title or "—",
                    id=other.id,
                )
            )
        if on_duplicate == "skip":
            lead = leads.get_lead(session=session, user=user, lead_id=lead_id)
        else:
            current = leads.get_lead(session=session, user=user, lead_id=lead_id)
            # `given`, not `data`: the default source must not replace where the lead came from
            lead = leads.update_lead(
                session=session,
                user=user,
                lead_id=lead_id,
                data=_update_values(session, current, given),
            )
        return IntakeResult(lead=lead, created=False, duplicate_of=lead_id, matches=matches)
    lead = leads.create_lead(session=session, user=user, data=data, origin=origin, commit=False)
    flag_duplicates(session, lead.id or 0, matches)
    uow.commit(session)
    session.refresh(lead)
    return IntakeResult(lead=lead, created=True, matches=matches)
