"""The user's own profile: name, password, language."""

from __future__ import annotations

import reflex as rx

from crm_app.services import auth
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


class ProfileState(SessionState):
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    password_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @db_event
    def save_profile(self, form: dict):
        self.errors = {}
        with self._db() as s:
            with self._handling("errors") as h:
                user = auth.update_profile(session=s, user=self._user(s), name=str(form.get("name", "")))
            if h.failed:
                return h.events
            self._set_user(user)
        return rx.toast.success(self._t("Profile saved."))

    @db_event
    def change_password(self, form: dict):
        self.password_errors = {}
        with self._db() as s:
            with self._handling("password_errors") as h:
                auth.change_password(
                    session=s,
                    user=self._user(s),
                    current=str(form.get("current_password", "")),
                    new=str(form.get("new_password", "")),
                    keep_token=self._token(),
                )
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Password changed."))
