"""Contacts and companies: create, list, read, change, delete (to the recycle bin), and the links
between them. The same routes for both, made by `_routes`; the rules are services/parties'.

What a key may do is its user's permissions: another representative's contact gives 403 on PATCH
and DELETE with the default matrix. Duplicates never stop a creation: the leads, contacts and
companies with the same e-mail or phone (or a close company name) are reported in `duplicates`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from pydantic import AliasChoices, BaseModel, Field
from sqlmodel import Session

from crm_app.api.deps import current_user, get_session
from crm_app.api.inputs import ApiModel, Id, IdPath, Version
from crm_app.api.leads import DuplicateOut
from crm_app.api.paging import decode_cursor, etag, if_match_version, page
from crm_app.models import User
from crm_app.models.base import saved_id
from crm_app.services import intake, leads, parties, party_links, permissions
from crm_app.services.errors import StaleRecord
from crm_app.services.permissions import Action

router = APIRouter()


class _Shared(ApiModel):
    address: str | None = None
    comment: str | None = None
    source_id: Id | None = Field(None, validation_alias=AliasChoices("source_id", "source"))
    responsible_id: Id | None = Field(None, description="Id of an active user; defaults to the key's user")
    phones: list[str] | None = Field(None, description="Phone numbers, any format (stored as E.164)")
    emails: list[str] | None = Field(None, description="E-mail addresses")


class ContactFields(_Shared):
    honorific: str | None = None
    first_name: str | None = None
    second_name: str | None = None
    last_name: str | None = None
    position: str | None = None
    birthdate: date | None = Field(None, description="YYYY-MM-DD")


class ContactCreate(ContactFields):
    """A new contact: a first name or a last name is required."""

    company_id: Id | None = Field(None, description="A company the contact belongs to (its primary one)")


class CompanyFields(_Shared):
    name: str | None = Field(None, description="Required on creation (at most 255 characters)")
    industry: str | None = None
    website: str | None = None
    employees: int | None = Field(None, ge=0, le=10_000_000)
    revenue: Decimal | None = Field(None, description="Annual revenue in the base currency")


class _Patch(ApiModel):
    version: Version | None = Field(
        None, description="The version you read: if the record changed since, 409 and nothing is saved"
    )


class ContactPatch(ContactFields, _Patch):
    """Only the fields sent change. `phones` / `emails` replace the whole list."""


class CompanyPatch(CompanyFields, _Patch):
    """Only the fields sent change. `phones` / `emails` replace the whole list."""


class RelatedOut(BaseModel):
    id: int
    name: str
    primary: bool


class _Out(BaseModel):
    id: int
    address: str
    comment: str
    source_id: int | None
    responsible_id: int | None
    created_by_id: int | None
    lead_id: int | None
    phones: list[str]
    emails: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class ContactOut(_Out):
    honorific: str
    first_name: str
    second_name: str
    last_name: str
    position: str
    birthdate: date | None
    companies: list[RelatedOut] | None = Field(None, description="On a single contact: its companies")


class CompanyOut(_Out):
    name: str
    industry: str
    website: str
    employees: int | None
    revenue: Decimal | None
    contacts: list[RelatedOut] | None = Field(None, description="On a single company: its contacts")


class ContactCreated(ContactOut):
    duplicates: list[DuplicateOut] = Field(default_factory=list, description="Likely duplicates found")


class CompanyCreated(CompanyOut):
    duplicates: list[DuplicateOut] = Field(default_factory=list, description="Likely duplicates found")


class ContactList(BaseModel):
    items: list[ContactOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null at the end")


class CompanyList(BaseModel):
    items: list[CompanyOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null at the end")


def _out(_kind: parties.Kind, out_model: type[BaseModel], row, comms: dict[str, list[str]]) -> dict:
    fields = {k: getattr(row, k) for k in out_model.model_fields if hasattr(row, k)}
    return {**fields, "phones": comms["phones"], "emails": comms["emails"]}


def _routes(
    kind: parties.Kind,
    path: str,
    *,
    create_model: type[ApiModel],
    patch_model: type[ApiModel],
    out_model: type[BaseModel],
    created_model: type[BaseModel],
    list_model: type[BaseModel],
    related_key: str,
    what: str,
) -> None:
    def one(session: Session, row, related_for: User | None = None) -> dict:
        """The record as the API shows it; with its links (those `related_for` may see) if given."""
        rid = saved_id(row)
        out = _out(kind, out_model, row, leads.communications(session, kind.entity, [rid])[rid])
        if related_for is not None:
            card = party_links.card(kind, session=session, user=related_for, record_id=rid, row=row)
            out[related_key] = [{"id": r.id, "name": r.name, "primary": r.primary} for r in card.related]
        return out

    @router.post(
        path, status_code=status.HTTP_201_CREATED, response_model=created_model, name=f"create_{what}"
    )
    def create(
        body: create_model,  # type: ignore[valid-type]
        user: User = Depends(current_user),
        session: Session = Depends(get_session),
    ) -> dict:
        data: dict[str, Any] = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        matches, _key = parties.check_new(kind, session=session, user=user, data=data)
        row = parties.create(kind, session=session, user=user, data=data, duplicates=matches, origin="api")
        return {**one(session, row), "duplicates": [intake.match_json(m) for m in matches]}

    @router.get(path, response_model=list_model, name=f"list_{what}s")
    def list_rows(
        search: str = Query("", max_length=200, description="Words to find in names, e-mails, phones"),
        limit: int = Query(50, ge=1, le=200),
        cursor: str | None = Query(None, max_length=100, description="`next_cursor` of the previous page"),
        user: User = Depends(current_user),
        session: Session = Depends(get_session),
    ) -> dict:
        """Newest first, one page at a time (keyset pagination: pages never shift)."""
        rows = parties.rows_after(
            kind,
            session=session,
            user=user,
            filters=parties.PartyFilters(text=search),
            after_id=decode_cursor(cursor),
            limit=limit + 1,
        )
        rows, next_cursor = page(rows, limit)
        comms = leads.communications(session, kind.entity, [saved_id(r) for r in rows])
        return {
            "items": [_out(kind, out_model, r, comms[saved_id(r)]) for r in rows],
            "next_cursor": next_cursor,
        }

    @router.get(
        f"{path}/{{record_id}}",
        response_model=out_model,
        responses={404: {"description": "Not found"}},
        name=f"get_{what}",
    )
    def get_one(
        response: Response,
        record_id: int = IdPath(),
        user: User = Depends(current_user),
        session: Session = Depends(get_session),
    ) -> dict:
        """One record with its links; its `ETag` is its version (send it back as `If-Match` to PATCH)."""
        row = parties.get(kind, session=session, user=user, record_id=record_id)
        response.headers["ETag"] = etag(row)
        return one(session, row, related_for=user)

    @router.patch(
        f"{path}/{{record_id}}",
        response_model=out_model,
        responses={
            404: {"description": "Not found"},
            409: {"description": "Changed since `version`"},
            412: {"description": "Changed since the `If-Match` version"},
            428: {"description": "No `version` and no `If-Match`"},
        },
        name=f"patch_{what}",
    )
    def patch(
        body: patch_model,  # type: ignore[valid-type]
        response: Response,
        record_id: int = IdPath(),
        if_match: str | None = Header(None, max_length=200, description='The ETag you read, e.g. "7"'),
        user: User = Depends(current_user),
        session: Session = Depends(get_session),
    ) -> dict:
        """Change some fields (each change goes to the history). Send the version you read, as
        `version` or as `If-Match`; without either: 428."""
        data: dict[str, Any] = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        version = data.pop("version", None)
        from_header = version is None and if_match is not None
        if from_header:
            version = if_match_version(if_match or "", what)
        elif version is None:
            row = parties.get(kind, session=session, user=user, record_id=record_id)  # 404 and 403 first
            permissions.require(session, user, Action.EDIT, row)
            raise HTTPException(
                status.HTTP_428_PRECONDITION_REQUIRED,
                detail="Send the version you read: `version` in the body, or If-Match with the ETag.",
            )
        try:
            row = parties.update(
                kind, session=session, user=user, record_id=record_id, data=data, expected_version=version
            )
        except StaleRecord as exc:
            if not from_header:
                raise
            raise HTTPException(status.HTTP_412_PRECONDITION_FAILED, detail=str(exc.message)) from None
        response.headers["ETag"] = etag(row)
        return one(session, row)

    @router.delete(f"{path}/{{record_id}}", status_code=status.HTTP_204_NO_CONTENT, name=f"delete_{what}")
    def delete(
        record_id: int = IdPath(),
        user: User = Depends(current_user),
        session: Session = Depends(get_session),
    ) -> Response:
        """To the recycle bin (restored from the app)."""
        parties.delete(kind, session=session, user=user, record_id=record_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)


_routes(
    parties.CONTACTS,
    "/api/v1/contacts",
    create_model=ContactCreate,
    patch_model=ContactPatch,
    out_model=ContactOut,
    created_model=ContactCreated,
    list_model=ContactList,
    related_key="companies",
    what="contact",
)
_routes(
    parties.COMPANIES,
    "/api/v1/companies",
    create_model=CompanyFields,
    patch_model=CompanyPatch,
    out_model=CompanyOut,
    created_model=CompanyCreated,
    list_model=CompanyList,
    related_key="contacts",
    what="company",
)


@router.put(
    "/api/v1/contacts/{contact_id}/companies/{company_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such contact or company"}},
)
def link_company(
    contact_id: int = IdPath(),
    company_id: int = IdPath(),
    primary: bool = Query(False, description="Make it the contact's primary company"),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> Response:
    """The contact belongs to the company (its first company is its primary one)."""
    party_links.link(
        session=session, user=user, contact_id=contact_id, company_id=company_id, primary=primary
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/api/v1/contacts/{contact_id}/companies/{company_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such contact, company or link"}},
)
def unlink_company(
    contact_id: int = IdPath(),
    company_id: int = IdPath(),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> Response:
    """The contact no longer belongs to the company (the next one becomes primary)."""
    if not party_links.unlink(session=session, user=user, contact_id=contact_id, company_id=company_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="This contact does not belong to this company.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
