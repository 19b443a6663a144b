"""Settings -> Deals through DealSettingsState: pipelines, the stages of the pipeline in the URL,
lost reasons; the shared add forms and dialogs of state/settings_lists."""

from __future__ import annotations

from crm_app import db
from crm_app.models import Deal, Pipeline, Role, Stage
from crm_app.services import auth
from crm_app.state.deal_settings import DealSettingsState
from tests.factories import PASSWORD, create_deal, create_user
from tests.state.conftest import call, open_page, sign_in, substate

S = DealSettingsState


def _logged_in(root, db_url, role: Role = Role.ADMIN, url: str = "/settings/deals") -> DealSettingsState:
    with db.session(db_url) as s:
        user = create_user(s, role=role)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, S)
    sign_in(state, token)
    open_page(state, url)
    call(state, S.load)
    return state


def _stage(state, name: str):
    return next(r for r in state.stages if r.name == name)


def test_it_loads_the_default_pipeline_its_stages_and_the_lost_reasons(root, db_url):
    state = _logged_in(root, db_url, Role.SALES)
    assert state.loaded and [r.name for r in state.pipelines] == ["Sales"]
    assert state.pipeline_name == "Sales" and len(state.stages) == 7
    assert [r.probability for r in state.stages][-2:] == [100, 0]
    assert state.reasons[0].name == "Price too high"


def test_without_a_session_nothing_loads(root, db_url):
    with db.session(db_url) as s:
        create_user(s)
    state = substate(root, S)
    open_page(state, "/settings/deals?pipeline=1")
    spec = call(state, S.load)
    assert "/login?next=%2Fsettings%2Fdeals%3Fpipeline%3D1" in str(spec)
    assert not state.loaded and state.stages == []


def test_a_new_pipeline_its_stages_and_the_url_choosing_it(root, db_url):
    state = _logged_in(root, db_url)
    call(state, S.add_item, "pipeline", {"name": "sales"})
    assert "name" in state.pipeline_errors
    key = state.pipeline_key
    call(state, S.add_item, "pipeline", {"name": "Partners"})
    assert state.pipeline_errors == {} and state.pipeline_key == key + 1
    partners = state.pipelines[-1]
    assert partners.name == "Partners" and partners.stage_count == 4
    spec = call(state, S.choose_pipeline, str(partners.id))
    assert f"/settings/deals?pipeline={partners.id}" in str(spec)
    assert call(state, S.choose_pipeline, "nonsense") is None
    open_page(state, f"/settings/deals?pipeline={partners.id}")
    call(state, S.load)
    assert state.pipeline_id == partners.id and [r.name for r in state.stages] == [
        "New",
        "In progress",
        "Won",
        "Lost",
    ]
    # the add form adds to the pipeline shown
    call(
        state,
        S.add_item,
        "stage",
        {"name": "Offer", "color": "#123456", "semantic": "in_progress", "probability": "70"},
    )
    assert state.stage_errors == {} and [r.name for r in state.stages][:3] == ["New", "In progress", "Offer"]
    call(
        state,
        S.add_item,
        "stage",
        {"name": "Bad", "color": "#123456", "semantic": "in_progress", "probability": "170"},
    )
    assert "probability" in state.stage_errors
    with db.session(db_url) as s:
        assert s.get(Pipeline, partners.id) is not None
    # a pipeline that is gone: the default one shows
    open_page(state, "/settings/deals?pipeline=999")
    call(state, S.load)
    assert state.pipeline_name == "Sales"


def test_edit_a_stage_probability_and_a_stale_edit(root, db_url):
    state = _logged_in(root, db_url)
    row = _stage(state, "Invoice")
    call(state, S.open_edit, "stage", row.id)
    assert state.edit_open and state.edit_probability == "50" and state.edit_color == row.color
    call(state, S.save_edit, {"name": "Invoice sent", "color": "#00aa00", "probability": "60"})
    assert not state.edit_open and _stage(state, "Invoice sent").probability == 60
    call(state, S.open_edit, "stage", _stage(state, "Won").id)
    assert state.edit_probability == ""  # the won stage is always 100 %
    row = _stage(state, "Invoice sent")
    call(state, S.open_edit, "stage", row.id)
    with db.session(db_url) as s:
        stage = s.get(Stage, row.id)
        stage.name = "Theirs"
        s.add(stage)
        s.commit()
    call(state, S.save_edit, {"name": "Mine", "color": "#00aa00", "probability": "60"})
    assert _stage(state, "Theirs")
    with db.session(db_url) as s:
        assert s.get(Stage, row.id).name == "Theirs"


def test_delete_a_stage_in_use_and_a_pipeline_with_deals(root, db_url):
    state = _logged_in(root, db_url)
    with db.session(db_url) as s:
        deal_id = create_deal(s).id
    first, second = state.stages[0], state.stages[1]
    call(state, S.ask_delete, "stage", first.id)
    assert state.delete_open and state.delete_count == 1
    assert "Won" not in [name for _, name in state.delete_targets]
    call(state, S.confirm_delete, {"move_to_id": str(second.id)})
    assert not state.delete_open and first.id not in [r.id for r in state.stages]
    with db.session(db_url) as s:
        assert s.get(Deal, deal_id).stage_id == second.id
    # a pipeline with deals: nowhere to move them from here, the dialog says so
    call(state, S.add_item, "pipeline", {"name": "Other"})
    other = state.pipelines[-1]
    call(state, S.make_default, other.id)
    assert [r.is_default for r in state.pipelines] == [False, True]
    sales = state.pipelines[0]
    call(state, S.ask_delete, "pipeline", sales.id)
    assert state.delete_count == 1 and state.delete_targets == []
    call(state, S.confirm_delete, {"move_to_id": "1"})
    with db.session(db_url) as s:
        assert s.get(Pipeline, sales.id) is not None
    call(state, S.ask_delete, "pipeline", other.id)  # the default: refused by the service
    state.delete_kind, state.delete_id, state.delete_count = "pipeline", other.id, 0
    call(state, S.confirm_delete, {})
    with db.session(db_url) as s:
        assert s.get(Pipeline, other.id) is not None


def test_a_sales_rep_cannot_change_anything_even_by_calling_handlers(root, db_url):
    state = _logged_in(root, db_url, Role.SALES)
    first = state.stages[0]
    call(state, S.add_item, "pipeline", {"name": "Mine"})
    call(state, S.add_item, "stage", {"name": "Mine", "color": "#123456"})
    call(state, S.move, "stage", first.id, "down")
    call(state, S.open_edit, "stage", first.id)
    call(state, S.save_edit, {"name": "Mine", "color": "#123456", "probability": "1"})
    call(state, S.make_default, state.pipelines[0].id)
    state.delete_kind, state.delete_id, state.delete_count = "reason", state.reasons[0].id, 0
    call(state, S.confirm_delete, {})
    call(state, S.move, "stage", "not a number", "down")
    call(state, S.load)
    assert [r.name for r in state.pipelines] == ["Sales"] and state.stages[0].name == first.name
    assert state.stages[0].probability == 10 and len(state.stages) == 7 and len(state.reasons) == 5
