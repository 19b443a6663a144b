"""Who may do what: one module for every access rule (the role x entity x action matrix).

Bitrix24's model: for each role, entity and action a scope: none, own, team or all. "Own" means
responsible for the record or created it; "team" adds the records of users in the same team.

Two helpers carry every check:
- `can(session, user, action, record)` / `require(...)`: may this user do this to this record
  (a model instance, or an EntityType for actions that have no record yet: create, import, export);
- `visible(stmt, session=..., user=..., entity=...)`: a list/search/count/export statement
  narrowed in SQL to the rows this user may see.

SKELETON (issue 6): the matrix is the hard-coded default below; storage in the database,
teams and Settings -> Permissions come next. Keep the signatures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_
from sqlmodel import Session

from crm_app.models import EntityType, Role, User
from crm_app.models.base import StrEnum
from crm_app.services.errors import PermissionDenied
from crm_app.services.i18n import Msg


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    IMPORT = "import"
    EXPORT = "export"


class Scope(StrEnum):
    NONE = "none"
    OWN = "own"
    TEAM = "team"
    ALL = "all"


ENTITIES = ("lead", "contact", "company", "deal", "activity")

_SALES = {
    Action.VIEW: Scope.ALL,
    Action.CREATE: Scope.ALL,
    Action.EDIT: Scope.OWN,
    Action.DELETE: Scope.OWN,
    Action.IMPORT: Scope.NONE,
    Action.EXPORT: Scope.OWN,
}


def default_matrix() -> dict[str, dict[str, dict[str, str]]]:
    """{role: {entity: {action: scope}}}, as a new CRM starts."""
    full = {a.value: Scope.ALL.value for a in Action}
    sales = {a.value: s.value for a, s in _SALES.items()}
    return {
        Role.ADMIN.value: {e: dict(full) for e in ENTITIES},
        Role.MANAGER.value: {e: dict(full) for e in ENTITIES},
        Role.SALES.value: {e: dict(sales) for e in ENTITIES},
    }


def _entity_key(entity: EntityType | str) -> str:
    return entity.value if isinstance(entity, EntityType) else str(entity)


def scope(session: Session, user: User, entity: EntityType | str, action: Action | str) -> Scope:
    """The scope this user's role has for this action on this entity."""
    if not user.is_active:
        return Scope.NONE
    matrix = default_matrix()
    value = matrix.get(user.role.value, {}).get(_entity_key(entity), {}).get(Action(action).value)
    return Scope(value) if value else Scope.NONE


def _owner_ids(record: Any) -> set[int]:
    return {i for i in (getattr(record, "responsible_id", None), getattr(record, "created_by_id", None)) if i}


def _record_entity(record: Any) -> str:
    return record.__tablename__


def can(session: Session, user: User, action: Action | str, record: Any) -> bool:
    """May `user` do `action` to `record` (a model instance, or an EntityType when there is none)?"""
    if isinstance(record, (EntityType, str)):
        return scope(session, user, record, action) != Scope.NONE
    granted = scope(session, user, _record_entity(record), action)
    if granted == Scope.ALL:
        return True
    if granted in (Scope.OWN, Scope.TEAM):
        return user.id in _owner_ids(record)
    return False


def require(
    session: Session, user: User, action: Action | str, record: Any, message: Msg | None = None
) -> None:
    """`can` or PermissionDenied."""
    if not can(session, user, action, record):
        raise PermissionDenied(message) if message else PermissionDenied()


def visible(
    stmt, *, session: Session, user: User, entity: EntityType | str, action: Action | str = Action.VIEW
):
    """`stmt` narrowed in SQL to the rows of `entity` this user may see (or export, ...)."""
    from crm_app.models import Activity, Company, Contact, Deal, Lead

    table = {"lead": Lead, "contact": Contact, "company": Company, "deal": Deal, "activity": Activity}[
        _entity_key(entity)
    ]
    granted = scope(session, user, entity, action)
    if granted == Scope.ALL:
        return stmt
    if granted == Scope.NONE:
        return stmt.where(false())
    return stmt.where(or_(table.responsible_id == user.id, table.created_by_id == user.id))
