"""First-run set-up and login forms."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.services import auth, session_handover
from crm_app.services.errors import Conflict, DomainError
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState, visitor_address


class SetupState(SessionState):
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    busy: bool = False

    @db_event
    def check_setup(self):
        """on_load of /setup: once an administrator exists, set-up is over."""
        with self._db() as s:
            if not auth.needs_setup(session=s):
                return rx.redirect(routes.login())
        return None

    @db_event
    def submit(self, form: dict):
        self.errors = {}
        with self._db() as s:
            with self._handling(
                "errors",
                on={
                    Conflict: lambda exc: [rx.toast.error(self._t(exc.message)), rx.redirect(routes.login())]
                },
            ) as h:
                user = auth.setup_first_admin(
                    session=s,
                    name=str(form.get("name", "")),
                    email=str(form.get("email", "")),
                    password=str(form.get("password", "")),
                    language=self.lang,
                )
                if form.get("demo") in ("on", True, "true"):
                    from crm_app.services import demo_data  # faker: loaded only when asked

                    demo_data.seed_demo(session=s)
                user, token = auth.login(
                    session=s,
                    email=user.email,
                    password=str(form.get("password", "")),
                    ip=visitor_address(self),
                    user_agent=self.router.headers.user_agent,
                )
            if h.failed:
                return h.events
            self._set_user(user)
            return self._open_session(s, token)


class LoginState(SessionState):
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    def _form_error(self, exc: DomainError) -> None:
        self.errors = {"": self._t(exc.message)}

    @db_event
    def check_public(self):
        """on_load of /login: no users yet means set-up; a valid session goes home."""
        with self._db() as s:
            if auth.needs_setup(session=s):
                return rx.redirect(routes.setup())
            if auth.resolve_session(session=s, token=self._token()) is not None:
                asked = self.router.url.query_parameters.get("next", "")
                return rx.redirect(session_handover.next_page(asked))
        self.errors = {}
        return None

    @db_event
    def submit(self, form: dict):
        self.errors = {}
        with self._db() as s:
            with self._handling("errors", on={DomainError: self._form_error}) as h:  # throttled
                user, token = auth.login(
                    session=s,
                    email=str(form.get("email", "")),
                    password=str(form.get("password", "")),
                    ip=visitor_address(self),
                    user_agent=self.router.headers.user_agent,
                )
            if h.failed:
                return h.events
            self._set_user(user)
            return self._open_session(s, token)
