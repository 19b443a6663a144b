"""Who may do what: one module for every access rule (the role x entity x action matrix).

Bitrix24's model: for each role, entity and action a scope: none, own, team or all. "Own" means
responsible for the record or created it; "team" adds the records whose responsible or creator
is in the user's team (a user without a team: own only).

Two helpers carry every check:
- `can(session, user, action, record)` / `require(...)`: may this user do this to this record
  (a model instance, or an EntityType for actions that have no record yet: create, import, export);
- `visible(stmt, session=..., user=..., entity=...)`: a list/search/count/export statement
  narrowed in SQL to the rows this user may see.

The matrix is stored in `role_permission` (Settings -> Permissions); a cell that is not stored
has its default (`default_matrix`). It is read once per DB session (one query), so a change
applies to the next request in every worker. The pseudo-entity "settings" has one action, edit
(none or all): who may change the CRM's settings, users and this matrix.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_
from sqlmodel import Session, col, func, select

from crm_app.models import EntityType, Role, RolePermission, User
from crm_app.models.base import StrEnum, utcnow
from crm_app.services import reference
from crm_app.services.errors import NotAuthenticated, PermissionDenied, ValidationError
from crm_app.services.i18n import N_, Msg


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
SETTINGS = "settings"
PRODUCT = "product"  # the catalogue: records without an owner
# pseudo-entities whose rows have no owner: a cell is all or nothing
OWNERLESS = (PRODUCT, SETTINGS)
# entity -> the actions the matrix has for it, in display order
MATRIX_ACTIONS: dict[str, tuple[str, ...]] = {
    **{e: tuple(a.value for a in Action) for e in ENTITIES},
    PRODUCT: tuple(a.value for a in Action),
    SETTINGS: (Action.EDIT.value,),
}
# the scopes a cell may take: products and settings are all or nothing (they have no owner)
ENTITY_SCOPES: dict[str, tuple[str, ...]] = {
    **{e: tuple(s.value for s in Scope) for e in ENTITIES},
    PRODUCT: (Scope.NONE.value, Scope.ALL.value),
    SETTINGS: (Scope.NONE.value, Scope.ALL.value),
}
# labels for the UI (translated where shown)
ENTITY_LABELS = {
    "lead": N_("Leads"),
    "contact": N_("Contacts"),
    "company": N_("Companies"),
    "deal": N_("Deals"),
    "activity": N_("Activities"),
    PRODUCT: N_("Products"),
    SETTINGS: N_("Settings"),
}
ACTION_LABELS = {
    "view": N_("View"),
    "create": N_("Create"),
    "edit": N_("Edit"),
    "delete": N_("Delete"),
    "import": N_("Import"),
    "export": N_("Export"),
}
SCOPE_LABELS = {
    "none": N_("None"),
    "own": N_("Own"),
    "team": N_("Team"),
    "all": N_("All"),
}

_SALES = {
    Action.VIEW: Scope.ALL,
    Action.CREATE: Scope.ALL,
    Action.EDIT: Scope.OWN,
    Action.DELETE: Scope.OWN,
    Action.IMPORT: Scope.NONE,
    Action.EXPORT: Scope.OWN,
}

Matrix = dict[str, dict[str, dict[str, str]]]
# products: everyone sees the catalogue and adds a product on the fly (from a deal) and exports
# it; editing, deleting and importing it is for managers and administrators
_SALES_PRODUCTS = {
    Action.VIEW: Scope.ALL,
    Action.CREATE: Scope.ALL,
    Action.EDIT: Scope.NONE,
    Action.DELETE: Scope.NONE,
    Action.IMPORT: Scope.NONE,
    Action.EXPORT: Scope.ALL,
}

_CACHE_KEY = "crm_permissions_matrix"


def default_matrix() -> Matrix:
    """{role: {entity: {action: scope}}}, as a new CRM starts."""
    full = {a.value: Scope.ALL.value for a in Action}
    sales = {a.value: s.value for a, s in _SALES.items()}
    sales_products = {a.value: s.value for a, s in _SALES_PRODUCTS.items()}
    return {
        Role.ADMIN.value: {
            **{e: dict(full) for e in ENTITIES},
            PRODUCT: dict(full),
            SETTINGS: {"edit": "all"},
        },
        Role.MANAGER.value: {
            **{e: dict(full) for e in ENTITIES},
            PRODUCT: dict(full),
            SETTINGS: {"edit": "none"},
        },
        Role.SALES.value: {
            **{e: dict(sales) for e in ENTITIES},
            PRODUCT: sales_products,
            SETTINGS: {"edit": "none"},
        },
    }


def _entity_key(entity: EntityType | str) -> str:
    return entity.value if isinstance(entity, EntityType) else str(entity)


def _valid_cell(entity: str, action: str, value: str) -> bool:
    return action in MATRIX_ACTIONS.get(entity, ()) and value in ENTITY_SCOPES.get(entity, ())


def matrix(session: Session) -> Matrix:
    """The stored matrix over the defaults: kept per process while the settings stamp stays
    (`services.reference`), and per DB session (a request). Shared: do not change it."""
    cached = session.info.get(_CACHE_KEY)
    if cached is not None:
        return cached
    out = reference.cached(session, "permissions.matrix", lambda: _stored_matrix(session))
    session.info[_CACHE_KEY] = out
    return out


def _stored_matrix(session: Session) -> Matrix:
    out = default_matrix()
    rows = session.connection().execute(
        select(RolePermission.role, RolePermission.entity, RolePermission.action, RolePermission.scope)
    )
    for role, entity, action, value in rows:
        role_key = role.value if isinstance(role, Role) else str(role)
        if role_key in out and _valid_cell(entity, action, value):
            out[role_key][entity][action] = value
    return out


def forget_matrix(session: Session) -> None:
    session.info.pop(_CACHE_KEY, None)


def scope(session: Session, user: User, entity: EntityType | str, action: Action | str) -> Scope:
    """The scope this user's role has for this action on this entity."""
    if user is None or not user.is_active:
        return Scope.NONE
    value = matrix(session).get(user.role.value, {}).get(_entity_key(entity), {}).get(str(action))
    return Scope(value) if value else Scope.NONE


def _owner_ids(record: Any) -> set[int]:
    return {i for i in (getattr(record, "responsible_id", None), getattr(record, "created_by_id", None)) if i}


def _record_entity(record: Any) -> str:
    return record.__tablename__


def _team_member_ids(session: Session, user: User) -> set[int]:
    if user.team_id is None:
        return {user.id} if user.id else set()
    ids = session.connection().execute(select(User.id).where(User.team_id == user.team_id)).scalars()
    return set(ids) | ({user.id} if user.id else set())


def _within(session: Session, user: User, granted: Scope, owners: set[int]) -> bool:
    if granted == Scope.ALL:
        return True
    if granted == Scope.OWN:
        return user.id in owners
    if granted == Scope.TEAM:
        return bool(owners & _team_member_ids(session, user))
    return False


def can(session: Session, user: User | None, action: Action | str, record: Any) -> bool:
    """May `user` do `action` to `record` (a model instance, or an EntityType when there is none)?"""
    if user is None:
        return False
    if isinstance(record, (EntityType, str)):
        return scope(session, user, record, action) != Scope.NONE
    granted = scope(session, user, _record_entity(record), action)
    return _within(session, user, granted, _owner_ids(record))


def allowed(session: Session, user: User | None, action: Action | str, entity: EntityType | str) -> bool:
    """Has the user's role this action on this entity at all (for some record)?"""
    return user is not None and scope(session, user, entity, action) != Scope.NONE


_DENIED = {
    Action.VIEW: N_("You may not see this record."),
    Action.CREATE: N_("You may not create this kind of record."),
    Action.EDIT: N_("You may not change this record: it belongs to another user."),
    Action.DELETE: N_("You may not delete this record: it belongs to another user."),
    Action.IMPORT: N_("You may not import records."),
    Action.EXPORT: N_("You may not export records."),
}


def require(
    session: Session, user: User | None, action: Action | str, record: Any, message: Msg | None = None
) -> User:
    """`can` or PermissionDenied (NotAuthenticated when nobody is logged in). Returns the user."""
    if user is None:
        raise NotAuthenticated()
    if not can(session, user, action, record):
        raise PermissionDenied(message or Msg(_DENIED.get(Action(str(action)), _DENIED[Action.EDIT])))
    return user


def require_user(user: User | None) -> User:
    """Logged in and active: the least any service asks."""
    if user is None:
        raise NotAuthenticated()
    if not user.is_active:
        raise PermissionDenied()
    return user


def can_edit_settings(session: Session, user: User | None) -> bool:
    return user is not None and scope(session, user, SETTINGS, Action.EDIT) == Scope.ALL


def require_settings(session: Session, user: User | None) -> User:
    """May change the CRM's settings, users and permissions (administrators by default)."""
    if user is None:
        raise NotAuthenticated()
    if not can_edit_settings(session, user):
        raise PermissionDenied(Msg("Only users allowed to change the settings can do this."))
    return user


def capabilities(session: Session, user: User | None, record: Any) -> dict[str, bool]:
    """{action: allowed} for one record, for the UI to show or hide its buttons."""
    return {a.value: can(session, user, a, record) for a in (Action.VIEW, Action.EDIT, Action.DELETE)}


def sees_every_import(session: Session, user: User) -> bool:
    """Whether a user may see (and undo) everyone's import jobs, not only their own: the import
    right over all leads (managers and administrators by default)."""
    return scope(session, user, EntityType.LEAD, Action.IMPORT) == Scope.ALL


def may_see_import(session: Session, user: User, owner_id: int | None) -> bool:
    """An import job's owner, or a user who sees every import."""
    return owner_id == user.id or sees_every_import(session, user)


def entity_capabilities(session: Session, user: User | None, entity: EntityType | str) -> dict[str, bool]:
    """{action: the role has it for some records}: create, import, export buttons of a list."""
    return {a.value: allowed(session, user, a, entity) for a in Action}


def _table(entity: EntityType | str):
    from crm_app.models import Activity, Company, Contact, Deal, Lead

    return {"lead": Lead, "contact": Contact, "company": Company, "deal": Deal, "activity": Activity}[
        _entity_key(entity)
    ]


def scope_condition(*, session: Session, user: User, entity: EntityType | str, action: Action | str):
    """The SQL condition of `visible`, or None when every row qualifies."""
    granted = scope(session, user, entity, action)
    if granted == Scope.ALL:
        return None
    if granted == Scope.NONE or _entity_key(entity) in OWNERLESS:
        return false()
    table = _table(entity)
    if granted == Scope.TEAM and user.team_id is not None:
        members = select(User.id).where(User.team_id == user.team_id)
        return or_(col(table.responsible_id).in_(members), col(table.created_by_id).in_(members))
    return or_(table.responsible_id == user.id, table.created_by_id == user.id)


def visible(
    stmt, *, session: Session, user: User, entity: EntityType | str, action: Action | str = Action.VIEW
):
    """`stmt` narrowed in SQL to the rows of `entity` this user may see (or export, ...)."""
    condition = scope_condition(session=session, user=user, entity=entity, action=action)
    return stmt if condition is None else stmt.where(condition)


# --- changing the matrix ---------------------------------------------------------------------


def _settings_editors(session: Session, grid: Matrix) -> int:
    """Active users whose role may edit the settings under `grid`."""
    roles = [Role(r) for r, ents in grid.items() if ents.get(SETTINGS, {}).get("edit") == Scope.ALL.value]
    if not roles:
        return 0
    stmt = select(func.count()).select_from(User).where(col(User.is_active), col(User.role).in_(roles))
    return session.exec(stmt).one()


def settings_editors_without(session: Session, user: User, *, role: Role | None = None) -> int:
    """How many active users could edit settings if `user` were inactive (role=None) or had `role`."""
    grid = matrix(session)
    can_edit = {r for r, ents in grid.items() if ents.get(SETTINGS, {}).get("edit") == Scope.ALL.value}
    stmt = (
        select(func.count())
        .select_from(User)
        .where(col(User.is_active), col(User.role).in_([Role(r) for r in can_edit]), User.id != user.id)
    )
    others = session.exec(stmt).one() if can_edit else 0
    keeps = role is not None and user.is_active and role.value in can_edit
    return others + (1 if keeps else 0)


def set_matrix(session: Session, *, actor: User | None, cells: dict[tuple[str, str, str], str]) -> Matrix:
    """Store changed cells {(role, entity, action): scope}. Refused, with nothing changed, when a
    value is unknown or no active user could edit the settings afterwards."""
    require_settings(session, actor)
    errors: dict[str, Msg] = {}
    grid = {r: {e: dict(a) for e, a in ents.items()} for r, ents in matrix(session).items()}
    for (role, entity, action), value in cells.items():
        if role not in grid or not _valid_cell(entity, action, value):
            errors[f"{role}.{entity}.{action}"] = Msg("Choose one of the offered scopes.")
            continue
        grid[role][entity][action] = value
    if not errors and _settings_editors(session, grid) == 0:
        errors[""] = Msg("At least one active user must keep the right to change the settings.")
    if errors:
        raise ValidationError(errors)
    stored = {
        (r.role.value if isinstance(r.role, Role) else str(r.role), r.entity, r.action): r
        for r in session.exec(select(RolePermission)).all()
    }
    now = utcnow()
    for role, ents in grid.items():
        for entity, actions in ents.items():
            for action, value in actions.items():
                row = stored.get((role, entity, action))
                if row is None:
                    session.add(
                        RolePermission(
                            role=Role(role), entity=entity, action=action, scope=value, updated_at=now
                        )
                    )
                elif row.scope != value:
                    row.scope = value
                    row.updated_at = now
                    session.add(row)
    session.commit()
    forget_matrix(session)
    return matrix(session)
