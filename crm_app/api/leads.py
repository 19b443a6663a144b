"""Leads: create (with the duplicate policy), list, read, change, convert, close as junk.

What a key may do with a lead is its user's permissions (services.permissions): another
representative's lead gives 403 on PATCH, convert and junk with the default matrix.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from pydantic import AliasChoices, BaseModel, Field
from sqlmodel import Session

from crm_app.api.deps import current_user, get_session
from crm_app.api.inputs import ApiModel, Id, IdPath, IdQuery, Version
from crm_app.api.paging import decode_cursor, encode_cursor, etag, if_match_version
from crm_app.models import EntityType, Lead, User
from crm_app.services import intake, leads
from crm_app.services.errors import StaleRecord
from crm_app.services.permissions import Action

router = APIRouter()

CREATE_DESCRIPTION = """
Creates a lead (origin "api" in its history). With no `source_id`, the lead gets the "API" source.
When `status_id` is given it must be a lead status in progress.

**Duplicates.** A lead with the same e-mail or phone as an existing lead is a duplicate;
`on_duplicate` says what happens then:

- `create` (default): the lead is created anyway (**201**); the matches are listed in
  `duplicates` and kept in the lead's history;
- `skip`: nothing is created; **200** with the existing lead and `duplicate_of` = its id;
- `update`: the existing lead gets the non-empty values sent (phones and e-mails are added to
  its own, nothing is blanked); **200** with that lead and `duplicate_of` = its id. A converted
  or junk lead is final and never updated: **200** with the lead as it is, `duplicate_of` = its
  id and `duplicate_final` = true.

Other likely matches (a contact or company with the same e-mail or phone, a close company name)
never stop the creation: they are only reported in `duplicates`.
"""


class LeadFields(ApiModel):
    """Lead fields as the API takes them. Limits and formats are checked by the lead service."""

    title: str | None = Field(None, description="Lead title (at most 255 characters)")
    honorific: str | None = None
    first_name: str | None = None
    second_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    position: str | None = None
    website: str | None = None
    address: str | None = None
    comment: str | None = None
    amount: Decimal | None = Field(None, description="Expected amount, e.g. 1500.50")
    currency_code: str | None = Field(None, description="ISO code; defaults to the base currency")
    status_id: Id | None = Field(
        None,
        validation_alias=AliasChoices("status_id", "status"),
        description="Id of a lead status (also accepted as `status`)",
    )
    source_id: Id | None = Field(
        None,
        validation_alias=AliasChoices("source_id", "source"),
        description="Id of a source (also accepted as `source`)",
    )
    responsible_id: Id | None = Field(None, description="Id of an active user; defaults to the key's user")
    phones: list[str] | None = Field(None, description="Phone numbers, any format (stored as E.164)")
    emails: list[str] | None = Field(None, description="E-mail addresses")


class LeadCreate(LeadFields):
    """A new lead: a first name, last name, company name or title is required."""


class LeadPatch(LeadFields):
    """Only the fields sent change. `phones` / `emails` replace the lead's whole list."""

    version: Version | None = Field(
        None, description="The version you read: if the lead changed since, 409 and nothing is saved"
    )


class DuplicateOut(BaseModel):
    entity_type: Literal["lead", "contact", "company"]
    id: int
    title: str
    reason: Literal["email", "phone", "company"]
    value: str


class LeadOut(BaseModel):
    id: int
    title: str
    honorific: str
    first_name: str
    second_name: str
    last_name: str
    company_name: str
    position: str
    website: str
    address: str
    comment: str
    amount: Decimal | None
    currency_code: str | None
    status_id: int
    source_id: int | None
    responsible_id: int | None
    created_by_id: int | None
    result: Literal["converted", "junk"] | None
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    phones: list[str]
    emails: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class LeadCreated(LeadOut):
    duplicate_of: int | None = Field(None, description="The existing lead, when skipped or updated")
    duplicate_final: bool = Field(
        False, description="The existing lead is final (converted or junk): skipped, not updated"
    )
    duplicates: list[DuplicateOut] = Field(default_factory=list, description="Likely duplicates found")


class LeadList(BaseModel):
    items: list[LeadOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null at the end")


def _lead_out(lead: Lead, comms: dict[str, list[str]]) -> dict:
    return {
        **{k: getattr(lead, k) for k in LeadOut.model_fields if hasattr(lead, k) and k not in ("result",)},
        "result": lead.result.value if lead.result else None,
        "phones": comms["phones"],
        "emails": comms["emails"],
    }


def _one(session: Session, lead: Lead) -> dict:
    return _lead_out(lead, leads.communications(session, EntityType.LEAD, [lead.id or 0])[lead.id or 0])


# --- routes --------------------------------------------------------------------------------


@router.post(
    "/api/v1/leads",
    status_code=status.HTTP_201_CREATED,
    response_model=LeadCreated,
    description=CREATE_DESCRIPTION,
    responses={200: {"model": LeadCreated, "description": "A duplicate, skipped or updated"}},
)
def create_lead(
    body: LeadCreate,
    response: Response,
    on_duplicate: Literal["skip", "update", "create"] = Query(
        "create",
        description="What to do when a lead, contact or company with the same e-mail or phone exists (409 when a contact or company holds it and the policy is skip or update)",
    ),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> dict:
    result = intake.create_lead_with_policy(
        session=session,
        user=user,
        data=body.model_dump(exclude_unset=True),
        origin="api",
        on_duplicate=on_duplicate,
        default_source="api",
    )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return {
        **_one(session, result.lead),
        "duplicate_of": result.duplicate_of,
        "duplicate_final": result.final,
        "duplicates": [intake.match_json(m) for m in result.matches],
    }


@router.get("/api/v1/leads", response_model=LeadList)
def list_leads(
    search: str = Query("", max_length=200, description="Words to find in names, company, e-mail, phone"),
    status_id: int | None = IdQuery(alias="status", description="Id of a lead status"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=100, description="`next_cursor` of the previous page"),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> dict:
    """Leads, newest first, one page at a time (keyset pagination: pages never shift)."""
    after_id = decode_cursor(cursor)
    filters = leads.LeadFilters(text=search, status_ids=[status_id] if status_id else [])
    rows = leads.leads_after(session=session, user=user, filters=filters, after_id=after_id, limit=limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    comms = leads.communications(session, EntityType.LEAD, [r.id or 0 for r in rows])
    return {
        "items": [_lead_out(r, comms[r.id or 0]) for r in rows],
        "next_cursor": encode_cursor(rows[-1].id or 0) if has_more and rows else None,
    }


def _if_match_version(header: str) -> int | None:
    return if_match_version(header, "lead")


@router.get(
    "/api/v1/leads/{lead_id}", response_model=LeadOut, responses={404: {"description": "No such lead"}}
)
def get_lead(
    response: Response,
    lead_id: int = IdPath(),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> dict:
    """One lead; its `ETag` is its version (send it back as `If-Match` to PATCH)."""
    lead = leads.get_lead(session=session, user=user, lead_id=lead_id)
    response.headers["ETag"] = etag(lead)
    return _one(session, lead)


PATCH_DESCRIPTION = """
Change some fields; each change goes to the lead's history.

**Optimistic locking is required**: send the version you read, as `version` in the body or as
`If-Match: "<version>"` (the `ETag` of `GET`). Without either: **428**. When the lead changed
since: **409** (body `version`) or **412** (`If-Match`), and nothing is saved. `If-Match: *`
explicitly saves over whatever is there. The answer carries the new `ETag`.
"""


@router.patch(
    "/api/v1/leads/{lead_id}",
    response_model=LeadOut,
    description=PATCH_DESCRIPTION,
    responses={
        404: {"description": "No such lead"},
        409: {"description": "Changed since `version`"},
        412: {"description": "Changed since the `If-Match` version"},
        428: {"description": "No `version` and no `If-Match`"},
    },
)
def patch_lead(
    body: LeadPatch,
    response: Response,
    lead_id: int = IdPath(),
    if_match: str | None = Header(None, max_length=200, description='The ETag you read, e.g. "7"'),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> dict:
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    from_header = version is None and if_match is not None
    if from_header:
        version = _if_match_version(if_match or "")
    elif version is None:
        lead = leads.get_lead(session=session, user=user, lead_id=lead_id)  # 404 and 403 come first
        leads.require_lead(session, user, Action.EDIT, lead)
        raise HTTPException(
            status.HTTP_428_PRECONDITION_REQUIRED,
            detail="Send the version you read: `version` in the body, or If-Match with the lead's ETag.",
        )
    try:
        lead = leads.update_lead(
            session=session, user=user, lead_id=lead_id, data=data, expected_version=version
        )
    except StaleRecord as exc:
        if not from_header:
            raise
        raise HTTPException(status.HTTP_412_PRECONDITION_FAILED, detail=str(exc.message)) from None
    response.headers["ETag"] = etag(lead)
    return _one(session, lead)


# --- finalising a lead ---------------------------------------------------------------------


class ConvertBody(ApiModel):
    """Any combination of new records and links; each new record's fields as in the app's dialog
    (contact: first_name, last_name, position, phones, emails, ...; company: name, website, ...;
    deal: title, amount, currency_code, pipeline_id). `"carry": true` in a part takes the lead's
    values for that record, as the app pre-fills them."""

    contact: dict | None = None
    company: dict | None = None
    deal: dict | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    version: Version | None = Field(
        default=None, description="the lead's version you read (409 if it changed)"
    )


class ConvertOut(BaseModel):
    lead: LeadOut
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    created: list[str]
    linked: list[str]


class JunkBody(ApiModel):
    reason_id: Id
    comment: str = ""
    version: Version | None = None


@router.post(
    "/api/v1/leads/{lead_id}/convert",
    response_model=ConvertOut,
    responses={404: {"description": "No such lead"}, 409: {"description": "Already finalised, or changed"}},
)
def convert_lead(
    body: ConvertBody,
    lead_id: int = IdPath(),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> dict:
    """Finalise a lead into a new contact, company and/or deal, or links to existing ones.
    One transaction: on any error nothing is created. Converting twice gives 409."""
    from crm_app.services import conversion

    parts = conversion.carried_parts(
        session=session,
        user=user,
        lead_id=lead_id,
        parts={"contact": body.contact, "company": body.company, "deal": body.deal},
    )
    result = conversion.convert_lead(
        session=session,
        user=user,
        lead_id=lead_id,
        contact=parts["contact"],
        company=parts["company"],
        deal=parts["deal"],
        contact_id=body.contact_id,
        company_id=body.company_id,
        expected_version=body.version,
    )
    return {
        "lead": _one(session, result.lead),
        "contact_id": result.contact_id,
        "company_id": result.company_id,
        "deal_id": result.deal_id,
        "created": result.created,
        "linked": result.linked,
    }


@router.post(
    "/api/v1/leads/{lead_id}/junk",
    response_model=LeadOut,
    responses={409: {"description": "Already finalised"}},
)
def junk_lead(
    body: JunkBody,
    lead_id: int = IdPath(),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> dict:
    """Close a lead as junk with a reason (GET the reasons in Settings -> Leads)."""
    from crm_app.services import conversion

    lead = conversion.close_as_junk(
        session=session,
        user=user,
        lead_id=lead_id,
        reason_id=body.reason_id,
        comment=body.comment,
        expected_version=body.version,
    )
    return _one(session, lead)
