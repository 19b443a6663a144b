"""The logged-in user, the language and the guard every page and handler goes through."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import reflex as rx
from sqlalchemy.orm import object_session
from sqlmodel import Session

from crm_app import db, routes
from crm_app.models import User
from crm_app.serialized_once import frozen
from crm_app.services import auth, permissions, rate_limit, session_handover
from crm_app.services.errors import DomainError, NotAuthenticated, ValidationError
from crm_app.services.i18n import Msg, normalize_language, plural_index, tr
from crm_app.state.offload import db_event
from crm_app.ui_catalog import full_catalog

FieldErrors = str | Callable[[dict[str, str]], Any]

# session.info key of the (token, user) `SessionState._user` checked in that database session
_CHECKED_USER = "crm_checked_user"


class PageRedirect(Exception):
    """Raised by `SessionState._page_user` when the page may not open: `_handling` returns its
    `events` (to the set-up page, or to the login page and back here afterwards)."""

    def __init__(self, events: Any) -> None:
        super().__init__()
        self.events = events


class Outcome:
    """What `SessionState._handling` caught: `failed`, and the `events` the handler returns."""

    def __init__(self) -> None:
        self.failed = False
        self.events: Any = None


def visitor_address(state: rx.State) -> str:
    """The address a visitor is counted under (logins, web form posts): the socket's peer, or
    behind a proxy you run (CRM_TRUST_PROXY=1) the address it forwards (rate_limit.client_address)."""
    return rate_limit.client_address(
        state.router.session.client_ip,
        state.router.headers.raw_headers.get("x-forwarded-for", ""),
        trust_proxy=os.environ.get("CRM_TRUST_PROXY") == "1",
    )


def go_to(url: str):
    """A full page load of `url` (not the app's in-page navigation): the HTTP routes that set or
    clear the session cookie answer it, and the page's new socket carries the new cookie."""
    return rx.call_script(f"window.location.replace({json.dumps(url)})")


class SessionState(rx.State):
    """Parent of every page state: who is logged in, checked against the session cookie.

    The session token is an HttpOnly cookie set by the server (crm_app/api/session_cookie.py):
    no script on the page can read it, and it is never in the state sent to the browser. The
    handlers read it from the headers of the tab's socket (`_token`), which Reflex keeps on the
    server. The browser can call any public handler with any arguments, so handlers never trust
    `user_id` & co. (display only): they call `self._user(session)`, which checks the token.
    """

    # the language before login (setup and login pages); after login the user's own wins
    browser_lang: str = rx.LocalStorage("en", name="crm_lang")
    user_id: int = 0
    user_name: str = ""
    user_email: str = ""
    user_role: str = ""
    # may change settings, users and permissions (services.permissions; administrators by default)
    can_settings: bool = False
    lang: str = "en"
    # counters per sidebar section (filled by the activities issue); 0 shows no badge
    counters: dict[str, int] = {}

    @rx.var
    def tr(self) -> dict[str, str]:
        """The UI catalogue in the current language (every msgid present).

        About 33 KB: it goes to the browser with the first state of a tab and again only when
        `lang` is assigned, so `lang` is assigned through `_set_lang`, which skips an unchanged
        value (any assignment marks a var dirty, and a dirty `lang` resends this catalogue).
        """
        return frozen(full_catalog(self.lang))

    @rx.var
    def zero_is_singular(self) -> bool:
        """How tn() counts 0 in this language (French "0 prospect", English "0 leads")."""
        return plural_index(self.lang, 0) == 0

    @rx.var
    def is_admin(self) -> bool:
        """Shows the settings controls; the services check the same right on every change."""
        return self.can_settings

    @rx.var
    def user_initials(self) -> str:
        parts = [p for p in self.user_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    # --- helpers (underscore: not callable from the browser) -------------------------------

    def _t(self, message: Msg | str) -> str:
        return tr(self.lang, message)

    def _assign(self, **values: Any) -> None:
        """Set the vars whose value differs: an assignment, even of the same value, puts the var
        (and the computed vars reading it) in the next delta to the browser."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _set_lang(self, language: str | None) -> None:
        """The UI language (and the browser's remembered one), assigned only when it changes."""
        lang = normalize_language(language)
        self._assign(lang=lang, browser_lang=lang)

    def _field_errors(self, exc: ValidationError) -> dict[str, str]:
        return {field: self._t(msg) for field, msg in exc.errors.items()}

    def _token(self) -> str:
        """The session token: the cookie as the browser sent it when this tab's socket opened
        (logging in or out loads a new page, so a new socket)."""
        return session_handover.cookie_value(self.router.headers.cookie)

    def _user(self, session: Session) -> User:
        """The user behind the session cookie, checked on the server, or NotAuthenticated.

        Checked once per database session (a handler opens one): a load that asks again, as
        each step of a page load does, gets the user it checked (`session.info`)."""
        token = self._token()
        known = session.info.get(_CHECKED_USER)
        if known is not None and known[0] == token:
            return known[1]
        user = auth.require_session(session=session, token=token)
        session.info[_CHECKED_USER] = (token, user)
        return user

    def _page_user(self, session: Session) -> User:
        """The page guard, inside a page's own on_load: the user behind the cookie, shown in the
        shell (`_set_user`), or PageRedirect to /setup (no user yet) or to /login (no session;
        back to this page afterwards). A page whose load calls it first, in its `_handling`,
        is registered with `on_load=ThatState.load` alone: one event per page open instead of
        two (`check_login`, then the load), each reading the session."""
        token = self._token()
        user = auth.resolve_session(session=session, token=token)
        if user is None:
            if auth.needs_setup(session=session):  # no user at all, so no session either
                raise PageRedirect(rx.redirect(routes.setup()))
            self._clear_user()
            self._set_lang(self.browser_lang)
            url = self.router.url
            path = url.path.rstrip("/") or "/"  # the static build serves /deals as /deals/
            raise PageRedirect(rx.redirect(routes.login(path + (f"?{url.query}" if url.query else ""))))
        self._set_user(user)
        session.info[_CHECKED_USER] = (token, user)
        return user

    def _open_session(self, session: Session, token: str):
        """After `auth.login`: on to the route that sets the cookie, then to the page the user
        asked for before logging in (`?next=` of this page) or home."""
        ticket = session_handover.ticket_for(session=session, token=token)
        asked = session_handover.next_page(self.router.url.query_parameters.get("next", ""))
        return go_to(routes.open_session(ticket, asked))

    @contextmanager
    def _db(self) -> Iterator[Session]:
        with db.session() as s:
            yield s

    def _set_user(self, user: User) -> None:
        session = object_session(user)
        # every private page's on_load calls this: unchanged values stay out of the delta
        self._assign(
            user_id=user.id or 0,
            user_name=user.name,
            user_email=user.email,
            user_role=user.role.value,
            can_settings=(
                permissions.can_edit_settings(session, user)
                if isinstance(session, Session)  # always one of ours (db.session): a sqlmodel Session
                else user.role.value == "admin"
            ),
        )
        self._set_lang(user.language)

    def _clear_user(self) -> None:
        self._assign(user_id=0, user_name="", user_email="", user_role="", can_settings=False, counters={})

    def _logged_out(self):
        """Forget the user and send the browser to the login page, through the route that
        clears the cookie."""
        self._clear_user()
        return go_to(routes.close_session())

    def _fail(self, exc: DomainError):
        if isinstance(exc, NotAuthenticated):
            if not self.user_id:  # never logged in here: the page guard is redirecting already
                return self._logged_out()
            return [rx.toast.error(self._t(exc.message)), self._logged_out()]
        return rx.toast.error(self._t(exc.message))

    def _in_session(
        self,
        work: Callable[[Session], Any],
        field_errors: FieldErrors | None = None,
        *,
        on: dict[type[Exception], Callable[[Any], Any]] | None = None,
        page: bool = False,
    ) -> Any:
        """`work(session)` in a session, its domain errors handled as `_handling` does: returns
        the events to send (None when it went well). The body of most loads:

            return self._in_session(self._load, page=True)

        `page`: an on_load, the page guard first (`_page_user`; the page is registered with
        this load alone)."""
        with self._db() as s:
            with self._handling(field_errors, on=on) as h:
                if page:
                    self._page_user(s)
                work(s)
            return h.events if h.failed else None

    @contextmanager
    def _handling(
        self,
        field_errors: FieldErrors | None = None,
        *,
        on: dict[type[Exception], Callable[[Any], Any]] | None = None,
    ) -> Iterator[Outcome]:
        """The one way a handler turns domain errors into field errors or toasts:

            with self._db() as s, self._handling("errors") as h:
                service.do(session=s, user=self._user(s), ...)
            if h.failed:
                return h.events

        - ValidationError: its per-field messages (translated) go to `field_errors`, the name of
          a dict var or a callable taking them (whose return value is returned); without it, a
          toast of the first message like any other error;
        - `on`: {error class: callable(exc) -> events} for the errors a handler answers its own
          way (a stale version, a record gone), checked in order after the field errors; it may
          name non-domain errors too (e.g. ValueError -> `lambda _: None` ignores a bad argument);
        - NotAuthenticated: logged out (to the login page); any other DomainError: a toast.
        """
        outcome = Outcome()
        try:
            yield outcome
        except Exception as exc:
            outcome.failed = True
            if isinstance(exc, PageRedirect):
                outcome.events = exc.events
                return
            if isinstance(exc, ValidationError) and field_errors is not None:
                errors = self._field_errors(exc)
                if isinstance(field_errors, str):
                    setattr(self, field_errors, errors)
                else:
                    outcome.events = field_errors(errors)
                return
            for kind, answer in (on or {}).items():
                if isinstance(exc, kind):
                    outcome.events = answer(exc)
                    return
            if not isinstance(exc, DomainError):
                raise
            outcome.events = self._fail(exc)

    # --- events -------------------------------------------------------------------------------

    @db_event
    def check_login(self):
        """on_load of a private page without a load of its own (`_page_user`): /setup when
        there are no users, /login without a session."""
        with self._db() as s, self._handling() as h:
            self._page_user(s)
        return h.events if h.failed else None

    @db_event
    def logout(self):
        with self._db() as s:
            auth.logout(session=s, token=self._token())
        return self._logged_out()

    @rx.event
    def go_search(self, form: dict):
        text = str(form.get("q", "")).strip()[:200]
        return rx.redirect(routes.search(text))

    def _reload_page(self):
        """The current page's on_load events again: what the page formatted on the server
        (amounts, dates, default names, messages) is read again in the new language. Filters
        and paging live in the URL, so the page stays where it was."""
        from crm_app.crm_app import app  # the app module imports every state: not at the top

        path = self.router.url.path.rstrip("/") or "/"  # the static build serves /deals as /deals/
        return app.get_load_events(path) or None

    @db_event
    def set_language(self, language: str):
        before = self.lang
        self._set_lang(language)
        if self.lang == before:
            return None
        if not self._token():
            return self._reload_page()
        with self._db() as s:
            try:
                user = self._user(s)
            except NotAuthenticated:
                return None
            auth.set_language(session=s, user=user, language=self.lang)
        return self._reload_page()
