"""Leads -> Duplicates (/leads/duplicates) and the side-by-side merge (/leads/merge?ids=1,2,3)."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

import reflex as rx

from crm_app import routes
from crm_app.services import display, duplicates, formatting, leads
from crm_app.services.errors import DomainError, NotAuthenticated
from crm_app.services.i18n import N_, Msg
from crm_app.services.leads import TEXT_FIELDS
from crm_app.state.listing import ListState
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

FIELD_LABELS: dict[str, str] = {
    **{name: label for name, (label, _) in TEXT_FIELDS.items()},
    "status_id": N_("Status"),
    "source_id": N_("Source"),
    "responsible_id": N_("Responsible"),
    "amount": N_("Expected amount"),
    "phones": N_("Phones"),
    "emails": N_("E-mails"),
}


def lead_href(lead_id: int) -> str:
    return routes.lead(lead_id)


def merge_href(ids: list[int]) -> str:
    return routes.lead_merge(ids[: duplicates.MAX_MERGE])


# --- the list of groups ------------------------------------------------------------------------


@dataclasses.dataclass
class GroupLeadView:
    id: int
    name: str
    company: str
    emails: str
    phones: str
    status: str
    created: str
    href: str


@dataclasses.dataclass
class ReasonView:
    reason: str  # email, phone, company
    value: str


@dataclasses.dataclass
class GroupView:
    key: str
    reasons: list[ReasonView]
    leads: list[GroupLeadView]
    merge_href: str
    size: int


@dataclasses.dataclass
class MergeView:
    id: int
    kept_name: str
    kept_href: str
    merged: str  # "+2 merged"
    author: str
    when: str
    can_undo: bool


class DuplicatesState(ListState, SessionState):
    PAGE_SIZES: ClassVar[tuple[int, ...]] = duplicates.GROUP_PAGE_SIZES

    groups: list[GroupView] = []
    loaded: bool = False
    merges: list[MergeView] = []

    def _load(self, s) -> None:
        user = self._user(s)
        groups, total = duplicates.duplicate_groups(
            session=s, user=user, page=self.page, page_size=self.page_size
        )
        self.page = min(self.page, self._last_page(total))
        self._set_page([g.lead_ids[0] for g in groups if g.lead_ids], total)
        self.groups = [
            GroupView(
                key="-".join(str(i) for i in g.lead_ids),
                reasons=[ReasonView(r.reason, r.value) for r in g.reasons],
                leads=[
                    GroupLeadView(
                        id=lead.id,
                        name=lead.name,
                        company=lead.company_name,
                        emails=", ".join(lead.emails),
                        phones=", ".join(lead.phones),
                        status=lead.status,
                        created=formatting.day(lead.created_at, self.lang),
                        href=lead_href(lead.id),
                    )
                    for lead in g.leads
                ],
                merge_href=merge_href(g.lead_ids),
                size=len(g.lead_ids),
            )
            for g in groups
        ]
        self.merges = [
            MergeView(
                id=m.id,
                kept_name=m.kept_name or f"#{m.kept_lead_id}",
                kept_href=lead_href(m.kept_lead_id),
                merged=self._t(
                    Msg("+{count} merged lead", plural="+{count} merged leads", count=m.merged_count)
                ),
                author=m.author,
                when=formatting.when(m.created_at, self.lang),
                can_undo=m.can_undo,
            )
            for m in duplicates.recent_merges(session=s, user=user, limit=5)
        ]
        self.loaded = True

    def _reload(self):
        return self._in_session(self._load)

    @db_event
    def load(self):
        return self._in_session(self._load, page=True)

    @db_event
    def undo_merge(self, merge_id: int):
        with self._db() as s:
            with self._handling() as h:
                duplicates.undo_merge(session=s, user=self._user(s), merge_id=int(merge_id))
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Merge undone: the leads are back."))


# --- the merge page --------------------------------------------------------------------------


@dataclasses.dataclass
class MergeColumn:
    id: int
    title: str
    created: str
    href: str


@dataclasses.dataclass
class MergeCell:
    lead_id: int
    text: str
    checked: bool


@dataclasses.dataclass
class MergeFieldRow:
    field: str
    label: str  # msgid
    cells: list[MergeCell]
    same: bool  # every lead has this value: nothing to choose


@dataclasses.dataclass
class MergeItem:
    name: str  # form field, e.g. "phones:2:0"
    value: str  # E.164 or lower-case e-mail
    text: str
    repeat: bool  # already listed under an earlier lead


@dataclasses.dataclass
class MergeListCell:
    lead_id: int
    options: list[MergeItem]


@dataclasses.dataclass
class MergeListRow:
    field: str
    label: str
    cells: list[MergeListCell]


def parse_ids(text: str) -> list[int]:
    return [int(part) for part in re.findall(r"\d{1,12}", text or "")][: duplicates.MAX_MERGE + 1]


class MergeState(SessionState):
    lead_ids: list[int] = []
    columns: list[MergeColumn] = []
    rows: list[MergeFieldRow] = []
    list_rows: list[MergeListRow] = []
    versions: dict[str, int] = {}
    loaded: bool = False
    problem: str = ""
    errors: dict[str, str] = {}
    # after a merge: what was done, for the undo
    merge_id: int = 0
    kept_id: int = 0
    done_text: str = ""
    # a new value remounts the form, so its inputs take their default values again
    form_key: int = 0

    @rx.var
    def kept_href(self) -> str:
        return lead_href(self.kept_id)

    def _build(self, candidates: list[duplicates.MergeCandidate]) -> None:
        self.columns = [
            MergeColumn(
                id=c.id,
                title=display.lead_name(id=c.id, **c.values),
                created=formatting.day(c.created_at, self.lang),
                href=lead_href(c.id),
            )
            for c in candidates
        ]
        self.versions = {str(c.id): c.version for c in candidates}
        rows = []
        for name in duplicates.SCALAR_FIELDS:
            texts = [c.values[name] for c in candidates]
            if not any(texts):
                continue
            # the service's default: the kept lead's value, else the first non-empty one
            default = next(i for i, text in enumerate(texts) if text)
            rows.append(
                MergeFieldRow(
                    field=name,
                    label=FIELD_LABELS[name],
                    cells=[
                        MergeCell(lead_id=c.id, text=text, checked=i == default)
                        for i, (c, text) in enumerate(zip(candidates, texts, strict=True))
                    ],
                    same=len(set(texts)) == 1,
                )
            )
        self.rows = rows
        list_rows = []
        for name in duplicates.LIST_FIELDS:
            seen: set[str] = set()
            cells = []
            for c in candidates:
                pairs = c.phones if name == "phones" else [(e, e) for e in c.emails]
                items = []
                for i, (value, text) in enumerate(pairs):
                    items.append(
                        MergeItem(name=f"{name}:{c.id}:{i}", value=value, text=text, repeat=value in seen)
                    )
                    seen.add(value)
                cells.append(MergeListCell(lead_id=c.id, options=items))
            if seen:
                list_rows.append(MergeListRow(field=name, label=FIELD_LABELS[name], cells=cells))
        self.list_rows = list_rows

    def _load_candidates(self, s) -> None:
        user = self._user(s)
        self.problem = ""
        try:
            candidates = duplicates.merge_candidates(session=s, user=user, ids=self.lead_ids, lang=self.lang)
        except NotAuthenticated:
            raise
        except DomainError as exc:
            self.columns, self.rows, self.list_rows = [], [], []
            self.problem = self._t(exc.message)
        else:
            self._build(candidates)
        self.form_key += 1
        self.loaded = True

    @db_event
    def load(self):
        """on_load of /leads/merge: reads ?ids=1,2,3 (the first is kept unless the user picks another)."""
        return self._open(str(self.router.url.query_parameters.get("ids", "")))

    def _open(self, ids_text: str):
        self.lead_ids = parse_ids(ids_text)
        self.merge_id = 0
        self.errors = {}
        self.loaded = False
        return self._in_session(self._load_candidates, page=True)

    @db_event
    def merge(self, form: dict):
        self.errors = {}
        try:
            keep_id = int(form.get("keep", 0))
        except (TypeError, ValueError):
            keep_id = 0
        ids = [c.id for c in self.columns]
        if keep_id not in ids:
            self.errors = {"": self._t("Choose the lead to keep.")}
            return None
        choices: dict[str, object] = {}
        for row in self.rows:
            picked = form.get(f"choice_{row.field}")
            if picked:
                choices[row.field] = picked
        for name in duplicates.LIST_FIELDS:
            choices[name] = [str(v) for k, v in form.items() if k.startswith(f"{name}:") and v]
        with self._db() as s:
            with self._handling("errors") as h:
                user = self._user(s)
                merge = duplicates.merge_leads(
                    session=s,
                    user=user,
                    keep_id=keep_id,
                    merge_ids=[i for i in ids if i != keep_id],
                    choices=choices,
                    expected_versions={int(k): v for k, v in self.versions.items()},
                )
                # named as it is now: the merge may have taken another lead's name
                kept_name = display.lead_name(leads.get_lead(session=s, user=user, lead_id=keep_id))
            if h.failed:
                return h.events
        self.merge_id = merge.id or 0
        self.kept_id = keep_id
        self.done_text = self._t(Msg("Leads merged into {name}.", name=kept_name))
        return rx.toast.success(
            self._t("Leads merged."),
            action={"label": self._t("Undo"), "on_click": MergeState.undo_merge(self.merge_id)},
            duration=15000,
        )

    @db_event
    def undo_merge(self, merge_id: int):
        """The toast's Undo and the page's "Undo merge" button."""
        with self._db() as s:
            with self._handling() as h:
                duplicates.undo_merge(session=s, user=self._user(s), merge_id=int(merge_id))
                if int(merge_id) == self.merge_id:
                    self.merge_id = 0
                    self._load_candidates(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Merge undone: the leads are back."))
