"""The user's own profile: name, password, language."""

from __future__ import annotations

import reflex as rx

from crm_app.services import auth
from crm_app.services.errors import DomainError, ValidationError
from crm_app.state.session import SessionState


class ProfileState(SessionState):
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    password_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.event
    def save_profile(self, form: dict):
        self.errors = {}
        with self._db() as s:
            try:
                user = auth.update_profile(session=s, user=self._user(s), name=str(form.get("name", "")))
            except ValidationError as exc:
                self.errors = self._field_errors(exc)
                return None
            except DomainError as exc:
                return self._fail(exc)
            self._set_user(user)
        return rx.toast.success(self._t("Profile saved."))

    @rx.event
    def change_password(self, form: dict):
        self.password_errors = {}
        with self._db() as s:
            try:
                auth.change_password(
                    session=s,
                    user=self._user(s),
                    current=str(form.get("current_password", "")),
                    new=str(form.get("new_password", "")),
                    keep_token=self.auth_token,
                )
            except ValidationError as exc:
                self.password_errors = self._field_errors(exc)
                return None
            except DomainError as exc:
                return self._fail(exc)
        return rx.toast.success(self._t("Password changed."))
