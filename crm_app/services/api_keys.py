"""API keys for the REST API and web forms. Only a SHA-256 of each key is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from crm_app.models import ApiKey, User
from crm_app.models.base import utcnow
from crm_app.services import permissions
from crm_app.services.auth import find_user_by_email
from crm_app.services.errors import NotFound, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.validation import clean_text

KEY_PREFIX = "crm_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(*, session: Session, actor: User | None, user_email: str, name: str) -> tuple[ApiKey, str]:
    """Returns (row, raw key). The raw key is shown once and never stored.

    actor=None is the local `crm` command; otherwise administrators make keys for anyone and
    other users only for themselves.
    """
    owner = find_user_by_email(session=session, email=user_email)
    if owner is None or not owner.is_active:
        raise NotFound(Msg("No active user with this e-mail."))
    if actor is not None and actor.id != owner.id:
        permissions.require_settings(session, actor)
    name, err = clean_text(name, field_label=N_("Name"), max_len=100, required=True)
    if err:
        raise ValidationError({"name": err})
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(user_id=owner.id or 0, name=name, prefix=raw[:10], key_hash=_hash(raw))
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, raw


def resolve_api_key(*, session: Session, raw: str | None) -> User | None:
    """The active user behind a key, or None (unknown, revoked, or user deactivated)."""
    if not raw or len(raw) > 200:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == _hash(raw))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    session.commit()
    return user


@dataclass
class ApiKeyRow:
    id: int
    name: str
    prefix: str
    user_id: int
    user_name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


MAX_LISTED = 200


def list_api_keys(*, session: Session, user: User) -> list[ApiKeyRow]:
    """The user's own keys; users who may change the settings see everyone's. Active keys first, newest first."""
    permissions.require_user(user)
    stmt = select(ApiKey, User.name).join(User, col(User.id) == ApiKey.user_id)
    if not permissions.can_edit_settings(session, user):
        stmt = stmt.where(ApiKey.user_id == user.id)
    stmt = stmt.order_by(
        col(ApiKey.revoked_at).is_not(None), col(ApiKey.created_at).desc(), col(ApiKey.id).desc()
    )
    return [
        ApiKeyRow(
            id=row.id or 0,
            name=row.name,
            prefix=row.prefix,
            user_id=row.user_id,
            user_name=owner_name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
        for row, owner_name in session.exec(stmt.limit(MAX_LISTED)).all()
    ]


def revoke_api_key(*, session: Session, user: User, key_id: int) -> ApiKey:
    """A revoked key stops working at once. Users revoke their own keys, administrators any."""
    permissions.require_user(user)
    row = session.get(ApiKey, key_id)
    if row is None or (row.user_id != user.id and not permissions.can_edit_settings(session, user)):
        raise NotFound(Msg("This API key does not exist."))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
        session.refresh(row)
    return row
