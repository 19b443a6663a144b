"""Settings -> Leads: statuses, sources, junk reasons and the default phone region.

Everyone sees the lists; only administrators change them (the services check, whatever the browser
sends). The three lists share the add forms, the edit dialog and the delete dialog of
state/settings_lists, told apart by `kind`.
"""

from __future__ import annotations

import reflex as rx

from crm_app.services import lead_settings as ls
from crm_app.services.i18n import N_
from crm_app.services.junk_reasons import ReasonRow
from crm_app.services.lead_statuses import StatusRow
from crm_app.services.sources import SourceRow
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState
from crm_app.state.settings_lists import ListOps, SettingsListState, shown


class LeadSettingsState(SettingsListState, SessionState):
    statuses: list[StatusRow] = []
    sources: list[SourceRow] = []
    reasons: rx.Field[list[ReasonRow]] = rx.field(default_factory=list)
    region: str = ""
    regions: list[list[str]] = []
    # the add forms: {field: message} each; a form remounts (emptied) when its key changes
    status_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    source_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    reason_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    status_key: int = 0
    source_key: int = 0
    reason_key: int = 0
    region_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    # --- helpers -----------------------------------------------------------------------------

    def _load(self, s) -> None:
        user = self._user(s)
        # defaults nobody renamed show in the user's language (services/defaults.display_name)
        self.statuses = [shown(r, self.lang) for r in ls.list_statuses(session=s, user=user)]
        self.sources = [shown(r, self.lang) for r in ls.list_sources(session=s, user=user)]
        self.reasons = [shown(r, self.lang) for r in ls.list_junk_reasons(session=s, user=user)]
        self.region = ls.get_phone_region(session=s, user=user)
        self.regions = [[code, label] for code, label in ls.region_choices(self.lang)]
        self.loaded = True

    def _ops(self) -> dict[str, ListOps]:
        return {
            "status": ListOps(
                rows="statuses",
                added=N_("Status added."),
                add=lambda s, user, form: ls.add_status(
                    session=s,
                    user=user,
                    name=str(form.get("name", "")),
                    color=str(form.get("color", ls.DEFAULT_COLOR)),
                    semantic=str(form.get("semantic", "in_progress")),
                ),
                rename=lambda s, user, row, form: ls.update_status(
                    session=s,
                    user=user,
                    status_id=row.id,
                    name=str(form.get("name", "")),
                    color=str(form.get("color", row.color)),
                    expected_version=row.version,
                ),
                move=lambda s, user, item_id, direction: ls.move_status(
                    session=s, user=user, status_id=item_id, direction=direction
                ),
                usage=lambda s, user, item_id: ls.status_usage(session=s, user=user, status_id=item_id),
                delete=lambda s, user, item_id, move_to: ls.delete_status(
                    session=s, user=user, status_id=item_id, move_to_id=move_to
                ),
                takes=lambda row, other: other.semantic == row.semantic,
            ),
            "source": ListOps(
                rows="sources",
                added=N_("Source added."),
                add=lambda s, user, form: ls.add_source(session=s, user=user, name=str(form.get("name", ""))),
                rename=lambda s, user, row, form: ls.rename_source(
                    session=s,
                    user=user,
                    source_id=row.id,
                    name=str(form.get("name", "")),
                    expected_version=row.version,
                ),
                move=lambda s, user, item_id, direction: ls.move_source(
                    session=s, user=user, source_id=item_id, direction=direction
                ),
                usage=lambda s, user, item_id: ls.source_usage(session=s, user=user, source_id=item_id),
                delete=lambda s, user, item_id, move_to: ls.delete_source(
                    session=s, user=user, source_id=item_id, move_to_id=move_to
                ),
                takes=lambda row, other: other.is_active,
            ),
            "reason": ListOps(
                rows="reasons",
                added=N_("Reason added."),
                add=lambda s, user, form: ls.add_junk_reason(
                    session=s, user=user, name=str(form.get("name", ""))
                ),
                rename=lambda s, user, row, form: ls.rename_junk_reason(
                    session=s,
                    user=user,
                    reason_id=row.id,
                    name=str(form.get("name", "")),
                    expected_version=row.version,
                ),
                move=lambda s, user, item_id, direction: ls.move_junk_reason(
                    session=s, user=user, reason_id=item_id, direction=direction
                ),
                usage=lambda s, user, item_id: ls.junk_reason_usage(session=s, user=user, reason_id=item_id),
                delete=lambda s, user, item_id, move_to: ls.delete_junk_reason(
                    session=s, user=user, reason_id=item_id, move_to_id=move_to
                ),
            ),
        }

    # --- events -------------------------------------------------------------------------------

    @db_event
    def load(self):
        self._close_dialogs()
        return self._in_session(self._load, page=True)

    @db_event
    def set_source_active(self, source_id: int, active: bool):
        with self._db() as s:
            with self._handling() as h:
                ls.set_source_active(
                    session=s, user=self._user(s), source_id=int(source_id), active=bool(active)
                )
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Source activated.") if active else self._t("Source deactivated."))

    @rx.event
    def set_region(self, value: str):
        self.region = str(value)
        self.region_errors = {}

    @db_event
    def save_region(self, form: dict):
        with self._db() as s:
            with self._handling("region_errors") as h:
                self.region = ls.set_phone_region(
                    session=s, user=self._user(s), region=str(form.get("phone_region", self.region))
                )
            if h.failed:
                return h.events
        self.region_errors = {}
        return rx.toast.success(self._t("Default country saved."))
