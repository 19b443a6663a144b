"""Bulk data for benchmarks and load tests (`crm seed --leads N ...`, `bench/`).

`seed_bulk` inserts large volumes with SQLAlchemy Core in batches; its rows come from the
generators below (`lead_rows`, `company_rows`, ...), so a benchmark can insert exactly the same
rows another way. Production code never imports this module (the `crm` command does, inside the
command).
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from faker import Faker
from sqlalchemy import insert
from sqlmodel import Session, SQLModel, col, select

from crm_app.models import (
    Activity,
    ActivityType,
    CommKind,
    Communication,
    Company,
    Contact,
    ContactCompany,
    Deal,
    DealResult,
    EntityType,
    Lead,
    PipelineKind,
    ReasonKind,
    Role,
    Source,
    StageSemantic,
    User,
)
from crm_app.models.base import utcnow
from crm_app.models.enums import Direction, Priority
from crm_app.services import auth, defaults, party_index, search_index
from crm_app.services.bulk_insert import batched, insert_returning_ids
from crm_app.services.errors import Conflict, ValidationError
from crm_app.services.i18n import Msg
from crm_app.services.seed_common import INDUSTRIES, ascii_slug, default_stages, reason_ids

BULK_USER_EMAIL = "bulk.sales@example.com"
BULK_BATCH_SIZE = 5_000
_PRODUCT_WORDS = ["licences", "support", "training", "migration", "integration", "hardware", "consulting"]


@dataclass(frozen=True)
class BulkContext:
    """The settings bulk rows point at (ids read once from the database)."""

    now: datetime
    user_ids: tuple[int, ...]
    source_ids: tuple[int, ...]
    lead_status_ids: tuple[int, ...]  # the in-progress lead statuses
    currency: str
    deal_pipeline_id: int
    deal_stages: tuple[tuple[int, StageSemantic], ...]
    lost_reason_ids: tuple[int, ...]
    created_users: int = 0


def prepare_bulk(*, session: Session, now: datetime | None = None) -> BulkContext:
    """Default settings and at least one active user (a sales user is created if there is none).

    Flushes; the caller commits.
    """
    defaults.ensure_defaults(session=session)
    user_ids = [
        i
        for i in session.exec(select(User.id).where(User.is_active).order_by(col(User.id))).all()
        if i is not None
    ]
    created = 0
    if not user_ids:
        user = session.exec(select(User).where(User.email == BULK_USER_EMAIL)).first()
        if user is None:
            # nobody knows this password: an administrator resets it if the account is to be used
            user = User(
                email=BULK_USER_EMAIL,
                name="Bulk Sales",
                role=Role.SALES,
                password_hash=auth.hash_password(secrets.token_urlsafe(24)),
            )
            session.add(user)
            session.flush()
            created = 1
        user_ids = [user.id]
    _lead_pipeline, lead_stages = default_stages(session, PipelineKind.LEAD)
    deal_pipeline, deal_stages = default_stages(session, PipelineKind.DEAL)
    sources = session.exec(
        select(Source.id).where(Source.is_active).order_by(col(Source.sort), col(Source.id))
    ).all()
    semantics = {s.semantic for s in lead_stages}, {s.semantic for s in deal_stages}
    if not all(StageSemantic.IN_PROGRESS in kinds for kinds in semantics):
        raise Conflict("The lead statuses and the deal pipeline each need an in-progress stage.")
    return BulkContext(
        now=now or utcnow(),
        user_ids=tuple(i for i in user_ids if i is not None),
        source_ids=tuple(i for i in sources if i is not None),
        lead_status_ids=tuple(s.id for s in lead_stages if s.semantic == StageSemantic.IN_PROGRESS and s.id),
        currency=defaults.base_currency(session=session),
        deal_pipeline_id=deal_pipeline.id or 0,
        deal_stages=tuple((s.id, s.semantic) for s in deal_stages if s.id),
        lost_reason_ids=tuple(reason_ids(session, ReasonKind.DEAL_LOST)),
        created_users=created,
    )


@dataclass(frozen=True)
class NamePools:
    """Names made once with faker; rows combine them with a seeded random.Random (cheap)."""

    first_names: tuple[tuple[str, str], ...]  # (name, ascii slug)
    last_names: tuple[tuple[str, str], ...]
    companies: tuple[tuple[str, str], ...]  # (name, domain)
    positions: tuple[str, ...]
    streets: tuple[str, ...]


@cache
def name_pools(random_seed: int = 0) -> NamePools:
    fakers = [Faker("en_US"), Faker("fr_FR")]
    for i, fk in enumerate(fakers):
        fk.seed_instance(random_seed * 7919 + i)

    def both(method: str, n: int) -> list[str]:
        return [getattr(fk, method)() for fk in fakers for _ in range(n)]

    firsts = sorted(set(both("first_name", 400)))
    lasts = sorted(set(both("last_name", 800)))
    companies = sorted(set(both("company", 400)))
    return NamePools(
        first_names=tuple((n, ascii_slug(n) or "x") for n in firsts),
        last_names=tuple((n, ascii_slug(n) or "x") for n in lasts),
        companies=tuple((c[:255], f"{ascii_slug(c, '-')[:40] or 'company'}.example.com") for c in companies),
        positions=tuple(sorted({p[:255] for p in both("job", 150)})),
        streets=tuple(sorted({a.replace("\n", ", ")[:255] for a in both("address", 300)})),
    )


def _phone(rng: random.Random) -> tuple[str, str]:
    """(E.164, display) built directly: phonenumbers is too slow to call per row."""
    if rng.random() < 0.5:
        d = f"{rng.randrange(10**8):08d}"
        return f"+331{d}", f"+33 1 {d[0:2]} {d[2:4]} {d[4:6]} {d[6:8]}"
    area, line = rng.choice(("212", "312", "415", "617", "206")), f"{rng.randrange(10**4):04d}"
    return f"+1{area}555{line}", f"+1 {area}-555-{line}"


def _audit(created: datetime) -> dict[str, Any]:
    return {"created_at": created, "updated_at": created, "version": 1}


def _email_comm(etype: EntityType, email: str, created: datetime) -> dict[str, Any]:
    return {
        **_audit(created),
        "entity_type": etype,
        "kind": CommKind.EMAIL,
        "label": "work",
        "value": email,
        "normalized": email.lower(),
        "is_primary": True,
    }


def _phone_comm(etype: EntityType, rng: random.Random, created: datetime) -> dict[str, Any]:
    e164, display = _phone(rng)
    return {
        **_audit(created),
        "entity_type": etype,
        "kind": CommKind.PHONE,
        "label": "work",
        "value": display,
        "normalized": e164,
        "is_primary": True,
    }


def _rng(random_seed: int, stream: str) -> random.Random:
    # one stream per entity kind: adding contacts does not change the leads of the same seed
    return random.Random(f"{random_seed}:{stream}")


def lead_rows(
    ctx: BulkContext, count: int, *, random_seed: int = 0
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(lead row with every column but id, its communications without entity_id), `count` times."""
    rng = _rng(random_seed, "leads")
    pools = name_pools(random_seed)
    year = 365 * 86400
    for _ in range(count):
        first, first_slug = rng.choice(pools.first_names)
        last, last_slug = rng.choice(pools.last_names)
        company, domain = rng.choice(pools.companies) if rng.random() < 0.6 else ("", "")
        if not domain:
            domain = rng.choice(("example.com", "example.org", "example.net"))
        created = ctx.now - timedelta(seconds=rng.randrange(year))
        user_id = rng.choice(ctx.user_ids)
        email = f"{first_slug}.{last_slug}{rng.randrange(100) if rng.random() < 0.3 else ''}@{domain}"
        row = {
            "title": f"{company or last}: {rng.choice(_PRODUCT_WORDS)}",
            "honorific": "",
            "first_name": first,
            "last_name": last,
            "second_name": "",
            "company_name": company,
            "position": rng.choice(pools.positions) if company else "",
            "website": f"https://www.{domain}" if company else "",
            "address": rng.choice(pools.streets) if rng.random() < 0.3 else "",
            "comment": "",
            "amount": Decimal(rng.randrange(5, 500) * 100) if rng.random() < 0.5 else None,
            "currency_code": ctx.currency,
            **_audit(created),
            "status_id": rng.choice(ctx.lead_status_ids),
            "source_id": rng.choice(ctx.source_ids) if ctx.source_ids else None,
            "responsible_id": user_id,
            "created_by_id": user_id,
            "result": None,
            "junk_reason_id": None,
            "contact_id": None,
            "company_id": None,
            "deal_id": None,
            "closed_at": None,
            "deleted_at": None,
        }
        comms = [_email_comm(EntityType.LEAD, email, created), _phone_comm(EntityType.LEAD, rng, created)]
        row.update(
            search_index.lead_columns(
                first_name=first,
                last_name=last,
                company_name=company,
                title=row["title"],
                emails=[comms[0]["normalized"]],
                phones=[comms[1]["normalized"]],
            )
        )
        yield row, comms


def company_rows(
    ctx: BulkContext, count: int, *, random_seed: int = 0
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    rng = _rng(random_seed, "companies")
    pools = name_pools(random_seed)
    for _ in range(count):
        name, domain = rng.choice(pools.companies)
        created = ctx.now - timedelta(seconds=rng.randrange(365 * 86400))
        user_id = rng.choice(ctx.user_ids)
        row = {
            "name": name,
            "industry": rng.choice(INDUSTRIES),
            "website": f"https://www.{domain}",
            "address": rng.choice(pools.streets),
            "employees": rng.choice((5, 12, 25, 40, 80, 150, 400, None)),
            "revenue": Decimal(rng.randrange(2, 400) * 50_000) if rng.random() < 0.5 else None,
            "comment": "",
            **_audit(created),
            "source_id": rng.choice(ctx.source_ids) if ctx.source_ids else None,
            "responsible_id": user_id,
            "created_by_id": user_id,
            "lead_id": None,
            "deleted_at": None,
        }
        comms = [_phone_comm(EntityType.COMPANY, rng, created)]
        row.update(
            party_index.company_columns(
                name=name, industry=row["industry"], website=row["website"], phones=[comms[0]["normalized"]]
            )
        )
        yield row, comms


def contact_rows(
    ctx: BulkContext, count: int, *, random_seed: int = 0, company_ids: Sequence[int] = ()
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], int | None]]:
    """(contact row, communications, id of a company to link it to or None)."""
    rng = _rng(random_seed, "contacts")
    pools = name_pools(random_seed)
    for _ in range(count):
        first, first_slug = rng.choice(pools.first_names)
        last, last_slug = rng.choice(pools.last_names)
        company_id = rng.choice(company_ids) if company_ids and rng.random() < 0.8 else None
        created = ctx.now - timedelta(seconds=rng.randrange(365 * 86400))
        user_id = rng.choice(ctx.user_ids)
        domain = rng.choice(("example.com", "example.org", "example.net"))
        row = {
            "honorific": "",
            "first_name": first,
            "last_name": last,
            "second_name": "",
            "position": rng.choice(pools.positions),
            "birthdate": None,
            "address": rng.choice(pools.streets) if rng.random() < 0.3 else "",
            "comment": "",
            **_audit(created),
            "source_id": rng.choice(ctx.source_ids) if ctx.source_ids else None,
            "responsible_id": user_id,
            "created_by_id": user_id,
            "lead_id": None,
            "deleted_at": None,
        }
        email = f"{first_slug}.{last_slug}{rng.randrange(1000)}@{domain}"
        comms = [
            _email_comm(EntityType.CONTACT, email, created),
            _phone_comm(EntityType.CONTACT, rng, created),
        ]
        row.update(
            party_index.contact_columns(
                first_name=first,
                last_name=last,
                position=row["position"],
                emails=[comms[0]["normalized"]],
                phones=[comms[1]["normalized"]],
            )
        )
        yield row, comms, company_id


def deal_rows(
    ctx: BulkContext,
    count: int,
    *,
    random_seed: int = 0,
    contact_ids: Sequence[int] = (),
    company_ids: Sequence[int] = (),
) -> Iterator[dict[str, Any]]:
    rng = _rng(random_seed, "deals")
    pools = name_pools(random_seed)
    open_stages = [i for i, sem in ctx.deal_stages if sem == StageSemantic.IN_PROGRESS]
    won = [i for i, sem in ctx.deal_stages if sem == StageSemantic.SUCCESS]
    lost = [i for i, sem in ctx.deal_stages if sem == StageSemantic.FAILURE]
    for _ in range(count):
        created = ctx.now - timedelta(seconds=rng.randrange(365 * 86400))
        user_id = rng.choice(ctx.user_ids)
        r = rng.random()
        result = DealResult.WON if r < 0.15 and won else DealResult.LOST if r < 0.3 and lost else None
        stage_id = rng.choice(won if result == DealResult.WON else lost if result else open_stages)
        closed_at = min(ctx.now, created + timedelta(days=rng.uniform(1, 60))) if result else None
        row = {
            "title": f"{rng.choice(pools.companies)[0]}: {rng.choice(_PRODUCT_WORDS)}"[:255],
            "amount": Decimal(rng.randrange(5, 5000) * 10),
            "currency_code": ctx.currency,
            "close_date": (closed_at or ctx.now + timedelta(days=rng.randrange(1, 120))).date(),
            "probability": 100
            if result == DealResult.WON
            else 0
            if result
            else rng.choice((10, 30, 50, 70, 90)),
            "comment": "",
            **_audit(created),
            "pipeline_id": ctx.deal_pipeline_id,
            "stage_id": stage_id,
            "contact_id": rng.choice(contact_ids) if contact_ids and rng.random() < 0.8 else None,
            "company_id": rng.choice(company_ids) if company_ids and rng.random() < 0.7 else None,
            "responsible_id": user_id,
            "created_by_id": user_id,
            "source_id": rng.choice(ctx.source_ids) if ctx.source_ids else None,
            "lead_id": None,
            "closed": result is not None,
            "result": result,
            "lost_reason_id": rng.choice(ctx.lost_reason_ids)
            if result == DealResult.LOST and ctx.lost_reason_ids
            else None,
            "lost_comment": "",
            "closed_at": closed_at,
            "stage_changed_at": closed_at or created,
            "deleted_at": None,
        }
        yield row


def activity_rows(
    ctx: BulkContext,
    count: int,
    *,
    random_seed: int = 0,
    targets: Sequence[tuple[EntityType, Sequence[int]]] = (),
) -> Iterator[dict[str, Any]]:
    """Activities on the given entities: deadlines from 180 days ago to 30 days ahead."""
    rng = _rng(random_seed, "activities")
    targets = [(etype, ids) for etype, ids in targets if ids]
    total = sum(len(ids) for _e, ids in targets)
    types = list(ActivityType)
    for _ in range(count):
        k = rng.randrange(total)
        for etype, ids in targets:
            if k < len(ids):
                entity_type, entity_id = etype, ids[k]
                break
            k -= len(ids)
        else:  # k < total: some target always takes it
            raise AssertionError(k)
        atype = rng.choice(types)
        deadline = ctx.now + timedelta(seconds=rng.randrange(-180 * 86400, 30 * 86400))
        completed = deadline < ctx.now and rng.random() < 0.85
        created = min(deadline, ctx.now) - timedelta(seconds=rng.randrange(1, 10 * 86400))
        user_id = rng.choice(ctx.user_ids)
        yield {
            "type": atype,
            "subject": f"{atype.value.capitalize()}: {rng.choice(_PRODUCT_WORDS)}",
            "description": "",
            "direction": rng.choice((Direction.INCOMING, Direction.OUTGOING))
            if atype in (ActivityType.CALL, ActivityType.EMAIL)
            else None,
            "priority": Priority.HIGH if rng.random() < 0.1 else Priority.NORMAL,
            "deadline": deadline,
            "end_at": deadline + timedelta(hours=1) if atype == ActivityType.MEETING else None,
            "created_at": created,
            "updated_at": deadline if completed else created,
            "version": 1,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "responsible_id": user_id,
            "created_by_id": user_id,
            "completed": completed,
            "completed_at": deadline if completed else None,
            "details": {},
            "deleted_at": None,
        }


def _table(model: type[SQLModel]) -> Any:
    return model.__table__  # type: ignore[attr-defined] - table models have one; pyright does not know


def _insert_with_comms(conn, table, items: Iterable[tuple], batch_size: int, counts: Counter) -> list[int]:
    comm_table = _table(Communication)
    ids: list[int] = []
    for batch in batched(items, batch_size):
        batch_ids = insert_returning_ids(conn, table, [item[0] for item in batch])
        comms = [{**c, "entity_id": i} for i, item in zip(batch_ids, batch, strict=True) for c in item[1]]
        if comms:
            conn.execute(insert(comm_table), comms)
        ids.extend(batch_ids)
        counts["communications"] += len(comms)
    return ids


def seed_bulk(
    *,
    session: Session,
    leads: int = 0,
    contacts: int = 0,
    companies: int = 0,
    deals: int = 0,
    activities: int = 0,
    random_seed: int = 0,
    batch_size: int = BULK_BATCH_SIZE,
    now: datetime | None = None,
) -> dict[str, int]:
    """Insert large volumes for benchmarks in batches with SQLAlchemy Core, then commit.

    Every lead, contact and company gets a primary e-mail and/or phone. Deals and contacts
    link to companies and contacts made in the same call; activities attach to the entities made
    in the same call, else to existing leads. No timeline entries. The same seed, database
    state and `now` give the same rows. Returns the rows inserted per kind.
    """
    sizes = {
        "leads": leads,
        "contacts": contacts,
        "companies": companies,
        "deals": deals,
        "activities": activities,
    }
    errors = {k: Msg("Enter a number of rows of 0 or more.") for k, v in sizes.items() if v < 0}
    if errors:
        raise ValidationError(errors)
    ctx = prepare_bulk(session=session, now=now)
    conn = session.connection()
    counts: Counter[str] = Counter(users=ctx.created_users)
    company_ids = _insert_with_comms(
        conn, _table(Company), company_rows(ctx, companies, random_seed=random_seed), batch_size, counts
    )
    counts["companies"] = len(company_ids)

    contact_items = contact_rows(ctx, contacts, random_seed=random_seed, company_ids=company_ids)
    links: list[dict[str, Any]] = []

    def keep_links(items):
        for row, comms, company_id in items:
            links.append({"company_id": company_id})
            yield row, comms

    contact_ids = _insert_with_comms(conn, _table(Contact), keep_links(contact_items), batch_size, counts)
    counts["contacts"] = len(contact_ids)
    link_rows = [
        {"contact_id": cid, "company_id": link["company_id"], "is_primary": True}
        for cid, link in zip(contact_ids, links, strict=True)
        if link["company_id"] is not None
    ]
    for batch in batched(link_rows, batch_size):
        conn.execute(insert(_table(ContactCompany)), batch)
    counts["contact_companies"] = len(link_rows)

    lead_ids = _insert_with_comms(
        conn, _table(Lead), lead_rows(ctx, leads, random_seed=random_seed), batch_size, counts
    )
    counts["leads"] = len(lead_ids)

    deal_ids: list[int] = []
    for batch in batched(
        deal_rows(ctx, deals, random_seed=random_seed, contact_ids=contact_ids, company_ids=company_ids),
        batch_size,
    ):
        deal_ids.extend(insert_returning_ids(conn, _table(Deal), batch))
    counts["deals"] = len(deal_ids)

    if activities:
        targets = [
            (EntityType.LEAD, lead_ids),
            (EntityType.CONTACT, contact_ids),
            (EntityType.COMPANY, company_ids),
            (EntityType.DEAL, deal_ids),
        ]
        if not any(ids for _e, ids in targets):
            existing = session.exec(select(Lead.id).order_by(Lead.id.desc()).limit(10_000)).all()  # type: ignore[union-attr]
            targets = [(EntityType.LEAD, [i for i in existing if i is not None])]
        if not targets[0][1] and len(targets) == 1:
            raise ValidationError(
                {"activities": Msg("Activities need leads, contacts, companies or deals to attach to.")}
            )
        for batch in batched(
            activity_rows(ctx, activities, random_seed=random_seed, targets=targets), batch_size
        ):
            conn.execute(insert(_table(Activity)), batch)
            counts["activities"] += len(batch)
    session.commit()
    return {
        k: counts[k]
        for k in (
            "users",
            "leads",
            "contacts",
            "companies",
            "contact_companies",
            "deals",
            "activities",
            "communications",
        )
    }
