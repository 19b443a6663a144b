"""Team members, their login sessions, login attempts and API keys."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from crm_app.models.base import Audited, UTCDateTime, enum_field, utcnow
from crm_app.models.enums import Role


class Team(Audited, table=True):
    """A group of users; "team" scope in the permissions matrix means records of its members."""

    __tablename__ = "team"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)


class RolePermission(SQLModel, table=True):
    """One cell of the permissions matrix: what a role may do with an entity (none/own/team/all).

    Missing cells fall back to the defaults in services.permissions.
    """

    __tablename__ = "role_permission"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (sa.UniqueConstraint("role", "entity", "action", name="ux_role_permission"),)

    id: int | None = Field(default=None, primary_key=True)
    role: Role = enum_field(Role)
    entity: str = Field(max_length=20)
    action: str = Field(max_length=20)
    scope: str = Field(max_length=10)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UserBase(SQLModel):
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    role: Role = enum_field(Role, default=Role.SALES)
    language: str = Field(default="en", max_length=8)
    is_active: bool = Field(default=True)


class User(UserBase, Audited, table=True):
    __tablename__ = "user"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (sa.Index("ux_user_email", "email", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True, ondelete="SET NULL")
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """A server-side login session. Only the SHA-256 of the token is stored."""

    __tablename__ = "auth_session"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class LoginAttempt(SQLModel, table=True):
    """Failed logins, for throttling by account and by address."""

    __tablename__ = "login_attempt"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr
    __table_args__ = (
        sa.Index("ix_login_attempt_email_at", "email", "at"),
        sa.Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    ip: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ApiKey(SQLModel, table=True):
    """A key for the REST API and web forms; acts with its user's rights."""

    __tablename__ = "api_key"  # pyright: ignore[reportAssignmentType]  # sqlmodel#98: typed as declared_attr

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
