"""Settings -> Deals: the pipelines, the stages of the pipeline chosen (`?pipeline=ID` in the URL,
so a reload stays on it) and the lost reasons.

Everyone sees them; only administrators change them (the services check). The three lists share
the add forms and the dialogs of state/settings_lists, told apart by `kind`.
"""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.services import pipelines, reasons, stages
from crm_app.services.errors import NotFound
from crm_app.services.i18n import N_
from crm_app.services.pipelines import PipelineRow
from crm_app.services.reasons import ReasonRow
from crm_app.services.settings_lists import DEFAULT_COLOR, int_id
from crm_app.services.stages import StageRow
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState
from crm_app.state.settings_lists import ListOps, SettingsListState, shown

DEAL = stages.DEAL
LOST = reasons.DEAL_LOST


class DealSettingsState(SettingsListState, SessionState):
    pipelines: rx.Field[list[PipelineRow]] = rx.field(default_factory=list)
    stages: list[StageRow] = []
    reasons: rx.Field[list[ReasonRow]] = rx.field(default_factory=list)
    # the pipeline whose stages show
    pipeline_id: rx.Field[int] = rx.field(0)
    pipeline_name: str = ""
    pipeline_choices: list[list[str]] = []
    # the add forms
    pipeline_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    stage_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    reason_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    pipeline_key: int = 0
    stage_key: rx.Field[int] = rx.field(0)
    reason_key: int = 0

    # --- helpers -----------------------------------------------------------------------------

    def _load(self, s) -> None:
        user = self._user(s)
        rows = [shown(r, self.lang) for r in pipelines.list_pipelines(session=s, user=user)]
        wanted = self.pipeline_id
        chosen = next((r for r in rows if r.id == wanted), None)
        if chosen is None:  # none asked, or deleted meanwhile: the default pipeline
            chosen = next((r for r in rows if r.is_default), rows[0])
        self.pipelines = rows
        self.pipeline_id = chosen.id
        self.pipeline_name = chosen.name
        self.pipeline_choices = [[str(r.id), r.name] for r in rows]
        self.stages = [
            shown(r, self.lang)
            for r in stages.list_stages(session=s, user=user, kind=DEAL, pipeline_id=chosen.id)
        ]
        self.reasons = [shown(r, self.lang) for r in reasons.list_reasons(session=s, user=user, kind=LOST)]
        self.loaded = True

    def _ops(self) -> dict[str, ListOps]:
        pid = self.pipeline_id
        return {
            "pipeline": ListOps(
                rows="pipelines",
                added=N_("Pipeline added."),
                add=lambda s, user, form: pipelines.add_pipeline(
                    session=s, user=user, name=str(form.get("name", ""))
                ),
                rename=lambda s, user, row, form: pipelines.rename_pipeline(
                    session=s,
                    user=user,
                    pipeline_id=row.id,
                    name=str(form.get("name", "")),
                    expected_version=row.version,
                ),
                move=lambda s, user, item_id, direction: pipelines.move_pipeline(
                    session=s, user=user, pipeline_id=item_id, direction=direction
                ),
                usage=lambda s, user, item_id: pipelines.pipeline_usage(
                    session=s, user=user, pipeline_id=item_id
                ),
                delete=self._delete_pipeline,
                takes=lambda row, other: False,  # deals move between pipelines from their card
            ),
            "stage": ListOps(
                rows="stages",
                added=N_("Stage added."),
                add=lambda s, user, form: stages.add_stage(
                    session=s,
                    user=user,
                    kind=DEAL,
                    pipeline_id=pid,
                    name=str(form.get("name", "")),
                    color=str(form.get("color", DEFAULT_COLOR)),
                    semantic=str(form.get("semantic", "in_progress")),
                    probability=form.get("probability"),
                ),
                rename=lambda s, user, row, form: stages.update_stage(
                    session=s,
                    user=user,
                    kind=DEAL,
                    pipeline_id=pid,
                    stage_id=row.id,
                    name=str(form.get("name", "")),
                    color=str(form.get("color", row.color)),
                    probability=form.get("probability"),
                    expected_version=row.version,
                ),
                move=lambda s, user, item_id, direction: stages.move_stage(
                    session=s, user=user, kind=DEAL, pipeline_id=pid, stage_id=item_id, direction=direction
                ),
                usage=lambda s, user, item_id: stages.stage_usage(
                    session=s, user=user, kind=DEAL, pipeline_id=pid, stage_id=item_id
                ),
                delete=lambda s, user, item_id, move_to: stages.delete_stage(
                    session=s, user=user, kind=DEAL, pipeline_id=pid, stage_id=item_id, move_to_id=move_to
                ),
                takes=lambda row, other: other.semantic == row.semantic,
            ),
            "reason": ListOps(
                rows="reasons",
                added=N_("Reason added."),
                add=lambda s, user, form: reasons.add_reason(
                    session=s, user=user, kind=LOST, name=str(form.get("name", ""))
                ),
                rename=lambda s, user, row, form: reasons.rename_reason(
                    session=s,
                    user=user,
                    kind=LOST,
                    reason_id=row.id,
                    name=str(form.get("name", "")),
                    expected_version=row.version,
                ),
                move=lambda s, user, item_id, direction: reasons.move_reason(
                    session=s, user=user, kind=LOST, reason_id=item_id, direction=direction
                ),
                usage=lambda s, user, item_id: reasons.reason_usage(
                    session=s, user=user, kind=LOST, reason_id=item_id
                ),
                delete=lambda s, user, item_id, move_to: reasons.delete_reason(
                    session=s, user=user, kind=LOST, reason_id=item_id, move_to_id=move_to
                ),
            ),
        }

    def _delete_pipeline(self, s, user, item_id: int, _move_to: int | None) -> int:
        pipelines.delete_pipeline(session=s, user=user, pipeline_id=item_id)
        return 0

    # --- events -------------------------------------------------------------------------------

    @db_event
    def load(self):
        self._close_dialogs()
        self.pipeline_id = int_id(self.router.url.query_parameters.get("pipeline")) or 0
        return self._in_session(self._load, page=True)

    @rx.event
    def choose_pipeline(self, value: str):
        """Show another pipeline's stages: through the URL, so reload and back keep it."""
        chosen = int_id(value) or 0
        if chosen <= 0:
            return None
        return rx.redirect(routes.settings_deals(chosen))

    @db_event
    def make_default(self, pipeline_id: int):
        with self._db() as s:
            with self._handling(on={NotFound: self._reload_and_fail, ValueError: lambda _: None}) as h:
                pipelines.set_default(session=s, user=self._user(s), pipeline_id=int(pipeline_id))
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("New deals now go to this pipeline."))
