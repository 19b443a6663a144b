"""/leads: one page of leads, search, filters, sort, page size, selection and bulk actions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import reflex as rx

from crm_app import routes
from crm_app.models import EntityType, StageSemantic
from crm_app.services import formatting, leads, permissions
from crm_app.services.defaults import display_name
from crm_app.services.i18n import Msg
from crm_app.services.phones import display_phone
from crm_app.state.offload import db_event
from crm_app.state.record_list import ALL, Option, RecordListState, ids_of, parse_day
from crm_app.state.session import SessionState

__all__ = ["ALL", "LeadListRow", "LeadsState", "Option"]  # other lead states take ALL and Option here


@dataclasses.dataclass
class LeadListRow:
    id: int
    name: str
    company: str
    status: str
    color: str
    source: str
    responsible: str
    email: str
    phone: str
    amount: str
    created: str
    result: str
    href: str
    editable: bool = True  # may the user change it (bulk actions select only those)


RESULT_FILTERS = ("open", "converted", "junk", ALL, "deleted")


class LeadsState(RecordListState, SessionState):
    PAGE_SIZES: ClassVar[tuple[int, ...]] = leads.PAGE_SIZES
    SORT_COLUMNS: ClassVar[frozenset[str]] = frozenset(leads.SORT_COLUMNS)
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at", "amount"})
    KEYSET: ClassVar[bool] = True

    LIST_ROUTE: ClassVar[str] = routes.LEADS
    FILTERS: ClassVar[frozenset[str]] = frozenset(
        {"status_filter", "source_filter", "responsible_filter", "result_filter"}
    )

    rows: rx.Field[list[LeadListRow]] = rx.field(default_factory=list)
    status_filter: str = ALL
    result_filter: str = "open"
    status_options: list[Option] = []
    open_status_options: list[Option] = []

    def _filters(self) -> leads.LeadFilters:
        return leads.LeadFilters(
            text=self.search,
            status_ids=ids_of(self.status_filter),
            source_ids=ids_of(self.source_filter),
            responsible_ids=ids_of(self.responsible_filter),
            created_from=parse_day(self.created_from),
            created_to=parse_day(self.created_to),
            mine=self.mine,
            result=None if self.result_filter in (ALL, "deleted") else self.result_filter,
            deleted=self.result_filter == "deleted",
        )

    def _load_options(self, s) -> None:
        options = leads.list_options(s)
        self.status_options = [
            Option(str(i), display_name(name, self.lang), color) for i, name, color, _ in options.statuses
        ]
        self.open_status_options = [
            o
            for o, st in zip(self.status_options, options.statuses, strict=True)
            if st[3] == StageSemantic.IN_PROGRESS
        ]
        self._set_common_options(options.sources, options.users)

    def _query(self, s) -> None:
        user = self._user(s)
        allowed = permissions.entity_capabilities(s, user, EntityType.LEAD)
        self.can_import, self.can_create = allowed["import"], allowed["create"]
        result = leads.browse_leads(
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
            LeadListRow(
                id=r.id,
                name=r.name,
                company=r.company_name if r.person else "",
                status=display_name(r.status, self.lang),
                color=r.status_color,
                source=display_name(r.source, self.lang),
                responsible=r.responsible,
                email=r.email,
                phone=display_phone(r.phone) if r.phone else "",
                amount=formatting.money(r.amount, r.currency_code, self.lang),
                created=formatting.day(r.created_at, self.lang),
                result=r.result,
                href=routes.lead(r.id),
            )
            for r in result.rows
        ]
        page = [r.id for r in self.rows]
        editable = leads.changeable_ids(session=s, user=user, ids=page)
        deletable = leads.changeable_ids(session=s, user=user, ids=page, action=permissions.Action.DELETE)
        self._set_result_page(result, self.rows, editable, deletable)

    # --- the place in the URL: the lead filters besides the common ones -------------------------

    def _filter_params(self) -> dict:
        common = super()._filter_params()
        return {
            "q": common.pop("q"),
            "status": self.status_filter if self.status_filter != ALL else "",
            **{k: common.pop(k) for k in ("source", "responsible")},
            "result": self.result_filter if self.result_filter != "open" else "",
            **common,
        }

    def _read_filters(self, params) -> None:
        super()._read_filters(params)
        self.status_filter = self._choice(params, "status")
        result = str(params.get("result", "open"))
        self.result_filter = result if result in RESULT_FILTERS else "open"

    def _reset_filters(self) -> None:
        super()._reset_filters()
        self.status_filter = ALL
        self.result_filter = "open"

    def _bulk(self, action, message: Callable[[int], Msg] | None = None, **kwargs):
        return super()._bulk(
            action,
            message or (lambda n: Msg("{count} lead updated.", plural="{count} leads updated.", count=n)),
            **kwargs,
        )

    @db_event
    def bulk_assign(self, user_id: str):
        if not str(user_id).isdigit():
            return None
        return self._bulk(leads.bulk_assign, responsible_id=int(user_id))

    @db_event
    def bulk_status(self, status_id: str):
        if not str(status_id).isdigit():
            return None
        return self._bulk(leads.bulk_set_status, status_id=int(status_id))

    @rx.var
    def in_recycle_bin(self) -> bool:
        return self.result_filter == "deleted"

    @db_event
    def bulk_restore(self):
        return self._bulk(
            leads.bulk_restore,
            lambda n: Msg("{count} lead restored.", plural="{count} leads restored.", count=n),
        )

    @db_event
    def bulk_delete(self):
        self.delete_open = False
        return self._bulk(
            leads.bulk_delete,
            lambda n: Msg(
                "{count} lead moved to the recycle bin.",
                plural="{count} leads moved to the recycle bin.",
                count=n,
            ),
        )
