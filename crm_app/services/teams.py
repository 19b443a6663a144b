"""Teams (Settings -> Users): groups of users for the "team" scope of the permissions matrix."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from crm_app.models import Team, User
from crm_app.models.base import utcnow
from crm_app.services import permissions
from crm_app.services.errors import NotFound, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.validation import clean_text

MAX_TEAMS = 200


@dataclass
class TeamRow:
    id: int
    name: str
    members: int


def list_teams(*, session: Session, user: User | None) -> list[TeamRow]:
    """Every team with its number of members, by name (anyone logged in: the users list shows them)."""
    permissions.require_user(user)
    members = (
        select(User.team_id, func.count().label("n"))
        .where(col(User.team_id).is_not(None))
        .group_by(col(User.team_id))
    ).subquery()
    stmt = (
        select(Team.id, Team.name, func.coalesce(members.c.n, 0))
        .join(members, members.c.team_id == Team.id, isouter=True)
        .order_by(col(Team.name), col(Team.id))
        .limit(MAX_TEAMS)
    )
    return [TeamRow(id=i or 0, name=n, members=m) for i, n, m in session.exec(stmt).all()]


def _clean_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    name, err = clean_text(name, field_label=N_("Team name"), max_len=100, required=True)
    if err:
        raise ValidationError({"name": err})
    same = session.exec(select(Team).where(func.lower(Team.name) == name.lower())).first()
    if same is not None and same.id != exclude_id:
        raise ValidationError({"name": Msg("A team with this name already exists.")})
    return name


def _get(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(Msg("This team does not exist."))
    return team


def add_team(*, session: Session, user: User | None, name: str) -> Team:
    permissions.require_settings(session, user)
    team = Team(name=_clean_name(session, name))
    session.add(team)
    session.commit()
    session.refresh(team)
    return team


def rename_team(*, session: Session, user: User | None, team_id: int, name: str) -> Team:
    permissions.require_settings(session, user)
    team = _get(session, team_id)
    team.name = _clean_name(session, name, exclude_id=team.id)
    team.updated_at = utcnow()
    session.add(team)
    session.commit()
    session.refresh(team)
    return team


def delete_team(*, session: Session, user: User | None, team_id: int, move_members: bool = False) -> None:
    """Delete a team. With members, refused unless `move_members` (they are then in no team)."""
    permissions.require_settings(session, user)
    team = _get(session, team_id)
    count = session.exec(select(func.count()).select_from(User).where(User.team_id == team.id)).one()
    if count and not move_members:
        raise ValidationError(
            {
                "": Msg(
                    "This team has {count} member: move them to no team first.",
                    plural="This team has {count} members: move them to no team first.",
                    count=count,
                )
            }
        )
    session.execute(
        update(User).where(col(User.team_id) == team.id).values(team_id=None, updated_at=utcnow())
    )
    session.delete(team)
    session.commit()


def set_user_team(*, session: Session, user: User | None, user_id: int, team_id: int | None) -> User:
    """Put a user in a team (None: no team)."""
    permissions.require_settings(session, user)
    member = session.get(User, user_id)
    if member is None:
        raise NotFound(Msg("This user does not exist."))
    if team_id is not None:
        _get(session, team_id)
    member.team_id = team_id
    member.updated_at = utcnow()
    session.add(member)
    session.commit()
    session.refresh(member)
    return member
