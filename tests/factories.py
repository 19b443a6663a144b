"""Test data factories: one per entity, `create_<entity>(session, **overrides)` -> the saved row.

Each factory writes the row directly (no permission or validation rule runs, so a test can set up
any state, even one the UI would refuse), fills what the row needs with sensible defaults (the
default settings lists, a responsible user, unique names and e-mails), commits and returns the
row refreshed. Anything given as a keyword overrides the default; the keywords are the table's
columns plus a few conveniences documented on each factory (e.g. `phones=`/`emails=` on leads).

Tests of a rule still go through the service that owns it; factories only prepare the data.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from crm_app.models import (
    Activity,
    ActivityType,
    ApiKey,
    CommKind,
    Communication,
    Company,
    Contact,
    ContactCompany,
    Currency,
    Deal,
    DealProduct,
    EntityType,
    ImportJob,
    ImportStatus,
    Lead,
    LostReason,
    Pipeline,
    PipelineKind,
    Product,
    ReasonKind,
    Role,
    Source,
    Stage,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
    User,
    WebForm,
)
from crm_app.models.base import utcnow
from crm_app.services import auth, defaults
from crm_app.services.phones import normalize_phone
from crm_app.services.web_forms import DEFAULT_FIELDS

PASSWORD = "correct horse battery staple"
_T = TypeVar("_T", bound=SQLModel)
_counter = itertools.count(1)


def _unique() -> str:
    """A short token that differs on every call (names, codes and e-mails must not collide)."""
    return f"{next(_counter)}{secrets.token_hex(2)}"


def _save(session: Session, row: _T) -> _T:
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def _id(row: Any) -> int:
    assert row.id is not None, f"{type(row).__name__} is not saved"
    return row.id


DEFAULT_OWNER_EMAIL = "owner@factory.example.com"


@cache
def _password_hash(password: str) -> str:
    # argon2 takes ~0.1 s a hash: users made with the same password share one (each still verifies)
    return auth.hash_password(password)


def default_owner(session: Session) -> User:
    """The sales representative records belong to when a test does not say (one per database)."""
    user = session.exec(select(User).where(User.email == DEFAULT_OWNER_EMAIL)).first()
    return user or create_user(session, email=DEFAULT_OWNER_EMAIL, name="Factory Owner")


def _owner_id(session: Session, overrides: dict[str, Any]) -> int:
    """The responsible user: the one given (`responsible_id=`), else the default owner."""
    if "responsible_id" in overrides:
        return overrides.pop("responsible_id")
    return _id(default_owner(session))


# --- settings lists --------------------------------------------------------------------------


def ensure_defaults(session: Session) -> None:
    """The default statuses, pipeline, sources, currencies and reasons (as the first setup makes)."""
    defaults.ensure_defaults(session=session)
    session.commit()


def create_currency(session: Session, **overrides: Any) -> Currency:
    """A currency (code 3 letters, unique); `is_base=True` does not unset the other base currency."""
    ensure_defaults(session)
    code = overrides.pop("code", None)
    while code is None:
        candidate = "".join(secrets.choice("QWXZJKV") for _ in range(3))
        code = None if session.get(Currency, candidate) else candidate
    values: dict[str, Any] = {"code": code, "name": f"Currency {code}", "rate": Decimal("2"), "sort": 90}
    return _save(session, Currency(**(values | overrides)))


def create_source(session: Session, **overrides: Any) -> Source:
    ensure_defaults(session)
    tag = _unique()
    values: dict[str, Any] = {"code": f"src_{tag}", "name": f"Source {tag}", "sort": 900}
    return _save(session, Source(**(values | overrides)))


def create_lost_reason(session: Session, **overrides: Any) -> LostReason:
    """A reason a deal was lost (kind=ReasonKind.LEAD_JUNK: why a lead was closed as junk)."""
    ensure_defaults(session)
    values: dict[str, Any] = {"kind": ReasonKind.DEAL_LOST, "name": f"Reason {_unique()}", "sort": 900}
    return _save(session, LostReason(**(values | overrides)))


def create_pipeline(
    session: Session,
    *,
    stages: list[tuple[str, StageSemantic]] | None = None,
    **overrides: Any,
) -> Pipeline:
    """A deal pipeline (kind=PipelineKind.DEAL unless given) with its stages, in order.

    `stages`: [(name, semantic)]; default: two in progress, a success and a failure.
    """
    ensure_defaults(session)
    values: dict[str, Any] = {"name": f"Pipeline {_unique()}", "kind": PipelineKind.DEAL, "sort": 50}
    pipeline = _save(session, Pipeline(**(values | overrides)))
    if stages is None:
        stages = [
            ("Qualify", StageSemantic.IN_PROGRESS),
            ("Propose", StageSemantic.IN_PROGRESS),
            ("Won", StageSemantic.SUCCESS),
            ("Lost", StageSemantic.FAILURE),
        ]
    for i, (name, semantic) in enumerate(stages):
        session.add(Stage(pipeline_id=_id(pipeline), name=name, semantic=semantic, sort=(i + 1) * 10))
    session.commit()
    session.refresh(pipeline)
    return pipeline


def default_pipeline(session: Session, kind: PipelineKind = PipelineKind.DEAL) -> Pipeline:
    """The default lead status list (kind=LEAD) or deal pipeline made by ensure_defaults."""
    ensure_defaults(session)
    return session.exec(
        select(Pipeline)
        .where(Pipeline.kind == kind)
        .order_by(col(Pipeline.is_default).desc(), col(Pipeline.sort), col(Pipeline.id))
    ).one()


def stages_of(session: Session, pipeline: Pipeline) -> list[Stage]:
    return list(
        session.exec(
            select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(col(Stage.sort), col(Stage.id))
        ).all()
    )


def first_stage(
    session: Session,
    kind: PipelineKind = PipelineKind.DEAL,
    semantic: StageSemantic = StageSemantic.IN_PROGRESS,
) -> Stage:
    """The first stage of the default lead statuses / deal pipeline with this semantic."""
    return next(s for s in stages_of(session, default_pipeline(session, kind)) if s.semantic == semantic)


def create_stage(session: Session, *, pipeline: Pipeline | None = None, **overrides: Any) -> Stage:
    """A stage at the end of `pipeline` (default: the lead statuses: a lead status)."""
    pipeline = pipeline or default_pipeline(session, PipelineKind.LEAD)
    last = max((s.sort for s in stages_of(session, pipeline)), default=0)
    values: dict[str, Any] = {
        "pipeline_id": _id(pipeline),
        "name": f"Stage {_unique()}",
        "sort": last + 10,
        "semantic": StageSemantic.IN_PROGRESS,
    }
    return _save(session, Stage(**(values | overrides)))


def create_lead_status(session: Session, **overrides: Any) -> Stage:
    """A lead status (a stage of the lead pipeline)."""
    return create_stage(session, pipeline=default_pipeline(session, PipelineKind.LEAD), **overrides)


# --- users -------------------------------------------------------------------------------------


def create_user(
    session: Session,
    *,
    role: Role = Role.SALES,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
    **overrides: Any,
) -> User:
    """A user who can log in with `password` (a sales representative unless `role=`). Also makes the
    default settings lists.

    Teams: when the permissions work adds `team` and `user.team_id`, a `create_team(session,
    **overrides)` factory goes below and `team=`/`team_id=` pass through here (as overrides).
    """
    ensure_defaults(session)
    user = User(
        email=(email or f"user-{secrets.token_hex(4)}@example.com").lower(),
        name=name or "Test User",
        role=role,
        password_hash=_password_hash(password),
        is_active=active,
        **overrides,
    )
    return _save(session, user)


def create_admin(session: Session, **overrides: Any) -> User:
    overrides.setdefault("name", "Test Admin")
    return create_user(session, role=Role.ADMIN, **overrides)


def create_manager(session: Session, **overrides: Any) -> User:
    overrides.setdefault("name", "Test Manager")
    return create_user(session, role=Role.MANAGER, **overrides)


# (create_team goes here, with the permissions work's `team` table.)


def create_api_key(session: Session, *, user: User | None = None, **overrides: Any) -> tuple[ApiKey, str]:
    """(row, raw key): the raw key works on the REST API as `Authorization: Bearer <key>`."""
    user = user or create_user(session)
    raw = "crm_" + secrets.token_urlsafe(32)
    values: dict[str, Any] = {
        "user_id": _id(user),
        "name": f"Key {_unique()}",
        "prefix": raw[:10],
        "key_hash": hashlib.sha256(raw.encode()).hexdigest(),
    }
    return _save(session, ApiKey(**(values | overrides))), raw


# --- phones and e-mails ------------------------------------------------------------------------


def add_communications(
    session: Session,
    entity_type: EntityType,
    entity_id: int,
    *,
    phones: list[str] | tuple[str, ...] = (),
    emails: list[str] | tuple[str, ...] = (),
    websites: list[str] | tuple[str, ...] = (),
) -> list[Communication]:
    """Phones (any format with a country code, or French), e-mails and web addresses of a record,
    stored normalised as the services store them (E.164, lower case); the first of each is primary.
    """
    rows = []
    for kind, values in ((CommKind.PHONE, phones), (CommKind.EMAIL, emails), (CommKind.WEB, websites)):
        for i, value in enumerate(values):
            if kind == CommKind.PHONE:
                normalized, problem = normalize_phone(value, "FR")
                assert problem is None, f"not a phone number: {value!r}"
            else:
                normalized = value.strip().lower()
            rows.append(
                Communication(
                    entity_type=entity_type,
                    entity_id=entity_id,
                    kind=kind,
                    value=value,
                    normalized=normalized,
                    is_primary=i == 0,
                )
            )
    session.add_all(rows)
    session.commit()
    return rows


def _pop_comms(overrides: dict[str, Any]) -> dict[str, list[str]]:
    def as_list(value: Any) -> list[str]:
        return [value] if isinstance(value, str) else list(value or [])

    return {
        "phones": as_list(overrides.pop("phones", ())),
        "emails": as_list(overrides.pop("emails", ())),
        "websites": as_list(overrides.pop("websites", ())),
    }


# --- leads, contacts, companies ----------------------------------------------------------------


def create_lead(session: Session, **overrides: Any) -> Lead:
    """An open lead in the first status in progress; responsible and creator: the default owner.

    `phones=`/`emails=`/`websites=`: a value or a list (stored normalised, the first primary);
    `created_by_id` defaults to the responsible.
    """
    ensure_defaults(session)
    comms = _pop_comms(overrides)
    owner = _owner_id(session, overrides)
    values: dict[str, Any] = {
        "first_name": "Lena",
        "last_name": f"Lead {_unique()}",
        "status_id": _id(first_stage(session, PipelineKind.LEAD)),
        "responsible_id": owner,
        "created_by_id": owner,
    }
    lead = _save(session, Lead(**(values | overrides)))
    add_communications(session, EntityType.LEAD, _id(lead), **comms)
    return lead


def create_contact(session: Session, *, company: Company | None = None, **overrides: Any) -> Contact:
    """A contact; `company=` links it (primary); `phones=`/`emails=` as on leads."""
    ensure_defaults(session)
    comms = _pop_comms(overrides)
    owner = _owner_id(session, overrides)
    values: dict[str, Any] = {
        "first_name": "Colin",
        "last_name": f"Contact {_unique()}",
        "responsible_id": owner,
        "created_by_id": owner,
    }
    contact = _save(session, Contact(**(values | overrides)))
    add_communications(session, EntityType.CONTACT, _id(contact), **comms)
    if company is not None:
        link_contact_company(session, contact, company, is_primary=True)
    return contact


def create_company(session: Session, **overrides: Any) -> Company:
    """A company; `phones=`/`emails=`/`websites=` as on leads."""
    ensure_defaults(session)
    comms = _pop_comms(overrides)
    owner = _owner_id(session, overrides)
    values: dict[str, Any] = {"name": f"Company {_unique()}", "responsible_id": owner, "created_by_id": owner}
    company = _save(session, Company(**(values | overrides)))
    add_communications(session, EntityType.COMPANY, _id(company), **comms)
    return company


def link_contact_company(
    session: Session, contact: Contact, company: Company, **overrides: Any
) -> ContactCompany:
    values: dict[str, Any] = {"contact_id": _id(contact), "company_id": _id(company), "is_primary": False}
    return _save(session, ContactCompany(**(values | overrides)))


create_contact_company = link_contact_company


# --- deals and products ------------------------------------------------------------------------


def create_deal(session: Session, *, pipeline: Pipeline | None = None, **overrides: Any) -> Deal:
    """An open deal in the first stage of `pipeline` (default: the default pipeline), in the base
    currency, with a new company unless `company_id`/`contact_id` is given."""
    ensure_defaults(session)
    pipeline = pipeline or default_pipeline(session, PipelineKind.DEAL)
    owner = _owner_id(session, overrides)
    stage = next(s for s in stages_of(session, pipeline) if s.semantic == StageSemantic.IN_PROGRESS)
    if "company_id" not in overrides and "contact_id" not in overrides:
        overrides["company_id"] = _id(create_company(session, responsible_id=owner))
    values: dict[str, Any] = {
        "title": f"Deal {_unique()}",
        "amount": Decimal("1000.00"),
        "currency_code": defaults.base_currency(session=session),
        "pipeline_id": _id(pipeline),
        "stage_id": _id(stage),
        "responsible_id": owner,
        "created_by_id": owner,
    }
    return _save(session, Deal(**(values | overrides)))


def create_product(session: Session, **overrides: Any) -> Product:
    ensure_defaults(session)
    tag = _unique()
    values: dict[str, Any] = {
        "name": f"Product {tag}",
        "sku": f"SKU-{tag}",
        "price": Decimal("100.00"),
        "currency_code": defaults.base_currency(session=session),
        "tax_rate": Decimal("20"),
    }
    return _save(session, Product(**(values | overrides)))


def create_deal_product(
    session: Session, *, deal: Deal | None = None, product: Product | None = None, **overrides: Any
) -> DealProduct:
    """A line of `deal` (default: a new deal) for `product` (default: a new catalogue product;
    `product_id=None` makes a free row)."""
    deal = deal or create_deal(session)
    if "product_id" not in overrides:
        product = product or create_product(session)
    values: dict[str, Any] = {
        "deal_id": _id(deal),
        "product_id": _id(product) if product else None,
        "name": product.name if product else f"Free row {_unique()}",
        "quantity": Decimal("1"),
        "unit_price": product.price if product else Decimal("50.00"),
        "tax_rate": product.tax_rate if product else Decimal("0"),
        "sort": 10,
    }
    return _save(session, DealProduct(**(values | overrides)))


# --- activities and history --------------------------------------------------------------------


def _target(session: Session, overrides: dict[str, Any]) -> tuple[EntityType, int]:
    """The record an activity or history entry belongs to: `record=` (a lead, contact, company or
    deal row), else `entity_type`/`entity_id`, else a new lead."""
    record = overrides.pop("record", None)
    if record is not None:
        etype = {
            Lead: EntityType.LEAD,
            Contact: EntityType.CONTACT,
            Company: EntityType.COMPANY,
            Deal: EntityType.DEAL,
        }[type(record)]
        return etype, _id(record)
    if "entity_id" in overrides:
        return overrides.pop("entity_type", EntityType.LEAD), overrides.pop("entity_id")
    return EntityType.LEAD, _id(create_lead(session))


def create_activity(session: Session, **overrides: Any) -> Activity:
    """An open task due in a day on `record=` (default: a new lead), for its responsible."""
    etype, entity_id = _target(session, overrides)
    if "responsible_id" not in overrides:
        model = {
            EntityType.LEAD: Lead,
            EntityType.CONTACT: Contact,
            EntityType.COMPANY: Company,
            EntityType.DEAL: Deal,
        }
        owner = session.get(model[etype], entity_id)
        overrides["responsible_id"] = getattr(owner, "responsible_id", None) or _id(default_owner(session))
    values: dict[str, Any] = {
        "type": ActivityType.TASK,
        "subject": f"Follow up {_unique()}",
        "deadline": utcnow().replace(microsecond=0) + timedelta(days=1),
        "entity_type": etype,
        "entity_id": entity_id,
        "created_by_id": overrides["responsible_id"],
    }
    return _save(session, Activity(**(values | overrides)))


def create_timeline_entry(session: Session, **overrides: Any) -> TimelineEntry:
    """A history entry of `record=` (default: a new lead); kind COMMENT unless given."""
    etype, entity_id = _target(session, overrides)
    values: dict[str, Any] = {
        "entity_type": etype,
        "entity_id": entity_id,
        "kind": TimelineKind.COMMENT,
        "text": f"Comment {_unique()}",
        "created_at": utcnow(),
    }
    return _save(session, TimelineEntry(**(values | overrides)))


def create_comment(session: Session, *, author: User | None = None, **overrides: Any) -> TimelineEntry:
    """A comment in a record's history, written by `author` (default: a new user)."""
    author = author or create_user(session)
    return create_timeline_entry(session, kind=TimelineKind.COMMENT, author_id=_id(author), **overrides)


# --- intake ------------------------------------------------------------------------------------


def create_web_form(session: Session, **overrides: Any) -> WebForm:
    """An active public form at /forms/<slug> with the default fields."""
    ensure_defaults(session)
    tag = _unique()
    values: dict[str, Any] = {
        "slug": f"form-{tag}",
        "name": f"Form {tag}",
        "fields": [dict(f) for f in DEFAULT_FIELDS],
        "thank_you_text": "Thank you!",
    }
    return _save(session, WebForm(**(values | overrides)))


def create_import_job(session: Session, *, user: User | None = None, **overrides: Any) -> ImportJob:
    """A finished CSV import of `user` (default: a new user); `status=ImportStatus.PENDING` etc."""
    user = user or create_user(session)
    values: dict[str, Any] = {
        "user_id": _id(user),
        "filename": "leads.csv",
        "status": ImportStatus.DONE,
        "finished_at": utcnow(),
    }
    return _save(session, ImportJob(**(values | overrides)))


def write_csv(tmp_path, text: str, *, encoding: str = "utf-8", name: str = "leads.csv"):
    """A CSV file of `text` in `tmp_path`, in `encoding`: what the import tests read."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path
