"""Settings -> Users: administrators add team members, change roles, deactivate."""

from __future__ import annotations

import dataclasses

import reflex as rx

from crm_app.models import Role
from crm_app.services import auth
from crm_app.services.errors import DomainError
from crm_app.state.session import SessionState

PAGE_SIZE = 25


@dataclasses.dataclass
class UserRow:
    id: int
    name: str
    email: str
    role: str
    is_active: bool
    last_login: str


class UsersState(SessionState):
    rows: list[UserRow] = []
    page: int = 0
    total: int = 0
    loaded: bool = False
    dialog_open: bool = False
    errors: dict[str, str] = {}

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def has_prev(self) -> bool:
        return self.page > 0

    @rx.var
    def has_next(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total

    def _load(self, s) -> None:
        actor = self._user(s)
        self.total = auth.count_users(session=s)
        users = auth.list_users(session=s, actor=actor, offset=self.page * PAGE_SIZE, limit=PAGE_SIZE)
        self.rows = [
            UserRow(
                id=u.id or 0,
                name=u.name,
                email=u.email,
                role=u.role.value,
                is_active=u.is_active,
                last_login=u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "",
            )
            for u in users
        ]
        self.loaded = True

    @rx.event
    def load(self):
        with self._db() as s:
            with self._handling() as h:
                self._load(s)
            if h.failed:
                return h.events
        return None

    @rx.event
    def next_page(self):
        if self.has_next:
            self.page += 1
        return UsersState.load

    @rx.event
    def prev_page(self):
        self.page = max(0, self.page - 1)
        return UsersState.load

    @rx.event
    def open_dialog(self):
        self.errors = {}
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value
        if not value:
            self.errors = {}

    @rx.event
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
        self.load()  # the select shows the role that stayed
        return self._fail(exc)

    @rx.event
    def change_role(self, user_id: int, role: str):
        with self._db() as s:
            with self._handling(on={DomainError: self._reload_and_fail}) as h:
                auth.change_role(session=s, actor=self._user(s), user_id=int(user_id), role=role)
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Role changed."))

    @rx.event
    def set_active(self, user_id: int, active: bool):
        with self._db() as s:
            with self._handling() as h:
                auth.set_active(session=s, actor=self._user(s), user_id=int(user_id), active=bool(active))
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("User activated.") if active else self._t("User deactivated."))
