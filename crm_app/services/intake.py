"""New leads from outside (REST API, web forms): the duplicate check and the duplicate policy.

What counts as a duplicate for a policy is `duplicates.policy_target`, the rule the CSV import
applies too: a lead, contact or company with the same e-mail or phone. Every match found is kept
in the new lead's "created" history entry as payload["duplicates"] (the card shows them), by
the one write path, `leads.create_leads`.

Policies (`on_duplicate`):
- "create" (default): create the lead anyway, flagged with its matches;
- "skip": create nothing; return the existing lead (or refuse with Conflict when the match is a
  contact or company: there is no lead to return);
- "update": fill the existing lead with the non-empty values given (`leads.fill_values`: phones
  and e-mails are added to the ones it has), return it; a contact or company match: Conflict, nothing created.
  A final lead (converted or junk) is never updated: the lead is returned as for "skip", with
  `final` set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from crm_app.models import Lead, Source, User
from crm_app.services import duplicates, leads, permissions
from crm_app.services.duplicates import Match
from crm_app.services.errors import Conflict, FinalLead, ValidationError
from crm_app.services.i18n import Msg

POLICIES = ("create", "skip", "update")


@dataclass
class IntakeResult:
    lead: Lead
    created: bool
    duplicate_of: int | None = None  # the existing lead, for skip and update
    final: bool = False  # "update" aimed at a converted or junk lead: skipped, left as it was
    matches: list[Match] = field(default_factory=list)


match_json = duplicates.match_json


def find_duplicates(session: Session, cleaned: dict[str, Any]) -> list[Match]:
    """Matches for lead values already cleaned by `leads.clean_lead_data`."""
    return duplicates.find_matches_batch(session, [duplicates.candidate(cleaned)]).get(0, [])


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


def source_id_by_code(session: Session, code: str) -> int | None:
    return session.exec(select(Source.id).where(Source.code == code)).first()


def _filled(value: Any) -> bool:
    return value not in (None, "", [], ())


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
    cleaned = leads.clean_new_lead(session, data)
    matches = find_duplicates(session, cleaned)
    is_duplicate, lead_id = duplicates.policy_target(matches)
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
        final = False
        if on_duplicate == "skip":
            lead = leads.get_lead(session=session, user=user, lead_id=lead_id)
        else:
            # only the values sent: the default source must not replace where the lead came from
            given = {k: cleaned[k] for k, v in data.items() if k in cleaned and _filled(v)}
            try:
                lead = leads.fill_lead(session=session, user=user, lead_id=lead_id, given=given)
            except FinalLead:
                lead, final = leads.get_lead(session=session, user=user, lead_id=lead_id), True
        return IntakeResult(lead=lead, created=False, duplicate_of=lead_id, matches=matches, final=final)
    default_source_id = source_id_by_code(session, default_source) if default_source else None
    [new] = leads.create_leads(
        session=session,
        user=user,
        rows=[cleaned],
        origin=origin,
        validated=True,
        matches={0: matches},
        default_source_id=default_source_id,
    )
    lead = session.get(Lead, new.id)
    assert lead is not None
    return IntakeResult(lead=lead, created=True, matches=matches)
