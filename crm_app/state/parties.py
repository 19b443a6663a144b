"""/contacts and /companies: one page of rows, search, filters, sort, page size, selection and
bulk actions (assign, delete, restore), on the record lists' base (state/record_list)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from crm_app import routes
from crm_app.services import formatting, parties, permissions
from crm_app.services.defaults import display_name
from crm_app.services.i18n import Msg
from crm_app.services.phones import display_phone
from crm_app.state.offload import db_event
from crm_app.state.record_list import ALL, RecordListState, ids_of, parse_day, set_common_options
from crm_app.state.session import SessionState

SHOWN = ("active", "deleted")


@dataclasses.dataclass
class PartyListRow:
    id: int
    name: str
    detail: str  # position / industry
    related: str  # primary company / number of contacts
    source: str
    responsible: str
    email: str
    phone: str
    created: str
    href: str
    editable: bool = True


class PartyListState(RecordListState, mixin=True):
    KIND: ClassVar[parties.Kind] = parties.CONTACTS
    PAGE_SIZES: ClassVar[tuple[int, ...]] = parties.listing.PAGE_SIZES
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})
    FILTERS: ClassVar[frozenset[str]] = frozenset({"source_filter", "responsible_filter", "shown_filter"})

    rows: rx.Field[list[PartyListRow]] = rx.field(default_factory=list)
    shown_filter: str = "active"  # "deleted": the recycle bin

    def _filters(self) -> parties.PartyFilters:
        return parties.PartyFilters(
            text=self.search,
            source_ids=ids_of(self.source_filter),
            responsible_ids=ids_of(self.responsible_filter),
            created_from=parse_day(self.created_from),
            created_to=parse_day(self.created_to),
            mine=self.mine,
            deleted=self.shown_filter == "deleted",
        )

    def _load_options(self, s) -> None:
        set_common_options(self, s)

    def _query(self, s) -> None:
        user = self._user(s)
        kind = self.KIND
        allowed = permissions.entity_capabilities(s, user, kind.entity)
        self.can_import, self.can_create = allowed["import"], allowed["create"]
        result = parties.browse(
            kind,
            session=s,
            user=user,
            filters=self._filters(),
            sort=self.sort,
            descending=self.descending,
            after=self.after,
            before=self.before,
            last=self.at_last,
            page_size=self.page_size,
        )
        self.rows = [
            PartyListRow(
                id=r.id,
                name=r.name,
                detail=r.detail,
                related=self._related(r.related),
                source=display_name(r.source, self.lang) if r.source else "",
                responsible=r.responsible,
                email=r.email,
                phone=display_phone(r.phone) if r.phone else "",
                created=formatting.day(r.created_at, self.lang),
                href=routes.record(kind.entity.value, r.id),
            )
            for r in result.rows
        ]
        page = [r.id for r in self.rows]
        editable = parties.changeable_ids(kind, session=s, user=user, ids=page)
        deletable = parties.changeable_ids(
            kind, session=s, user=user, ids=page, action=permissions.Action.DELETE
        )
        self._set_result_page(result, self.rows, editable, deletable)

    def _related(self, value: str) -> str:
        return value

    def _filter_params(self) -> dict:
        return {
            **super()._filter_params(),
            "shown": self.shown_filter if self.shown_filter != "active" else "",
        }

    def _read_filters(self, params) -> None:
        super()._read_filters(params)
        shown = str(params.get("shown", "active"))
        self.shown_filter = shown if shown in SHOWN else "active"

    def _reset_filters(self) -> None:
        super()._reset_filters()
        self.shown_filter = "active"

    @rx.var
    def in_recycle_bin(self) -> bool:
        return self.shown_filter == "deleted"

    # --- bulk actions (the messages name the entity: see the subclasses) -------------------------

    def _assigned(self, n: int) -> Msg:
        raise NotImplementedError

    def _deleted(self, n: int) -> Msg:
        raise NotImplementedError

    def _restored(self, n: int) -> Msg:
        raise NotImplementedError

    @db_event
    def bulk_assign(self, user_id: str):
        if not str(user_id).isdigit():
            return None
        return self._bulk(
            lambda **kw: parties.bulk_assign(self.KIND, **kw), self._assigned, responsible_id=int(user_id)
        )

    @db_event
    def bulk_delete(self):
        self.delete_open = False
        return self._bulk(lambda **kw: parties.bulk_delete(self.KIND, **kw), self._deleted)

    @db_event
    def bulk_restore(self):
        return self._bulk(lambda **kw: parties.bulk_restore(self.KIND, **kw), self._restored)


class ContactsState(PartyListState, SessionState):
    KIND: ClassVar[parties.Kind] = parties.CONTACTS
    LIST_ROUTE: ClassVar[str] = routes.CONTACTS
    SORT_COLUMNS: ClassVar[frozenset[str]] = frozenset(parties.CONTACT_LIST.sort)

    def _assigned(self, n: int) -> Msg:
        return Msg("{count} contact updated.", plural="{count} contacts updated.", count=n)

    def _deleted(self, n: int) -> Msg:
        return Msg(
            "{count} contact moved to the recycle bin.",
            plural="{count} contacts moved to the recycle bin.",
            count=n,
        )

    def _restored(self, n: int) -> Msg:
        return Msg("{count} contact restored.", plural="{count} contacts restored.", count=n)


class CompaniesState(PartyListState, SessionState):
    KIND: ClassVar[parties.Kind] = parties.COMPANIES
    LIST_ROUTE: ClassVar[str] = routes.COMPANIES
    SORT_COLUMNS: ClassVar[frozenset[str]] = frozenset(parties.COMPANY_LIST.sort)

    def _related(self, value: str) -> str:
        """The number of contacts, in the user's language ("" for none)."""
        count = int(value) if value.isdigit() else 0
        return formatting.number(count, self.lang) if count else ""

    def _assigned(self, n: int) -> Msg:
        return Msg("{count} company updated.", plural="{count} companies updated.", count=n)

    def _deleted(self, n: int) -> Msg:
        return Msg(
            "{count} company moved to the recycle bin.",
            plural="{count} companies moved to the recycle bin.",
            count=n,
        )

    def _restored(self, n: int) -> Msg:
        return Msg("{count} company restored.", plural="{count} companies restored.", count=n)


__all__ = ["ALL", "CompaniesState", "ContactsState", "PartyListRow"]
