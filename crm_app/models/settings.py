"""Settings lists: pipelines and stages, sources, reasons, currencies."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crm_app.models.base import Audited, AuditedRow, enum_field, fixed_field
from crm_app.models.enums import PipelineKind, ReasonKind, StageSemantic


class Pipeline(Audited, table=True):
    """The lead status list (kind=lead, exactly one) or a deal pipeline (kind=deal)."""

    __tablename__ = "pipeline"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    kind: PipelineKind = enum_field(PipelineKind, default=PipelineKind.DEAL, index=True)
    sort: int = Field(default=0)
    is_default: bool = Field(default=False)


class Stage(Audited, table=True):
    __tablename__ = "stage"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (sa.Index("ix_stage_pipeline_sort", "pipeline_id", "sort"),)

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: int = Field(foreign_key="pipeline.id", ondelete="CASCADE")
    name: str = Field(max_length=100)
    sort: int = Field(default=0)
    color: str = Field(default="#3b82f6", max_length=9)
    semantic: StageSemantic = enum_field(StageSemantic, default=StageSemantic.IN_PROGRESS)
    probability: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # deal stages, 0-100 %


class Source(Audited, table=True):
    __tablename__ = "source"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=100)
    sort: int = Field(default=0)
    is_active: bool = Field(default=True)


class LostReason(Audited, table=True):
    """Why a deal was lost, or why a lead was closed as junk."""

    __tablename__ = "lost_reason"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    kind: ReasonKind = enum_field(ReasonKind, default=ReasonKind.DEAL_LOST, index=True)
    name: str = Field(max_length=100)
    sort: int = Field(default=0)


class Currency(AuditedRow, table=True):
    __tablename__ = "currency"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    code: str = Field(primary_key=True, max_length=3)
    name: str = Field(max_length=60)
    rate: Decimal = fixed_field(6, default=Decimal("1"))
    is_base: bool = Field(default=False)
    sort: int = Field(default=0)


class SettingsStamp(SQLModel, table=True):
    """One row (id 1) whose value changes with every write to the users, the permission matrix,
    the pipelines, the stages and the sources: database triggers write a new random value
    (migration 0010), whichever code or tool writes those tables. `services.reference` keeps what
    it read from them for one value; no row means nothing is kept."""

    __tablename__ = "settings_stamp"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int = Field(default=1, primary_key=True)
    value: int = Field(sa_type=sa.BigInteger)  # pyright: ignore[reportArgumentType]
