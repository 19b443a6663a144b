"""What every route depends on: one DB session per request and the API key's user."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from crm_app import db
from crm_app.models import User
from crm_app.services import api_keys

_bearer = HTTPBearer(auto_error=False)


def get_session() -> Iterator[Session]:
    with db.session() as s:
        yield s


def current_user(
    creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
    session: Session = Depends(get_session),
) -> User:
    user = api_keys.resolve_api_key(session=session, raw=creds.credentials if creds else None)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Missing or invalid API key.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user
