"""Demo data for trying the CRM, and bulk data for benchmarks.

`seed_demo` builds a small, coherent CRM (a team, leads in every status, converted and junk
leads, contacts, companies, deals in every stage with products, activities, a timeline) through
the ORM. `seed_bulk` inserts large volumes with SQLAlchemy Core in batches; its rows come from
the generators below (`lead_rows`, `company_rows`, ...), so a benchmark can insert exactly the
same rows another way.
"""

from __future__ import annotations

import random
import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, TypeVar

import phonenumbers
from faker import Faker
from sqlalchemy import insert
from sqlmodel import Session, select

from crm_app.models import (
    Activity,
    ActivityType,
    CommKind,
    Communication,
    Company,
    Contact,
    ContactCompany,
    Deal,
    DealProduct,
    DealResult,
    EntityType,
    Lead,
    LeadResult,
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
)
from crm_app.models.base import utcnow
from crm_app.models.enums import Direction, DiscountType, Priority
from crm_app.services import auth, defaults
from crm_app.services.bulk import insert_returning_ids
from crm_app.services.errors import Conflict, ValidationError
from crm_app.services.i18n import Msg

T = TypeVar("T")
CENT = Decimal("0.01")

# --- shared helpers ----------------------------------------------------------------------


def _ascii_slug(text: str, sep: str = "") -> str:
    """'Léa-Marie' -> 'leamarie' (for e-mail local parts and domains)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", sep, text).strip(sep)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _stages(session: Session, kind: PipelineKind) -> tuple[Pipeline, list[Stage]]:
    """The default pipeline of a kind (else the first one) and its stages in order."""
    pipeline = session.exec(
        select(Pipeline)
        .where(Pipeline.kind == kind)
        .order_by(Pipeline.is_default.desc(), Pipeline.sort, Pipeline.id)
    ).first()
    if pipeline is None:  # ensure_defaults runs first: only a broken database gets here
        raise RuntimeError(f"no {kind.value} pipeline")
    stages = session.exec(
        select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.sort, Stage.id)
    ).all()
    return pipeline, list(stages)


def _reason_ids(session: Session, kind: ReasonKind) -> list[int]:
    stmt = select(LostReason.id).where(LostReason.kind == kind).order_by(LostReason.sort, LostReason.id)
    return [i for i in session.exec(stmt).all() if i is not None]


def line_total(
    quantity: Decimal,
    unit_price: Decimal,
    *,
    discount_percent: Decimal,
    tax_rate: Decimal,
    tax_included: bool,
) -> Decimal:
    """A deal line's total with tax.

    Only used to give demo deals a consistent amount; the deals service owns the real rule.
    """
    net = quantity * unit_price * (1 - discount_percent / 100)
    if not tax_included:
        net *= 1 + tax_rate / 100
    return net.quantize(CENT, rounding=ROUND_HALF_UP)


# --- demo data -----------------------------------------------------------------------------

DEMO_DOMAIN = "demo-crm.example.com"
DEMO_ADMIN = (Role.ADMIN, "Alex Morgan", "alex.morgan")
DEMO_TEAM = [
    (Role.MANAGER, "Claire Dubois", "claire.dubois"),
    (Role.SALES, "Tom Baker", "tom.baker"),
    (Role.SALES, "Léa Martin", "lea.martin"),
    (Role.SALES, "Sam Carter", "sam.carter"),
]
# name, sku, price (EUR), tax rate %, unit
DEMO_PRODUCTS = [
    ("CRM licence, 1 seat / year", "LIC-SEAT-Y", "490.00", "20", "seat"),
    ("Onboarding workshop (1 day)", "SRV-ONB-1D", "1200.00", "20", "day"),
    ("Data migration package", "SRV-MIG", "2500.00", "20", "pcs"),
    ("Premium support, 1 year", "SUP-PREM-Y", "1800.00", "20", "pcs"),
    ("Custom report development", "SRV-REP-H", "95.00", "20", "h"),
    ("Consulting day", "SRV-CONS-D", "850.00", "20", "day"),
    ("User training (half day)", "SRV-TRN-HD", "450.00", "20", "pcs"),
    ("API integration", "SRV-API", "3200.00", "20", "pcs"),
    ("VoIP headset", "HW-HEADSET", "129.00", "20", "pcs"),
    ("Barcode scanner", "HW-SCAN", "249.00", "20", "pcs"),
]
DEMO_INTERESTS = [
    "CRM licences for the sales team",
    "Support contract renewal",
    "Data migration from spreadsheets",
    "Training for new staff",
    "Integration with the web shop",
    "Custom sales reports",
    "Hardware for the call centre",
    "Quote request from the website",
]
DEMO_COMMENTS = [
    "Asked for a discount on 20 seats; waiting for the budget decision.",
    "Prefers to be called in the morning.",
    "Sent the case study about the logistics customer.",
    "Decision maker is the CFO, meeting planned next month.",
    "Current tool contract ends in June.",
    "Interested in the API for their ERP.",
    "Will compare with two competitors.",
    "Very happy with the onboarding so far.",
]
DEMO_LOCATIONS = ["Their office", "Our office, room 2", "Video call", "Trade show booth"]
DEMO_INDUSTRIES = ["Retail", "Logistics", "Manufacturing", "Consulting", "Healthcare", "Software", "Food"]
# Fictional number ranges: ARCEP's numbers reserved for fiction, and the US 555-01xx block.
_FR_FICTION = ["199 00", "261 91", "353 01", "465 71", "536 49", "639 98", "977 42"]

DEMO_LEADS = {"in_progress": 27, "converted": 7, "junk": 6}
DEMO_FRESH_CONTACTS = 18
DEMO_COMPANIES = 12  # in all, the companies made from converted leads included
DEMO_DEALS = {"open": 12, "won": 4, "lost": 3}


@dataclass
class _Person:
    locale: str
    honorific: str
    first_name: str
    last_name: str
    position: str
    email: str
    phone: str  # E.164
    phone_display: str
    address: str


def demo_emails() -> list[str]:
    return [f"{local}@{DEMO_DOMAIN}" for _, _, local in [DEMO_ADMIN, *DEMO_TEAM]]


def seed_demo(
    *, session: Session, random_seed: int = 0, password: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Fill an empty CRM with a small demo data set and commit.

    Returns {"counts": rows created per table, "users": [(e-mail, role)], "password": ...}: every
    demo user gets the same password, a random one unless `password` is given. Refused (Conflict)
    when the CRM already has leads or demo users, so demo data is never doubled.
    """
    if session.exec(select(Lead.id).limit(1)).first() is not None:
        raise Conflict("The CRM already has leads: demo data is only added to an empty CRM.")
    if session.exec(select(User.id).where(User.email.in_(demo_emails()))).first() is not None:  # type: ignore[attr-defined]
        raise Conflict("Demo users already exist: demo data was added before.")
    password = password or secrets.token_urlsafe(12)
    if problem := auth.password_problem(password):
        raise ValidationError({"password": problem})
    defaults.ensure_defaults(session=session)
    demo = _DemoBuilder(session, random.Random(random_seed), now or utcnow())
    users = demo.users(password)
    demo.build()
    session.commit()
    return {
        "counts": dict(demo.counts),
        "users": [(u.email, u.role.value) for u in users],
        "password": password,
    }


class _DemoBuilder:
    def __init__(self, session: Session, rng: random.Random, now: datetime) -> None:
        self.s = session
        self.rng = rng
        self.now = now
        self.counts: Counter[str] = Counter()
        self.fakers = {"en_US": Faker("en_US"), "fr_FR": Faker("fr_FR")}
        for i, fk in enumerate(self.fakers.values()):
            fk.seed_instance(rng.randrange(2**32) + i)
        self.lead_pipeline, self.lead_stages = _stages(session, PipelineKind.LEAD)
        self.deal_pipeline, self.deal_stages = _stages(session, PipelineKind.DEAL)
        self.sources = list(session.exec(select(Source).where(Source.is_active).order_by(Source.sort)).all())
        self.junk_reasons = _reason_ids(session, ReasonKind.LEAD_JUNK)
        self.lost_reasons = _reason_ids(session, ReasonKind.DEAL_LOST)
        self.currency = defaults.base_currency(session=session)
        self.reps: list[User] = []
        self.team: list[User] = []
        self.used_emails: set[str] = set()

    # helpers

    def _add(self, obj: Any, key: str) -> Any:
        self.s.add(obj)
        self.counts[key] += 1
        return obj

    def _ago(self, min_days: float, max_days: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(min_days, max_days))

    def _person(self, company_slug: str | None = None) -> _Person:
        locale = "fr_FR" if self.rng.random() < 0.4 else "en_US"
        fk = self.fakers[locale]
        female = self.rng.random() < 0.5
        first = fk.first_name_female() if female else fk.first_name_male()
        last = fk.last_name()
        if locale == "fr_FR":
            honorific = "Mme" if female else "M."
            raw = f"+33 {self.rng.choice(_FR_FICTION)} {self.rng.randrange(100):02d} {self.rng.randrange(100):02d}"
        else:
            honorific = "Ms." if female else "Mr."
            raw = f"+1 {self.rng.choice(['212', '312', '415', '617', '206'])} 555 01{self.rng.randrange(100):02d}"
        number = phonenumbers.parse(raw)
        domain = (
            f"{company_slug}.example.com"
            if company_slug
            else self.rng.choice(["example.com", "example.org", "example.net"])
        )
        local = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
        email = f"{local}@{domain}"
        n = 2
        while email in self.used_emails:
            email = f"{local}{n}@{domain}"
            n += 1
        self.used_emails.add(email)
        return _Person(
            locale=locale,
            honorific=honorific,
            first_name=first,
            last_name=last,
            position=fk.job()[:255],
            email=email,
            phone=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            phone_display=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
            address=fk.address().replace("\n", ", ")[:1000],
        )

    def _company_name(self) -> str:
        fk = self.fakers["fr_FR" if self.rng.random() < 0.4 else "en_US"]
        return fk.company()[:255]

    def _comms(self, entity_type: EntityType, entity_id: int, person: _Person) -> None:
        self._add(
            Communication(
                entity_type=entity_type,
                entity_id=entity_id,
                kind=CommKind.PHONE,
                label="work",
                value=person.phone_display,
                normalized=person.phone,
                is_primary=True,
            ),
            "communications",
        )
        self._add(
            Communication(
                entity_type=entity_type,
                entity_id=entity_id,
                kind=CommKind.EMAIL,
                label="work",
                value=person.email,
                normalized=person.email.lower(),
                is_primary=True,
            ),
            "communications",
        )

    def _timeline(
        self,
        entity_type: EntityType,
        entity_id: int,
        kind: TimelineKind,
        at: datetime,
        author_id: int | None,
        text: str = "",
        payload: dict | None = None,
    ) -> None:
        self._add(
            TimelineEntry(
                entity_type=entity_type,
                entity_id=entity_id,
                kind=kind,
                author_id=author_id,
                text=text,
                payload=payload or {},
                created_at=at,
            ),
            "timeline_entries",
        )

    def _spread(self, stages: Sequence[Stage], count: int) -> list[Stage]:
        """`count` stage slots covering every given stage (round robin)."""
        return [stages[i % len(stages)] for i in range(count)] if stages else []

    # steps

    def users(self, password: str) -> list[User]:
        has_admin = (
            self.s.exec(select(User.id).where(User.role == Role.ADMIN, User.is_active)).first() is not None
        )
        people = DEMO_TEAM if has_admin else [DEMO_ADMIN, *DEMO_TEAM]
        # One hash for all: they share the printed password, and argon2 costs ~0.1 s per hash.
        password_hash = auth.hash_password(password)
        created = []
        for role, name, local in people:
            user = self._add(
                User(
                    email=f"{local}@{DEMO_DOMAIN}",
                    name=name,
                    role=role,
                    password_hash=password_hash,
                    created_at=self.now - timedelta(days=200),
                    updated_at=self.now - timedelta(days=200),
                ),
                "users",
            )
            created.append(user)
        self.s.flush()
        self.team = [u for u in created if u.role in (Role.MANAGER, Role.SALES)]
        self.reps = [u for u in created if u.role == Role.SALES]
        return created

    def build(self) -> None:
        products = self._products()
        fresh = max(3, DEMO_COMPANIES - DEMO_LEADS["converted"])
        companies = [self._company(self._company_name()) for _ in range(fresh)]
        self.s.flush()
        leads = self._leads()
        converted = [(lead, p) for lead, p in leads if lead.result == LeadResult.CONVERTED]
        conv_links = self._convert(converted, companies)
        contacts = self._contacts(companies, conv_links)
        deals = self._deals(products, contacts, conv_links)
        self._activities(leads, contacts, companies, deals)
        self._comments(leads, contacts, companies, deals)
        self.s.flush()

    def _products(self) -> list[Product]:
        created = self.now - timedelta(days=300)
        products = [
            self._add(
                Product(
                    name=name,
                    sku=sku,
                    price=Decimal(price),
                    currency_code=self.currency,
                    tax_rate=Decimal(tax),
                    tax_included=False,
                    unit=unit,
                    description=f"{name}.",
                    created_at=created,
                    updated_at=created,
                ),
                "products",
            )
            for name, sku, price, tax, unit in DEMO_PRODUCTS
        ]
        self.s.flush()
        return products

    def _company(self, name: str, *, lead: Lead | None = None, at: datetime | None = None) -> Company:
        at = at or self._ago(60, 180)
        owner_id = lead.responsible_id if lead else self.rng.choice(self.team).id
        slug = _ascii_slug(name, "-")[:40] or "company"
        return self._add(
            Company(
                name=name,
                industry=self.rng.choice(DEMO_INDUSTRIES),
                website=f"https://www.{slug}.example.com",
                address=self.fakers["en_US"].address().replace("\n", ", "),
                employees=self.rng.choice([5, 12, 25, 40, 80, 150, 400]),
                revenue=Decimal(self.rng.randrange(2, 400) * 50_000),
                source_id=self.rng.choice(self.sources).id if self.sources else None,
                responsible_id=owner_id,
                created_by_id=owner_id,
                lead_id=lead.id if lead else None,
                created_at=at,
                updated_at=at,
            ),
            "companies",
        )

    def _leads(self) -> list[tuple[Lead, _Person]]:
        by_sem = {sem: [s for s in self.lead_stages if s.semantic == sem] for sem in StageSemantic}
        plan = (
            [(s, None) for s in self._spread(by_sem[StageSemantic.IN_PROGRESS], DEMO_LEADS["in_progress"])]
            + [
                (s, LeadResult.CONVERTED)
                for s in self._spread(by_sem[StageSemantic.SUCCESS], DEMO_LEADS["converted"])
            ]
            + [(s, LeadResult.JUNK) for s in self._spread(by_sem[StageSemantic.FAILURE], DEMO_LEADS["junk"])]
        )
        self.rng.shuffle(plan)
        leads = []
        for stage, result in plan:
            with_company = result == LeadResult.CONVERTED or self.rng.random() < 0.7
            company_name = self._company_name() if with_company else ""
            person = self._person(_ascii_slug(company_name, "-")[:40] if company_name else None)
            rep = self.rng.choice(self.reps)
            # closed leads are older: they had time to be processed
            created = self._ago(20, 120) if result else self._ago(0.1, 45)
            lead = self._add(
                Lead(
                    title=f"{company_name or person.last_name}: {self.rng.choice(DEMO_INTERESTS)}",
                    honorific=person.honorific,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    company_name=company_name,
                    position=person.position if with_company else "",
                    address=person.address,
                    amount=Decimal(self.rng.randrange(10, 300) * 100) if self.rng.random() < 0.7 else None,
                    currency_code=self.currency,
                    status_id=stage.id,
                    source_id=self.rng.choice(self.sources).id if self.sources else None,
                    responsible_id=rep.id,
                    created_by_id=rep.id,
                    created_at=created,
                    updated_at=created,
                ),
                "leads",
            )
            if result == LeadResult.JUNK:
                closed = created + timedelta(days=self.rng.uniform(0.5, 10))
                lead.result = LeadResult.JUNK
                lead.junk_reason_id = self.rng.choice(self.junk_reasons) if self.junk_reasons else None
                lead.closed_at = lead.updated_at = closed
            elif result == LeadResult.CONVERTED:
                lead.result = LeadResult.CONVERTED  # links and closed_at set by _convert
            leads.append((lead, person))
        self.s.flush()
        for lead, person in leads:
            self._comms(EntityType.LEAD, lead.id, person)
            self._timeline(
                EntityType.LEAD, lead.id, TimelineKind.CREATED, lead.created_at, lead.created_by_id
            )
        return leads

    def _convert(self, converted, companies: list[Company]) -> list[dict]:
        """A contact and company for each converted lead (the deal comes in _deals)."""
        links = []
        for lead, person in converted:
            at = lead.created_at + timedelta(days=self.rng.uniform(1, 15))
            company = self._company(lead.company_name, lead=lead, at=at)
            contact = self._contact(person, lead=lead, at=at)
            companies.append(company)
            links.append({"lead": lead, "person": person, "contact": contact, "company": company, "at": at})
        self.s.flush()
        for link in links:
            self._link(link["contact"], link["company"], primary=True)
        return links

    def _contact(self, person: _Person, *, lead: Lead | None = None, at: datetime | None = None) -> Contact:
        at = at or self._ago(10, 150)
        owner_id = lead.responsible_id if lead else self.rng.choice(self.team).id
        birth = date(self.rng.randrange(1960, 2000), self.rng.randrange(1, 13), self.rng.randrange(1, 29))
        return self._add(
            Contact(
                honorific=person.honorific,
                first_name=person.first_name,
                last_name=person.last_name,
                position=person.position,
                address=person.address,
                birthdate=birth if self.rng.random() < 0.4 else None,
                source_id=lead.source_id
                if lead
                else (self.rng.choice(self.sources).id if self.sources else None),
                responsible_id=owner_id,
                created_by_id=owner_id,
                lead_id=lead.id if lead else None,
                created_at=at,
                updated_at=at,
            ),
            "contacts",
        )

    def _link(self, contact: Contact, company: Company, *, primary: bool) -> None:
        self._add(
            ContactCompany(contact_id=contact.id, company_id=company.id, is_primary=primary),
            "contact_companies",
        )

    def _contacts(
        self, companies: list[Company], conv_links: list[dict]
    ) -> list[tuple[Contact, Company | None]]:
        """Fresh contacts, most working for one of the companies; a few for two."""
        fresh = []
        for _ in range(DEMO_FRESH_CONTACTS):
            company = self.rng.choice(companies) if self.rng.random() < 0.85 else None
            slug = _ascii_slug(company.name, "-")[:40] if company else None
            person = self._person(slug)
            fresh.append((self._contact(person), company, person))
        self.s.flush()
        for contact, company, _person in fresh:
            if company is not None:
                self._link(contact, company, primary=True)
                if self.rng.random() < 0.2:
                    other = self.rng.choice([c for c in companies if c.id != company.id])
                    self._link(contact, other, primary=False)
        everyone = [(link["contact"], link["company"], link["person"]) for link in conv_links] + fresh
        for contact, _company, person in everyone:
            self._comms(EntityType.CONTACT, contact.id, person)
            self._timeline(
                EntityType.CONTACT,
                contact.id,
                TimelineKind.CREATED,
                contact.created_at,
                contact.created_by_id,
            )
        for company in companies:
            self._add(
                Communication(
                    entity_type=EntityType.COMPANY,
                    entity_id=company.id,
                    kind=CommKind.WEB,
                    label="work",
                    value=company.website,
                    normalized=company.website.lower(),
                    is_primary=True,
                ),
                "communications",
            )
            self._timeline(
                EntityType.COMPANY,
                company.id,
                TimelineKind.CREATED,
                company.created_at,
                company.created_by_id,
            )
        return [(contact, company) for contact, company, _person in everyone]

    def _deals(self, products: list[Product], contacts, conv_links: list[dict]) -> list[Deal]:
        by_sem = {sem: [s for s in self.deal_stages if s.semantic == sem] for sem in StageSemantic}
        slots = (
            self._spread(by_sem[StageSemantic.IN_PROGRESS], DEMO_DEALS["open"])
            + self._spread(by_sem[StageSemantic.SUCCESS], DEMO_DEALS["won"])
            + self._spread(by_sem[StageSemantic.FAILURE], DEMO_DEALS["lost"])
        )
        self.rng.shuffle(slots)
        fresh_contacts = contacts[len(conv_links) :]
        deals: list[tuple[Deal, dict | None]] = []
        for i, stage in enumerate(slots):
            link = conv_links[i] if i < len(conv_links) else None
            if link:
                contact, company, lead = link["contact"], link["company"], link["lead"]
                created = link["at"]
                owner_id = lead.responsible_id
                title = lead.title
            else:
                contact, company = self.rng.choice(fresh_contacts)
                if self.rng.random() < 0.15:
                    contact = None  # a deal with a company only
                    company = company or self.rng.choice([c for _c, c in contacts if c])
                lead = None
                created = self._ago(5, 100)
                owner_id = self.rng.choice(self.reps).id
                name = company.name if company else f"{contact.first_name} {contact.last_name}"
                title = f"{name}: {self.rng.choice(DEMO_INTERESTS)}"
            deal = self._add(
                Deal(
                    title=title[:255],
                    currency_code=self.currency,
                    pipeline_id=self.deal_pipeline.id,
                    stage_id=stage.id,
                    contact_id=contact.id if contact else None,
                    company_id=company.id if company else None,
                    responsible_id=owner_id,
                    created_by_id=owner_id,
                    source_id=lead.source_id if lead else None,
                    lead_id=lead.id if lead else None,
                    created_at=created,
                    updated_at=created,
                    stage_changed_at=created + timedelta(days=self.rng.uniform(0, 3)),
                ),
                "deals",
            )
            if stage.semantic == StageSemantic.IN_PROGRESS:
                deal.close_date = (self.now + timedelta(days=self.rng.randrange(5, 90))).date()
                deal.probability = min(90, 10 + 15 * self.deal_stages.index(stage))
            else:
                closed = min(self.now, created + timedelta(days=self.rng.uniform(3, 30)))
                deal.closed = True
                deal.closed_at = deal.stage_changed_at = deal.updated_at = closed
                deal.close_date = closed.date()
                if stage.semantic == StageSemantic.SUCCESS:
                    deal.result, deal.probability = DealResult.WON, 100
                else:
                    deal.result, deal.probability = DealResult.LOST, 0
                    deal.lost_reason_id = self.rng.choice(self.lost_reasons) if self.lost_reasons else None
                    deal.lost_comment = self.rng.choice(
                        [
                            "Budget moved to next year.",
                            "Went with a cheaper tool.",
                            "",
                            "No reply since the quote.",
                        ]
                    )
            deals.append((deal, link))
        self.s.flush()
        for deal, link in deals:
            total = Decimal("0")
            for sort, product in enumerate(self.rng.sample(products, self.rng.randint(1, 3))):
                quantity = Decimal(self.rng.choice([1, 1, 2, 3, 5, 10, 20]))
                discount = Decimal(self.rng.choice([0, 0, 0, 5, 10]))
                self._add(
                    DealProduct(
                        deal_id=deal.id,
                        product_id=product.id,
                        name=product.name,
                        quantity=quantity,
                        unit_price=product.price,
                        discount_type=DiscountType.PERCENT,
                        discount_value=discount,
                        tax_rate=product.tax_rate,
                        tax_included=product.tax_included,
                        sort=(sort + 1) * 10,
                    ),
                    "deal_products",
                )
                total += line_total(
                    quantity,
                    product.price,
                    discount_percent=discount,
                    tax_rate=product.tax_rate,
                    tax_included=product.tax_included,
                )
            deal.amount = total
            self._timeline(
                EntityType.DEAL, deal.id, TimelineKind.CREATED, deal.created_at, deal.created_by_id
            )
            if link:
                lead = link["lead"]
                lead.contact_id, lead.company_id, lead.deal_id = (
                    link["contact"].id,
                    link["company"].id,
                    deal.id,
                )
                lead.closed_at = lead.updated_at = link["at"]
                self._timeline(
                    EntityType.LEAD,
                    lead.id,
                    TimelineKind.CONVERSION,
                    link["at"],
                    lead.responsible_id,
                    payload={
                        "contact_id": link["contact"].id,
                        "company_id": link["company"].id,
                        "deal_id": deal.id,
                    },
                )
        self.s.flush()
        return [d for d, _l in deals]

    def _activities(self, leads, contacts, companies: list[Company], deals: list[Deal]) -> None:
        """Every activity type on every entity type: done, overdue, due today and planned."""
        targets: dict[EntityType, list[tuple[int, int | None, _Person | None, str]]] = {
            EntityType.LEAD: [
                (lead.id, lead.responsible_id, p, f"{lead.first_name} {lead.last_name}")
                for lead, p in leads
                if lead.result is None
            ],
            EntityType.CONTACT: [
                (c.id, c.responsible_id, None, f"{c.first_name} {c.last_name}") for c, _co in contacts
            ],
            EntityType.COMPANY: [(c.id, c.responsible_id, None, c.name) for c in companies],
            EntityType.DEAL: [(d.id, d.responsible_id, None, d.title) for d in deals if not d.closed],
        }
        today_end = datetime.combine(self.now.date(), time(23, 59), tzinfo=UTC)
        when = (
            [("done", self._ago(1, 60)) for _ in range(24)]
            + [("overdue", self._ago(1, 7)) for _ in range(8)]
            + [
                ("today", min(today_end, self.now + timedelta(hours=self.rng.uniform(0.5, 6))))
                for _ in range(6)
            ]
            + [("planned", self.now + timedelta(days=self.rng.uniform(1, 21))) for _ in range(16)]
        )
        types = list(ActivityType)
        kinds = list(targets)
        done = []
        for i, (state, deadline) in enumerate(when):
            atype = types[i % len(types)]
            etype = kinds[(i // len(types)) % len(kinds)]
            entity_id, owner_id, person, name = self.rng.choice(targets[etype])
            subject, details, direction = self._activity_text(atype, name, person)
            created = min(deadline, self.now) - timedelta(days=self.rng.uniform(1, 5))
            activity = self._add(
                Activity(
                    type=atype,
                    subject=subject[:255],
                    direction=direction,
                    priority=Priority.HIGH if self.rng.random() < 0.2 else Priority.NORMAL,
                    deadline=deadline,
                    end_at=deadline + timedelta(hours=1) if atype == ActivityType.MEETING else None,
                    entity_type=etype,
                    entity_id=entity_id,
                    responsible_id=owner_id or self.reps[0].id,
                    created_by_id=owner_id,
                    completed=state == "done",
                    completed_at=deadline if state == "done" else None,
                    details=details,
                    created_at=created,
                    updated_at=deadline if state == "done" else created,
                ),
                "activities",
            )
            if state == "done":
                done.append(activity)
        self.s.flush()
        for activity in done:
            self._timeline(
                activity.entity_type,
                activity.entity_id,
                TimelineKind.ACTIVITY_DONE,
                activity.completed_at,
                activity.responsible_id,
                text=activity.subject,
                payload={"activity_id": activity.id, "type": activity.type.value},
            )

    def _activity_text(self, atype: ActivityType, name: str, person: _Person | None):
        if atype == ActivityType.CALL:
            details = {"phone": person.phone} if person else {}
            return f"Call {name}", details, self.rng.choice(list(Direction))
        if atype == ActivityType.MEETING:
            return f"Meeting with {name}", {"location": self.rng.choice(DEMO_LOCATIONS)}, None
        if atype == ActivityType.EMAIL:
            details = {"to": person.email} if person else {}
            return f"E-mail {name}: follow-up on the quote", details, Direction.OUTGOING
        return f"Prepare the proposal for {name}", {}, None

    def _comments(self, leads, contacts, companies: list[Company], deals: list[Deal]) -> None:
        pool = (
            [(EntityType.LEAD, lead) for lead, _p in leads[:4]]
            + [(EntityType.CONTACT, c) for c, _co in contacts[:2]]
            + [(EntityType.COMPANY, companies[0])]
            + [(EntityType.DEAL, d) for d in deals[:3]]
        )
        for etype, entity in pool:
            at = entity.created_at + timedelta(hours=self.rng.uniform(1, 48))
            self._timeline(
                etype,
                entity.id,
                TimelineKind.COMMENT,
                min(at, self.now),
                entity.responsible_id,
                text=self.rng.choice(DEMO_COMMENTS),
            )


# --- bulk data -----------------------------------------------------------------------------

BULK_USER_EMAIL = "bulk.sales@example.com"
BULK_BATCH_SIZE = 5_000
_INDUSTRIES = DEMO_INDUSTRIES
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
        for i in session.exec(select(User.id).where(User.is_active).order_by(User.id)).all()
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
    _lead_pipeline, lead_stages = _stages(session, PipelineKind.LEAD)
    deal_pipeline, deal_stages = _stages(session, PipelineKind.DEAL)
    sources = session.exec(select(Source.id).where(Source.is_active).order_by(Source.sort, Source.id)).all()
    semantics = {s.semantic for s in lead_stages}, {s.semantic for s in deal_stages}
    if not all(StageSemantic.IN_PROGRESS in kinds for kinds in semantics):
        raise Conflict("The lead statuses and the deal pipeline each need an in-progress stage.")
    return BulkContext(
        now=now or utcnow(),
        user_ids=tuple(user_ids),
        source_ids=tuple(i for i in sources if i is not None),
        lead_status_ids=tuple(s.id for s in lead_stages if s.semantic == StageSemantic.IN_PROGRESS and s.id),
        currency=defaults.base_currency(session=session),
        deal_pipeline_id=deal_pipeline.id or 0,
        deal_stages=tuple((s.id, s.semantic) for s in deal_stages if s.id),
        lost_reason_ids=tuple(_reason_ids(session, ReasonKind.DEAL_LOST)),
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
        first_names=tuple((n, _ascii_slug(n) or "x") for n in firsts),
        last_names=tuple((n, _ascii_slug(n) or "x") for n in lasts),
        companies=tuple((c[:255], f"{_ascii_slug(c, '-')[:40] or 'company'}.example.com") for c in companies),
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


def _email_comm(etype: EntityType, email: str) -> dict[str, Any]:
    return {
        "entity_type": etype,
        "kind": CommKind.EMAIL,
        "label": "work",
        "value": email,
        "normalized": email.lower(),
        "is_primary": True,
    }


def _phone_comm(etype: EntityType, rng: random.Random) -> dict[str, Any]:
    e164, display = _phone(rng)
    return {
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
        yield row, [_email_comm(EntityType.LEAD, email), _phone_comm(EntityType.LEAD, rng)]


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
            "industry": rng.choice(_INDUSTRIES),
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
        yield row, [_phone_comm(EntityType.COMPANY, rng)]


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
        yield row, [_email_comm(EntityType.CONTACT, email), _phone_comm(EntityType.CONTACT, rng)], company_id


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


def _insert_with_comms(conn, table, items: Iterable[tuple], batch_size: int, counts: Counter) -> list[int]:
    comm_table = Communication.__table__  # type: ignore[attr-defined]
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
        conn, Company.__table__, company_rows(ctx, companies, random_seed=random_seed), batch_size, counts
    )
    counts["companies"] = len(company_ids)

    contact_items = contact_rows(ctx, contacts, random_seed=random_seed, company_ids=company_ids)
    links: list[dict[str, Any]] = []

    def keep_links(items):
        for row, comms, company_id in items:
            links.append({"company_id": company_id})
            yield row, comms

    contact_ids = _insert_with_comms(conn, Contact.__table__, keep_links(contact_items), batch_size, counts)
    counts["contacts"] = len(contact_ids)
    link_rows = [
        {"contact_id": cid, "company_id": link["company_id"], "is_primary": True}
        for cid, link in zip(contact_ids, links, strict=True)
        if link["company_id"] is not None
    ]
    for batch in batched(link_rows, batch_size):
        conn.execute(insert(ContactCompany.__table__), batch)
    counts["contact_companies"] = len(link_rows)

    lead_ids = _insert_with_comms(
        conn, Lead.__table__, lead_rows(ctx, leads, random_seed=random_seed), batch_size, counts
    )
    counts["leads"] = len(lead_ids)

    deal_ids: list[int] = []
    for batch in batched(
        deal_rows(ctx, deals, random_seed=random_seed, contact_ids=contact_ids, company_ids=company_ids),
        batch_size,
    ):
        deal_ids.extend(insert_returning_ids(conn, Deal.__table__, batch))
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
            conn.execute(insert(Activity.__table__), batch)
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
