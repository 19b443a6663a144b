"""The timeline shown on every card: a comment box, planned activities and the history."""

from __future__ import annotations

import dataclasses

import reflex as rx

from crm_app import routes
from crm_app.models import EntityType
from crm_app.services import duplicates, formatting, timeline
from crm_app.services.defaults import display_name
from crm_app.services.i18n import N_, Msg
from crm_app.services.leads import TEXT_FIELDS
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

FIELD_LABELS = {
    **{k: label for k, (label, _) in TEXT_FIELDS.items()},
    "status_id": N_("Status"),
    "source_id": N_("Source"),
    "responsible_id": N_("Responsible"),
    "amount": N_("Expected amount"),
    "currency_code": N_("Currency"),
    "phones": N_("Phones"),
    "emails": N_("E-mails"),
    # contacts and companies
    "name": N_("Company name"),
    "industry": N_("Industry"),
    "employees": N_("Employees"),
    "revenue": N_("Annual revenue"),
    "birthdate": N_("Date of birth"),
    "companies": N_("Companies"),
    "contacts": N_("Contacts"),
    # deals
    "close_date": N_("Expected close date"),
    "amount_manual": N_("Amount typed by hand"),
    "contact_id": N_("Contact"),
    "company_id": N_("Company"),
}
DEAL_FIELD_LABELS = {"title": N_("Deal title"), "amount": N_("Amount")}
PRODUCT_ACTIONS = {
    "added": N_("Product added: {name}"),
    "changed": N_("Product changed: {name}"),
    "removed": N_("Product removed: {name}"),
}
ORIGIN_LABELS = {
    "form": N_("Created from the form"),
    "import": N_("Created by a CSV import"),
    "web_form": N_("Created from a web form"),
    "api": N_("Created through the API"),
    "cli": N_("Created from the command line"),
    "conversion": N_("Created by converting a lead"),
    "merge": N_("Created by a merge"),
}
KIND_ICONS = {
    "created": "sparkles",
    "comment": "message_square",
    "field_change": "pencil",
    "stage_change": "arrow_right_left",
    "conversion": "git_branch",
    "merge": "merge",
    "activity_planned": "calendar_plus",
    "activity_done": "circle_check",
    "deleted": "trash_2",
    "restored": "undo_2",
}
TYPE_ICONS = {"call": "phone", "meeting": "users", "task": "square_check", "email": "mail"}
PAGE = 30


@dataclasses.dataclass
class TimelineView:
    id: int
    icon: str
    title: str
    detail: str
    author: str
    when: str
    is_comment: bool
    merge_id: int = 0  # a merge that can still be undone from here (0: none, or undone already)


@dataclasses.dataclass
class PlannedView:
    id: int
    icon: str
    subject: str
    deadline: str
    responsible: str
    overdue: bool


def _short(value) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


class TimelineState(SessionState):
    entity_type: str = ""
    entity_id: int = 0
    items: list[TimelineView] = []
    planned: rx.Field[list[PlannedView]] = rx.field(default_factory=list)
    has_more: bool = False
    comment_error: str = ""
    loaded: bool = False

    def _describe(self, item: timeline.TimelineItem) -> tuple[str, str]:
        p = item.payload or {}
        t = self._t
        if item.kind == "created":
            title = t(ORIGIN_LABELS.get(p.get("origin", "form"), N_("Created")))
            dupes = [
                d.get("title") or f"#{d.get('id')}" for d in p.get("duplicates") or [] if isinstance(d, dict)
            ]
            if dupes:
                return title, t(
                    Msg("Possible duplicate of: {names}", names=", ".join(str(d) for d in dupes[:5]))
                )
            return title, ""
        if item.kind == "comment":
            return t("Comment"), item.text
        if item.kind == "field_change":
            field: str = p.get("field", "")
            if field == "products":
                title = t(
                    Msg(
                        PRODUCT_ACTIONS.get(p.get("action", ""), N_("Products changed")),
                        name=p.get("name", ""),
                    )
                )
                if p.get("action") == "changed":
                    return title, f"{_short(p.get('old'))} → {_short(p.get('new'))}"
                return title, _short(p.get("detail"))
            labels = DEAL_FIELD_LABELS if self.entity_type == "deal" else {}
            label = Msg(labels.get(field) or FIELD_LABELS.get(field, field))
            if p.get("field") in ("status_id", "source_id", "responsible_id", "contact_id", "company_id"):
                return t(Msg("{field} changed", field=label)), ""
            return t(Msg("{field} changed", field=label)), f"{_short(p.get('old'))} → {_short(p.get('new'))}"
        if item.kind == "stage_change":
            old, new = (display_name(str(p.get(k, "")), self.lang) for k in ("old", "new"))
            action = p.get("action")
            if action == "closed":
                if p.get("result") == "won":
                    return t("Deal won"), item.text
                reason = display_name(str(p.get("reason", "")), self.lang)
                return t("Deal lost"), " — ".join(x for x in (reason, item.text) if x)
            if action == "reopened":
                return t("Deal reopened"), f"{new} — {item.text}" if item.text else new
            if action == "pipeline":
                pipes = (display_name(str(p.get(k, "")), self.lang) for k in ("old_pipeline", "new_pipeline"))
                return t("Pipeline changed"), " → ".join(pipes) + f" ({new})"
            if self.entity_type == "deal":
                return t("Stage changed"), f"{old} → {new}"
            return t("Status changed"), f"{old} → {new}"
        if item.kind == "conversion":
            if p.get("junk"):
                detail = " — ".join(x for x in (p.get("reason", ""), item.text) if x)
                return t("Closed as junk"), detail
            made = [p.get(k) for k in ("contact_name", "company_name", "deal_title") if p.get(k)]
            return t("Lead converted"), " · ".join(str(m) for m in made) or item.text
        if item.kind == "merge":
            action = p.get("action", "merge")
            if action == "merged_into":
                return t("Merged into another lead"), item.text
            if action == "undo":
                return t("Merge undone"), item.text
            return t("Leads merged"), item.text
        if item.kind == "deleted":
            if p.get("action") == "undo_import":  # the text: the file's name
                return t("Moved to the recycle bin by undoing an import"), item.text
            return t("Moved to the recycle bin"), ""
        if item.kind == "restored":
            if p.get("action") == "unmerge":
                return t("Brought back by undoing a merge"), item.text
            return t("Restored from the recycle bin"), ""
        if item.kind == "activity_done":
            return t("Activity completed"), item.text
        if item.kind == "activity_planned":
            return t("Activity planned"), item.text
        return item.kind, item.text

    def _view(self, item: timeline.TimelineItem) -> TimelineView:
        title, detail = self._describe(item)
        return TimelineView(
            id=item.id,
            icon=KIND_ICONS.get(item.kind, "dot"),
            title=title,
            detail=detail,
            author=item.author,
            when=formatting.when(item.at, self.lang),
            is_comment=item.kind == "comment",
            merge_id=item.undoable_merge_id,
        )

    def _load_timeline(self, s, entity_type: str, entity_id: int) -> None:
        user = self._user(s)
        self.entity_type, self.entity_id = EntityType(entity_type).value, int(entity_id)
        entries = timeline.list_entries(
            session=s,
            user=user,
            entity_type=EntityType(entity_type),
            entity_id=self.entity_id,
            limit=PAGE + 1,
        )
        self.has_more = len(entries) > PAGE
        self.items = [self._view(e) for e in entries[:PAGE]]
        planned = timeline.planned_activities(
            session=s, user=user, entity_type=EntityType(entity_type), entity_id=self.entity_id
        )
        self.planned = [
            PlannedView(
                id=p.id,
                icon=TYPE_ICONS.get(p.type, "calendar"),
                subject=p.subject,
                deadline=formatting.when(p.deadline, self.lang),
                responsible=p.responsible,
                overdue=p.overdue,
            )
            for p in planned
        ]
        self.comment_error = ""
        self.loaded = True

    def _set_comment_error(self, errors: dict[str, str]) -> None:
        self.comment_error = next(iter(errors.values()), "")

    @db_event
    def load_for(self, entity_type: str, entity_id: int):
        with self._db() as s:
            with self._handling(on={ValueError: lambda _: None}) as h:  # a bad entity type
                self._load_timeline(s, entity_type, entity_id)
            if h.failed:
                return h.events
        return None

    @rx.event
    def refresh(self):
        if self.entity_type and self.entity_id:
            return TimelineState.load_for(self.entity_type, self.entity_id)
        return None

    @db_event
    def load_more(self):
        if not self.items:
            return None
        with self._db() as s:
            with self._handling() as h:
                entries = timeline.list_entries(
                    session=s,
                    user=self._user(s),
                    entity_type=EntityType(self.entity_type),
                    entity_id=self.entity_id,
                    before_id=self.items[-1].id,
                    limit=PAGE + 1,
                )
            if h.failed:
                return h.events
        self.has_more = len(entries) > PAGE
        self.items = [*self.items, *[self._view(e) for e in entries[:PAGE]]]
        return None

    @db_event
    def undo_merge(self, merge_id: int):
        """Undo a merge from the kept lead's history (the service checks who may)."""
        with self._db() as s:
            with self._handling() as h:
                duplicates.undo_merge(session=s, user=self._user(s), merge_id=int(merge_id))
                if self.entity_type and self.entity_id:  # the button goes at once
                    self._load_timeline(s, self.entity_type, self.entity_id)
            if h.failed:
                return h.events
        return [rx.toast.success(self._t("Merge undone")), rx.redirect(routes.lead(self.entity_id))]

    @db_event
    def add_comment(self, form: dict):
        self.comment_error = ""
        with self._db() as s:
            with self._handling(self._set_comment_error, on={ValueError: lambda _: None}) as h:
                timeline.add_comment(
                    session=s,
                    user=self._user(s),
                    entity_type=EntityType(self.entity_type),
                    entity_id=self.entity_id,
                    text=str(form.get("comment", "")),
                )
                self._load_timeline(s, self.entity_type, self.entity_id)
            if h.failed:
                return h.events
        return rx.call_script("document.getElementById('timeline-comment').value = ''")
