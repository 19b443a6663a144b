"""API keys for the REST API and web forms. Only a SHA-256 of each key is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from crm_app.models import ApiKey, Role, User
from crm_app.models.base import utcnow
from crm_app.services.auth import find_user_by_email, require_role
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
        require_role(actor, Role.ADMIN)
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
