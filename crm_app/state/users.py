"""Settings -> Users: administrators add team members, change roles and teams, deactivate;
the teams list (add, rename, delete)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from crm_app.models import Role
from crm_app.services import auth, formatting, teams
from crm_app.services.errors import DomainError
from crm_app.services.i18n import N_, SEMICOLON
from crm_app.state.listing import ListState
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


@dataclasses.dataclass
class UserRow:
    id: int
    name: str
    email: str
    role: str
    is_active: bool
    last_login: str
    team_id: str  # "" for no team


@dataclasses.dataclass
class TeamView:
    id: int
    name: str
    members: int


class UsersState(ListState, SessionState):
    PAGE_SIZES: ClassVar[tuple[int, ...]] = (25, 50, 100)
    DEFAULT_PAGE_SIZE: ClassVar[int] = 25

    rows: list[UserRow] = []
    page_size: int = 25
    loaded: bool = False
    dialog_open: bool = False
    errors: dict[str, str] = {}
    teams: list[TeamView] = []
    team_errors: dict[str, str] = {}

    def _load(self, s) -> None:
        actor = self._user(s)
        total = auth.count_users(session=s)
        self.page = min(self.page, self._last_page(total))
        users = auth.list_users(
            session=s, actor=actor, offset=self.page * self.page_size, limit=self.page_size
        )
        self.rows = [
            UserRow(
                id=u.id or 0,
                name=u.name,
                email=u.email,
                role=u.role.value,
                is_active=u.is_active,
                last_login=formatting.when(u.last_login_at, self.lang),
                team_id=str(u.team_id or ""),
            )
            for u in users
        ]
        self._set_page([r.id for r in self.rows], total)
        self.teams = [TeamView(t.id, t.name, t.members) for t in teams.list_teams(session=s, user=actor)]
        self.loaded = True

    def _reload(self):
        return self._in_session(self._load)

    @db_event
    def load(self):
        return self._in_session(self._load, page=True)

    @rx.event
    def open_dialog(self):
        self.errors = {}
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value
        if not value:
            self.errors = {}

    @db_event
    def add_user(self, form: dict):
        self.errors = {}
        with self._db() as s:
            with self._handling("errors") as h:
                actor = self._user(s)
                user = auth.add_user(
                    session=s,
                    actor=actor,
                    name=str(form.get("name", "")),
                    email=str(form.get("email", "")),
                    role=str(form.get("role", Role.SALES.value)),
                    password=str(form.get("password", "")),
                )
                self._load(s)
            if h.failed:
                return h.events
        self.dialog_open = False
        return rx.toast.success(self._t("User {name} added.").format(name=user.name))

    def _reload_and_fail(self, exc: DomainError):
        self._reload()  # the select shows the role that stayed
        return self._fail(exc)

    @db_event
    def change_role(self, user_id: int, role: str):
        with self._db() as s:
            with self._handling(on={DomainError: self._reload_and_fail}) as h:
                auth.change_role(session=s, actor=self._user(s), user_id=int(user_id), role=role)
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Role changed."))

    @db_event
    def set_active(self, user_id: int, active: bool):
        with self._db() as s:
            with self._handling() as h:
                auth.set_active(session=s, actor=self._user(s), user_id=int(user_id), active=bool(active))
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("User activated.") if active else self._t("User deactivated."))

    # --- teams -----------------------------------------------------------------------------------

    def _team_action(self, action, done: str, **kwargs):
        self.team_errors = {}

        def refused(errors: dict[str, str]):
            self.team_errors = errors
            return rx.toast.error(self._t(SEMICOLON).join(errors.values()))

        with self._db() as s, self._handling(refused) as h:
            action(session=s, user=self._user(s), **kwargs)
            self._load(s)
        if h.failed:
            return h.events
        return rx.toast.success(self._t(done))

    @db_event
    def set_team(self, user_id: int, team_id: str):
        value = int(team_id) if str(team_id).isdigit() else None
        return self._team_action(
            teams.set_user_team, N_("Team changed."), user_id=int(user_id), team_id=value
        )

    @db_event
    def add_team(self, form: dict):
        return self._team_action(teams.add_team, N_("Team added."), name=str(form.get("name", "")))

    @db_event
    def rename_team(self, team_id: int, name: str):
        return self._team_action(teams.rename_team, N_("Team renamed."), team_id=int(team_id), name=str(name))

    @db_event
    def delete_team(self, team_id: int):
        """Its members move to no team."""
        return self._team_action(
            teams.delete_team, N_("Team deleted."), team_id=int(team_id), move_members=True
        )
