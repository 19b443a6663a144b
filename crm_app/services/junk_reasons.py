"""Junk reasons: why a lead was closed as junk (Settings -> Leads). The rules are every reason
list's (services.reasons); these are the names callers use."""

from __future__ import annotations

from sqlmodel import Session

from crm_app.models import LostReason, User
from crm_app.services import reasons
from crm_app.services.reasons import ReasonRow

__all__ = [
    "ReasonRow",
    "add_junk_reason",
    "delete_junk_reason",
    "junk_reason_usage",
    "list_junk_reasons",
    "move_junk_reason",
    "rename_junk_reason",
    "reorder_junk_reasons",
]


def list_junk_reasons(*, session: Session, user: User) -> list[ReasonRow]:
    return reasons.list_reasons(session=session, user=user, kind=reasons.JUNK)


def add_junk_reason(*, session: Session, user: User, name: str) -> LostReason:
    return reasons.add_reason(session=session, user=user, kind=reasons.JUNK, name=name)


def rename_junk_reason(
    *, session: Session, user: User, reason_id: int, name: str, expected_version: int | None = None
) -> LostReason:
    return reasons.rename_reason(
        session=session,
        user=user,
        kind=reasons.JUNK,
        reason_id=reason_id,
        name=name,
        expected_version=expected_version,
    )


def move_junk_reason(*, session: Session, user: User, reason_id: int, direction: str) -> bool:
    return reasons.move_reason(
        session=session, user=user, kind=reasons.JUNK, reason_id=reason_id, direction=direction
    )


def reorder_junk_reasons(*, session: Session, user: User, ids: list[int]) -> None:
    reasons.reorder_reasons(session=session, user=user, kind=reasons.JUNK, ids=ids)


def junk_reason_usage(*, session: Session, user: User, reason_id: int) -> int:
    return reasons.reason_usage(session=session, user=user, kind=reasons.JUNK, reason_id=reason_id)


def delete_junk_reason(*, session: Session, user: User, reason_id: int, move_to_id: int | None = None) -> int:
    """Delete a junk reason; leads closed with it first take the reason `move_to_id`."""
    return reasons.delete_reason(
        session=session, user=user, kind=reasons.JUNK, reason_id=reason_id, move_to_id=move_to_id
    )
