"""The demo data set: a small, coherent CRM for trying it out (`crm seed --demo`, and the first-run
set-up's "Load demo data").

`seed_demo` builds a team, leads in every status, converted and junk leads, contacts, companies,
deals in every stage with products, activities and a timeline, through the ORM.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
from faker import Faker
from sqlmodel import Session, col, select

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
    PipelineKind,
    Product,
    ReasonKind,
    Role,
    Source,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.models.base import utcnow
from crm_app.models.enums import DiscountType, Priority
from crm_app.services import auth, defaults, demo_activities
from crm_app.services.demo_activities import Target
from crm_app.services.demo_catalog import (
    _FR_FICTION,
    DEMO_ADMIN,
    DEMO_COMMENTS,
    DEMO_COMPANIES,
    DEMO_DEALS,
    DEMO_DOMAIN,
    DEMO_FRESH_CONTACTS,
    DEMO_INDUSTRIES,
    DEMO_INTERESTS,
    DEMO_LEADS,
    DEMO_PARTNER_DEALS,
    DEMO_PRODUCTS,
    DEMO_TEAM,
    line_total,
)
from crm_app.services.errors import Conflict, ValidationError
from crm_app.services.products import search_text as product_search_text
from crm_app.services.seed_common import (
    ascii_slug,
    default_stages,
    reason_ids,
    saved_id,
    second_deal_pipeline,
    spread,
    stage_slots,
)


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
        self.lead_pipeline, self.lead_stages = default_stages(session, PipelineKind.LEAD)
        self.deal_pipeline, self.deal_stages = default_stages(session, PipelineKind.DEAL)
        self.sources = list(
            session.exec(select(Source).where(Source.is_active).order_by(col(Source.sort))).all()
        )
        self.junk_reasons = reason_ids(session, ReasonKind.LEAD_JUNK)
        self.lost_reasons = reason_ids(session, ReasonKind.DEAL_LOST)
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
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
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
                    search_text=product_search_text(name, sku),
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
        slug = ascii_slug(name, "-")[:40] or "company"
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
            [(s, None) for s in spread(by_sem[StageSemantic.IN_PROGRESS], DEMO_LEADS["in_progress"])]
            + [
                (s, LeadResult.CONVERTED)
                for s in spread(by_sem[StageSemantic.SUCCESS], DEMO_LEADS["converted"])
            ]
            + [(s, LeadResult.JUNK) for s in spread(by_sem[StageSemantic.FAILURE], DEMO_LEADS["junk"])]
        )
        self.rng.shuffle(plan)
        leads = []
        for stage, result in plan:
            with_company = result == LeadResult.CONVERTED or self.rng.random() < 0.7
            company_name = self._company_name() if with_company else ""
            person = self._person(ascii_slug(company_name, "-")[:40] if company_name else None)
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
                    status_id=saved_id(stage),
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
            ContactCompany(contact_id=saved_id(contact), company_id=saved_id(company), is_primary=primary),
            "contact_companies",
        )

    def _contacts(
        self, companies: list[Company], conv_links: list[dict]
    ) -> list[tuple[Contact, Company | None]]:
        """Fresh contacts, most working for one of the companies; a few for two."""
        fresh = []
        for _ in range(DEMO_FRESH_CONTACTS):
            company = self.rng.choice(companies) if self.rng.random() < 0.85 else None
            slug = ascii_slug(company.name, "-")[:40] if company else None
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
                    entity_id=saved_id(company),
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
                saved_id(company),
                TimelineKind.CREATED,
                company.created_at,
                company.created_by_id,
            )
        return [(contact, company) for contact, company, _person in everyone]

    def _deals(self, products: list[Product], contacts, conv_links: list[dict]) -> list[Deal]:
        second = second_deal_pipeline(self.s, self.deal_pipeline)
        slots = stage_slots(self.deal_stages, DEMO_DEALS) + stage_slots(second, DEMO_PARTNER_DEALS)
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
                if company:
                    name = company.name
                else:  # a deal without a company has a contact
                    assert contact is not None
                    name = f"{contact.first_name} {contact.last_name}"
                title = f"{name}: {self.rng.choice(DEMO_INTERESTS)}"
            deal = self._add(
                Deal(
                    title=title[:255],
                    currency_code=self.currency,
                    pipeline_id=stage.pipeline_id,
                    stage_id=saved_id(stage),
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
                deal.probability = stage.probability
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
                        deal_id=saved_id(deal),
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
                EntityType.DEAL, saved_id(deal), TimelineKind.CREATED, deal.created_at, deal.created_by_id
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
        targets = {
            EntityType.LEAD: [
                Target(
                    EntityType.LEAD,
                    saved_id(lead),
                    lead.responsible_id,
                    f"{lead.first_name} {lead.last_name}",
                    lead.created_at,
                    phone=p.phone,
                    email=p.email,
                )
                for lead, p in leads
                if lead.result is None
            ],
            EntityType.CONTACT: [
                Target(
                    EntityType.CONTACT,
                    saved_id(c),
                    c.responsible_id,
                    f"{c.first_name} {c.last_name}",
                    c.created_at,
                )
                for c, _co in contacts
            ],
            EntityType.COMPANY: [
                Target(EntityType.COMPANY, saved_id(c), c.responsible_id, c.name, c.created_at)
                for c in companies
            ],
            EntityType.DEAL: [
                Target(EntityType.DEAL, saved_id(d), d.responsible_id, d.title, d.created_at)
                for d in deals
                if not d.closed
            ],
        }
        done = []
        for planned in demo_activities.plan(self.rng, self.now, targets):
            owner_id = planned.target.owner_id
            activity = self._add(
                Activity(
                    type=planned.type,
                    subject=planned.subject,
                    direction=planned.direction,
                    priority=Priority.HIGH if self.rng.random() < 0.2 else Priority.NORMAL,
                    deadline=planned.deadline,
                    end_at=planned.deadline + timedelta(hours=1)
                    if planned.type == ActivityType.MEETING
                    else None,
                    entity_type=planned.target.entity_type,
                    entity_id=planned.target.entity_id,
                    responsible_id=owner_id or saved_id(self.reps[0]),
                    created_by_id=owner_id,
                    completed=planned.completed,
                    completed_at=planned.deadline if planned.completed else None,
                    details=planned.details,
                    created_at=planned.created_at,
                    updated_at=planned.deadline if planned.completed else planned.created_at,
                ),
                "activities",
            )
            if planned.completed:
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
