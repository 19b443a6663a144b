"""Column types and mixins shared by every table."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import declared_attr
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones: values are stored as naive UTC and read back as aware UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _Stored(Protocol):
    id: int | None


def saved_id(row: _Stored) -> int:
    """The primary key of a row read from or flushed to the database (`id` is None only before)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return row.id


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table=True model, for bulk inserts (SQLModel does not type __table__)."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


# Field() is typed to return Any so that `x: T = Field(...)` type-checks; these helpers do the same.
def ts_field(*, nullable: bool = True, index: bool = False, default_now: bool = False) -> Any:
    if default_now:
        return Field(
            default_factory=utcnow, sa_column_kwargs={}, sa_type=UTCDateTime, nullable=nullable, index=index
        )
    return Field(default=None, sa_column_kwargs={}, sa_type=UTCDateTime, nullable=nullable, index=index)


class Fixed(TypeDecorator):
    """An exact decimal stored as an integer count of 10**-scale units (BIGINT) on every backend.

    SQLite has no decimal type (Numeric is REAL there: 0.10 + 0.20 sums to 0.30000000000000004);
    integers add up exactly on every backend, so `select(func.sum(Lead.amount))` is an exact
    Decimal on SQLite and PostgreSQL alike. Raw SQL sees the integer units (use `to_units`).
    """

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def to_units(self, value: Decimal | int | str) -> int:
        exact = Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_UP)
        return int(exact.scaleb(self.scale))

    def from_units(self, units: int) -> Decimal:
        return Decimal(int(units)).scaleb(-self.scale).quantize(self._quantum)

    def process_bind_param(self, value, dialect):
        return None if value is None else self.to_units(value)

    def process_result_value(self, value, dialect):
        return None if value is None else self.from_units(value)

    @property
    def python_type(self):
        return Decimal


MONEY_SCALE = 2  # cents: every money column (amounts, prices, discounts, revenue)
Money = Fixed(MONEY_SCALE)


def money_field(*, nullable: bool = True, default: Decimal | None = None) -> Any:
    return Field(default=default, sa_type=Money, nullable=nullable)


def fixed_field(scale: int, *, default: Decimal, nullable: bool = False) -> Any:
    """A non-money exact decimal (quantity: 3 places, tax rate: 2, exchange rate: 6)."""
    return Field(default=default, sa_type=Fixed(scale), nullable=nullable)


def enum_field(
    enum_cls: type[enum.Enum],
    *,
    default: enum.Enum | None = None,
    nullable: bool = False,
    index: bool = False,
) -> Any:
    """An enum stored as its string value (VARCHAR), no native DB enum type to migrate."""
    return Field(
        default=default,
        sa_type=sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        nullable=nullable,
        index=index,
    )


class Audited(SQLModel):
    """created_at / updated_at / version columns for tables users edit.

    The version column is SQLAlchemy's version counter: an UPDATE carrying an old
    version fails with StaleDataError, so two edits can never silently overwrite each other.
    Services also compare it with the version the user loaded (see services.errors.StaleRecord).
    """

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # stamped on every UPDATE of the row (ORM or Core) that does not set it itself
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, sa_column_kwargs={"onupdate": utcnow}
    )
    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - SQLAlchemy's declared_attr takes the class
        # __table__ exists on the table=True subclass being mapped, not on this mixin
        table: sa.Table = cls.__table__  # pyright: ignore[reportAttributeAccessIssue]
        return {"version_id_col": table.c.version}


_NOW = sa.text("CURRENT_TIMESTAMP")


class AuditedRow(Audited):
    """Audited, with database defaults too: for tables that raw/bulk inserts also fill
    (communication, contact_company, deal_product, currency; added by migration 0005)."""

    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, sa_column_kwargs={"server_default": _NOW}
    )
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"server_default": _NOW, "onupdate": utcnow},
    )
    version: int = Field(default=1, nullable=False, sa_column_kwargs={"server_default": "1"})


class StrEnum(enum.StrEnum):
    """Choices stored as their value."""
