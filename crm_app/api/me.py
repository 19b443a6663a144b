"""The key's own user and the CRM's counts."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlmodel import Session

from crm_app.api.deps import current_user, get_session
from crm_app.models import User
from crm_app.services import stats

router = APIRouter()


class Me(BaseModel):
    id: int
    name: str
    email: str
    role: str
    language: str


@router.get("/api/v1/me", response_model=Me)
def me(user: User = Depends(current_user)) -> Me:
    return Me(id=user.id or 0, name=user.name, email=user.email, role=user.role.value, language=user.language)


@router.get("/api/v1/stats")
def get_stats(user: User = Depends(current_user), session: Session = Depends(get_session)) -> dict[str, int]:
    return stats.table_counts(session=session)
