"""The top bar's global search results page."""

from __future__ import annotations

import dataclasses

import reflex as rx

from crm_app import routes
from crm_app.services import search
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState


@dataclasses.dataclass
class HitRow:
    kind: str
    title: str
    subtitle: str
    href: str


class SearchState(SessionState):
    query: str = ""
    hits: rx.Field[list[HitRow]] = rx.field(default_factory=list)
    searched: bool = False

    @db_event
    def run(self):
        """on_load of /search: reads ?q= and searches on the server."""
        self.query = str(self.router.url.query_parameters.get("q", ""))[: search.MAX_QUERY]
        with self._db() as s:
            with self._handling() as h:
                found = search.global_search(
                    session=s, user=self._page_user(s), text=self.query, lang=self.lang
                )
            if h.failed:
                return h.events
        self.hits = [
            HitRow(
                kind=h.entity_type,
                title=h.title,
                subtitle=h.subtitle,
                href=routes.record(h.entity_type, h.id),
            )
            for h in found
        ]
        self.searched = True
        return None
