"""Test data factories."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from crm_app.models import Role, User
from crm_app.services import auth, defaults

PASSWORD = "correct horse battery staple"


def create_user(
    session: Session,
    *,
    role: Role = Role.SALES,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    defaults.ensure_defaults(session=session)
    user = User(
        email=(email or f"user-{secrets.token_hex(4)}@example.com").lower(),
        name=name or "Test User",
        role=role,
        password_hash=auth.hash_password(password),
        is_active=active,
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user
