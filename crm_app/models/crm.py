"""Leads, contacts, companies, deals, products, activities and the timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crm_app.models.base import Audited, AuditedRow, UTCDateTime, enum_field, fixed_field, money_field, utcnow
from crm_app.models.enums import (
    ActivityType,
    CommKind,
    DealResult,
    Direction,
    DiscountType,
    EntityType,
    LeadResult,
    Priority,
    TimelineKind,
)


def _late_fk(table: str) -> sa.Column:
    return sa.Column(
        f"{table}_id",
        sa.Integer,
        sa.ForeignKey(f"{table}.id", use_alter=True, name=f"fk_lead_{table}_id"),
        index=True,
        nullable=True,
    )


SORT_NAME_LENGTH = 400

# the columns of `lead` the list sorts by, each with its partial index (column, id)
LEAD_SORTABLE = (
    "created_at",
    "updated_at",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "amount",
    "primary_email",
    "primary_phone",
    "sort_name",
    # sorts by status, source and responsible read one branch per referenced row (listing.GroupedSort)
    "status_id",
    "source_id",
    "responsible_id",
)


def _live_index(name: str, column: str, *, where: str = "deleted_at IS NULL") -> sa.Index:
    """(column, id) over the rows `where` selects: the order of one list, read from the index."""
    return sa.Index(name, column, "id", sqlite_where=sa.text(where), postgresql_where=sa.text(where))


class LeadBase(SQLModel):
    title: str = Field(default="", max_length=255)
    honorific: str = Field(default="", max_length=20)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    second_name: str = Field(default="", max_length=100)
    company_name: str = Field(default="", max_length=255)
    position: str = Field(default="", max_length=255)
    website: str = Field(default="", max_length=255)
    address: str = Field(default="", max_length=1000)
    comment: str = Field(default="", max_length=10000)
    amount: Decimal | None = money_field()
    currency_code: str | None = Field(default=None, foreign_key="currency.code", max_length=3)


class Lead(LeadBase, Audited, table=True):
    __tablename__ = "lead"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        # the list: one partial index per sortable column over the live leads (both databases use
        # a partial index for the order; PostgreSQL ignores "deleted_at IS NULL" as an index prefix)
        *(_live_index(f"ix_lead_by_{name}", name) for name in LEAD_SORTABLE),
        # the list as /leads opens it: open leads, newest first
        _live_index("ix_lead_open", "created_at", where="deleted_at IS NULL AND result IS NULL"),
        _live_index("ix_lead_bin", "deleted_at", where="deleted_at IS NOT NULL"),
        sa.Index("ix_lead_status", "status_id", "created_at"),
        sa.Index("ix_lead_responsible", "responsible_id", "created_at"),
        sa.Index("ix_lead_last_name", "last_name"),
        sa.Index("ix_lead_company_name", "company_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status_id: int = Field(foreign_key="stage.id")
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    responsible_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    result: LeadResult | None = enum_field(LeadResult, nullable=True)
    junk_reason_id: int | None = Field(default=None, foreign_key="lost_reason.id")
    # lead <-> contact/company/deal point at each other: these keys are added after the tables
    contact_id: int | None = Field(default=None, sa_column=_late_fk("contact"))
    company_id: int | None = Field(default=None, sa_column=_late_fk("company"))
    deal_id: int | None = Field(default=None, sa_column=_late_fk("deal"))
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # kept by services/search_index on every write, never typed in: the folded search document
    # (names and e-mails; phones as digits) that the search index reads, and the primary e-mail
    # and phone, so that the list sorts them with an index
    search_text: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    search_phones: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})
    primary_email: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    primary_phone: str = Field(default="", max_length=50, sa_column_kwargs={"server_default": ""})
    # the name the list shows (services/display), folded like the search document: its Name
    # column sorts by what people read, with an index
    sort_name: str = Field(default="", max_length=SORT_NAME_LENGTH, sa_column_kwargs={"server_default": ""})


class Communication(AuditedRow, table=True):
    """A phone, e-mail or web address of a lead, contact or company.

    `normalized` is E.164 for phones and lower case for e-mails: duplicate checks and
    search use it through ix_comm_lookup.
    """

    __tablename__ = "communication"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        sa.Index("ix_comm_owner", "entity_type", "entity_id"),
        sa.Index("ix_comm_lookup", "kind", "normalized"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity_type: EntityType = enum_field(EntityType)
    entity_id: int
    kind: CommKind = enum_field(CommKind)
    label: str = Field(default="work", max_length=20)
    value: str = Field(max_length=255)
    normalized: str = Field(max_length=255)
    is_primary: bool = Field(default=False)


# the columns of `contact` and `company` their lists sort by, each with its partial index (column, id)
CONTACT_SORTABLE = (
    "created_at",
    "updated_at",
    "sort_name",
    "position",
    "primary_email",
    "primary_phone",
    "responsible_id",
    "source_id",
)
COMPANY_SORTABLE = (
    "created_at",
    "updated_at",
    "sort_name",
    "industry",
    "primary_email",
    "primary_phone",
    "responsible_id",
    "source_id",
)


class SearchColumns(SQLModel):
    """Kept by services/party_index on every write of a contact or company, never typed in: the
    folded search document (names, company names, e-mails) and the phones as digits that the list
    search reads, the primary e-mail and phone and the folded name the list sorts by."""

    search_text: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    search_phones: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})
    primary_email: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    primary_phone: str = Field(default="", max_length=50, sa_column_kwargs={"server_default": ""})
    sort_name: str = Field(default="", max_length=SORT_NAME_LENGTH, sa_column_kwargs={"server_default": ""})


class ContactBase(SQLModel):
    honorific: str = Field(default="", max_length=20)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    second_name: str = Field(default="", max_length=100)
    position: str = Field(default="", max_length=255)
    birthdate: date | None = None
    address: str = Field(default="", max_length=1000)
    comment: str = Field(default="", max_length=10000)


class Contact(ContactBase, SearchColumns, Audited, table=True):
    __tablename__ = "contact"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        *(_live_index(f"ix_contact_by_{name}", name) for name in CONTACT_SORTABLE),
        _live_index("ix_contact_bin", "deleted_at", where="deleted_at IS NOT NULL"),
        sa.Index("ix_contact_last_name", "last_name"),
        sa.Index("ix_contact_responsible", "responsible_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int | None = Field(default=None, foreign_key="source.id")
    responsible_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CompanyBase(SQLModel):
    name: str = Field(max_length=255)
    industry: str = Field(default="", max_length=100)
    website: str = Field(default="", max_length=255)
    address: str = Field(default="", max_length=1000)
    employees: int | None = None
    revenue: Decimal | None = money_field()
    comment: str = Field(default="", max_length=10000)


class Company(CompanyBase, SearchColumns, Audited, table=True):
    __tablename__ = "company"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        *(_live_index(f"ix_company_by_{name}", name) for name in COMPANY_SORTABLE),
        _live_index("ix_company_bin", "deleted_at", where="deleted_at IS NOT NULL"),
        sa.Index("ix_company_name", "name"),
        sa.Index("ix_company_responsible", "responsible_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int | None = Field(default=None, foreign_key="source.id")
    responsible_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ContactCompany(AuditedRow, table=True):
    """A contact may belong to several companies."""

    __tablename__ = "contact_company"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    company_id: int = Field(foreign_key="company.id", primary_key=True, index=True, ondelete="CASCADE")
    is_primary: bool = Field(default=False)


class DealBase(SQLModel):
    title: str = Field(max_length=255)
    amount: Decimal = money_field(nullable=False, default=Decimal("0"))
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    close_date: date | None = None
    probability: int | None = None
    comment: str = Field(default="", max_length=10000)


class Deal(DealBase, Audited, table=True):
    __tablename__ = "deal"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        sa.Index("ix_deal_list", "deleted_at", "created_at", "id"),
        sa.Index("ix_deal_stage", "pipeline_id", "stage_id", "closed"),
        sa.Index("ix_deal_responsible", "responsible_id", "closed"),
        # a kanban column: its newest cards, and its count and sum read from the index alone
        _live_index("ix_deal_kanban", "stage_id"),
        sa.Index(
            "ix_deal_stage_sum",
            "stage_id",
            "currency_code",
            "amount",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: int = Field(foreign_key="pipeline.id")
    stage_id: int = Field(foreign_key="stage.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    responsible_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    source_id: int | None = Field(default=None, foreign_key="source.id")
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    # the amount typed by hand; else it follows the product rows (when there are some)
    amount_manual: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    closed: bool = Field(default=False)
    result: DealResult | None = enum_field(DealResult, nullable=True)
    lost_reason_id: int | None = Field(default=None, foreign_key="lost_reason.id")
    lost_comment: str = Field(default="", max_length=2000)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stage_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProductBase(SQLModel):
    name: str = Field(max_length=255)
    sku: str = Field(default="", max_length=64)
    description: str = Field(default="", max_length=10000)
    price: Decimal = money_field(nullable=False, default=Decimal("0"))
    currency_code: str = Field(foreign_key="currency.code", max_length=3)
    tax_rate: Decimal = fixed_field(2, default=Decimal("0"))
    tax_included: bool = Field(default=False)
    unit: str = Field(default="pcs", max_length=20)
    is_active: bool = Field(default=True)


class ProductSection(Audited, table=True):
    """A section of the product catalogue (a flat list, ordered like every settings list)."""

    __tablename__ = "product_section"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    sort: int = Field(default=0)


class Product(ProductBase, Audited, table=True):
    __tablename__ = "product"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (sa.Index("ix_product_name", "name"), sa.Index("ix_product_sku", "sku"))

    id: int | None = Field(default=None, primary_key=True)
    section_id: int | None = Field(default=None, foreign_key="product_section.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    # name and SKU folded (accents and case ignored): what the catalogue search reads
    search_text: str = Field(default="", max_length=330, sa_column_kwargs={"server_default": ""})
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DealProduct(AuditedRow, table=True):
    """A deal's line item: a catalogue product or a free row."""

    __tablename__ = "deal_product"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True, ondelete="CASCADE")
    product_id: int | None = Field(default=None, foreign_key="product.id", index=True)
    name: str = Field(max_length=255)
    quantity: Decimal = fixed_field(3, default=Decimal("1"))
    unit: str = Field(default="pcs", max_length=20, sa_column_kwargs={"server_default": "pcs"})
    unit_price: Decimal = money_field(nullable=False, default=Decimal("0"))
    discount_type: DiscountType = enum_field(DiscountType, default=DiscountType.PERCENT)
    discount_value: Decimal = money_field(nullable=False, default=Decimal("0"))
    tax_rate: Decimal = fixed_field(2, default=Decimal("0"))
    tax_included: bool = Field(default=False)
    sort: int = Field(default=0)


class ActivityBase(SQLModel):
    type: ActivityType = enum_field(ActivityType, default=ActivityType.TASK)
    subject: str = Field(max_length=255)
    description: str = Field(default="", max_length=10000)
    direction: Direction | None = enum_field(Direction, nullable=True)
    priority: Priority = enum_field(Priority, default=Priority.NORMAL)
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Activity(ActivityBase, Audited, table=True):
    __tablename__ = "activity"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        # counters: open activities of a user by deadline
        sa.Index("ix_activity_counter", "responsible_id", "completed", "deadline"),
        sa.Index("ix_activity_owner", "entity_type", "entity_id", "completed"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity_type: EntityType = enum_field(EntityType)
    entity_id: int
    responsible_id: int = Field(foreign_key="user.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    completed: bool = Field(default=False)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TimelineEntry(SQLModel, table=True):
    """One event in the history of a lead, contact, company or deal."""

    __tablename__ = "timeline_entry"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        sa.Index("ix_timeline_owner", "entity_type", "entity_id", "created_at"),
        sa.Index("ix_timeline_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entity_type: EntityType = enum_field(EntityType)
    entity_id: int
    kind: TimelineKind = enum_field(TimelineKind)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(default="", max_length=10000)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
