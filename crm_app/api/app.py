"""REST API under /api/v1 (FastAPI), mounted into the Reflex backend. Keys: `Authorization: Bearer`."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlmodel import Session

from crm_app import db
from crm_app.models import User
from crm_app.services import api_keys, stats

api = FastAPI(
    title="CRM API",
    version="1",
    openapi_url="/api/v1/openapi.json",
    docs_url="/api/v1/docs",
    redoc_url=None,
)
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


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str
    language: str


@api.get("/api/v1/me", response_model=Me)
def me(user: User = Depends(current_user)) -> Me:
    return Me(id=user.id or 0, name=user.name, email=user.email, role=user.role.value, language=user.language)


@api.get("/api/v1/stats")
def get_stats(user: User = Depends(current_user), session: Session = Depends(get_session)) -> dict[str, int]:
    return stats.table_counts(session=session)
