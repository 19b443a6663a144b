"""Tables for lead intake and clean-up: app settings, web forms, imports, merges, rate limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crm_app.models.base import Audited, StrEnum, UTCDateTime, enum_field, utcnow


class AppSetting(SQLModel, table=True):
    """Small CRM-wide settings (e.g. `phone_region`), one JSON value per key."""

    __tablename__ = "app_setting"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(default=None, sa_type=sa.JSON, nullable=True)


class WebForm(Audited, table=True):
    """A public form (/forms/<slug>) that creates leads."""

    __tablename__ = "web_form"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)
    # [{"name": "first_name", "required": true}, ...] in display order
    fields: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    thank_you_text: str = Field(default="", max_length=2000)
    source_id: int | None = Field(default=None, foreign_key="source.id")
    responsible_id: int | None = Field(default=None, foreign_key="user.id")
    is_active: bool = Field(default=True)


class ImportStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # the process stopped while it ran (see ImportJob.heartbeat_at)


class ImportJob(SQLModel, table=True):
    """One CSV import (or dry run): its settings, progress and summary."""

    __tablename__ = "import_job"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    filename: str = Field(default="", max_length=255)
    status: ImportStatus = enum_field(ImportStatus, default=ImportStatus.PENDING)
    dry_run: bool = Field(default=False)
    on_duplicate: str = Field(default="skip", max_length=10)
    mapping: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    total_rows: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    message: str = Field(default="", max_length=2000)
    # [[reason, rows], ...]: values left empty and other notes on rows that were imported anyway
    warnings: list[Any] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # written with every batch: a running job whose heartbeat stopped was interrupted
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_by_id: int | None = Field(default=None, foreign_key="user.id")


class ImportChange(SQLModel, table=True):
    """A lead an import created or updated, with what undoing it needs: the lead's version just
    after the import wrote it (a later edit changes it) and, for an update, the values it replaced."""

    __tablename__ = "import_change"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (sa.Index("ix_import_change_job", "job_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="import_job.id", ondelete="CASCADE")
    lead_id: int = Field(foreign_key="lead.id", index=True)
    kind: str = Field(max_length=10)  # "created" or "updated"
    version: int = 1
    before: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)


class ImportRowError(SQLModel, table=True):
    """A row an import could not take, with the reason (downloadable as CSV)."""

    __tablename__ = "import_error"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (sa.Index("ix_import_error_job", "job_id", "row_number"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="import_job.id", ondelete="CASCADE")
    row_number: int
    reason: str = Field(max_length=2000)
    raw: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)


class LeadMerge(SQLModel, table=True):
    """A merge of leads, with what is needed to undo it."""

    __tablename__ = "lead_merge"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    kept_lead_id: int = Field(foreign_key="lead.id", index=True)
    merged_lead_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RateEvent(SQLModel, table=True):
    """Hits counted for rate limits (web form posts per address, ...)."""

    __tablename__ = "rate_event"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (sa.Index("ix_rate_event_lookup", "scope", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=30)
    key: str = Field(max_length=100)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
