"""/ : my day."""

from __future__ import annotations

import reflex as rx

from crm_app.services import stats
from crm_app.services.i18n import Msg, tr
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


class HomeState(SessionState):
    counts: rx.Field[dict[str, int]] = rx.field(default_factory=dict)

    @rx.var
    def greeting(self) -> str:
        return tr(self.lang, Msg("Hello, {name}", name=self.user_name))

    @db_event
    def load(self):
        with self._db() as s:
            with self._handling() as h:
                self._page_user(s)
                self.counts = stats.table_counts(session=s)
            if h.failed:
                return h.events
        return None
