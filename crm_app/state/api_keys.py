"""Settings -> API keys: everyone manages their own keys, administrators see and revoke all."""

from __future__ import annotations

import dataclasses

import reflex as rx

from crm_app.services import api_keys, formatting
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


@dataclasses.dataclass
class ApiKeyView:
    id: int
    name: str
    prefix: str
    owner: str
    created: str
    last_used: str
    revoked: bool


class ApiKeysState(SessionState):
    rows: rx.Field[list[ApiKeyView]] = rx.field(default_factory=list)
    loaded: bool = False
    dialog_open: bool = False
    # the raw key, between its creation and the closing of the dialog: shown once, never stored
    new_key: str = ""
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    revoke_id: int = 0
    revoke_name: str = ""

    def _load(self, s) -> None:
        user = self._user(s)
        self.rows = [
            ApiKeyView(
                id=r.id,
                name=r.name,
                prefix=r.prefix,
                owner=r.user_name,
                created=formatting.when(r.created_at, self.lang),
                last_used=formatting.when(r.last_used_at, self.lang),
                revoked=r.revoked_at is not None,
            )
            for r in api_keys.list_api_keys(session=s, user=user)
        ]
        self.loaded = True

    @db_event
    def load(self):
        return self._in_session(self._load, page=True)

    @rx.event
    def open_dialog(self):
        self.errors, self.new_key = {}, ""
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value
        if not value:
            self.errors, self.new_key = {}, ""

    @db_event
    def create_key(self, form: dict):
        self.errors = {}
        with self._db() as s:
            with self._handling("errors") as h:
                user = self._user(s)
                _, raw = api_keys.create_api_key(
                    session=s, actor=user, user_email=user.email, name=str(form.get("name", ""))
                )
                self._load(s)
            if h.failed:
                return h.events
        self.new_key = raw
        return None

    @rx.event
    def copy_key(self):
        if not self.new_key:
            return None
        return [rx.set_clipboard(self.new_key), rx.toast.success(self._t("Key copied."))]

    @rx.event
    def ask_revoke(self, key_id: int, name: str):
        self.revoke_id, self.revoke_name = int(key_id), str(name)

    @rx.event
    def cancel_revoke(self):
        self.revoke_id, self.revoke_name = 0, ""

    @db_event
    def confirm_revoke(self):
        key_id, self.revoke_id = self.revoke_id, 0
        with self._db() as s:
            with self._handling() as h:
                api_keys.revoke_api_key(session=s, user=self._user(s), key_id=key_id)
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Key revoked: it no longer works."))
