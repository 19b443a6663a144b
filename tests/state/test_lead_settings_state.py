"""Settings -> Leads through LeadSettingsState: loading, the add forms, edit and delete dialogs."""

from __future__ import annotations

from crm_app import db
from crm_app.models import Lead, Role, Source, Stage
from crm_app.services import auth, leads, phones
from crm_app.state.lead_settings import LeadSettingsState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, open_page, sign_in, substate


def _logged_in(root, db_url, role: Role = Role.ADMIN) -> LeadSettingsState:
    with db.session(db_url) as s:
        user = create_user(s, role=role)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, LeadSettingsState)
    sign_in(state, token)
    call(state, SessionState.check_login)
    call(state, LeadSettingsState.load)
    return state


def _status(state, name: str):
    return next(r for r in state.statuses if r.name == name)


def test_it_loads_every_list(root, db_url):
    state = _logged_in(root, db_url, Role.SALES)
    assert state.loaded
    assert [r.name for r in state.statuses][:1] == ["New"]
    assert len(state.sources) == 9 and len(state.reasons) == 5
    assert state.region == phones.DEFAULT_REGION
    assert ["FR", "France (+33)"] in state.regions


def test_without_a_session_nothing_loads(root, db_url):
    with db.session(db_url) as s:
        create_user(s)
    state = substate(root, LeadSettingsState)
    open_page(state, "/settings/leads")
    spec = call(state, LeadSettingsState.load)
    assert "/login?next=%2Fsettings%2Fleads" in str(spec)  # to log in, then back to this page
    assert not state.loaded and state.statuses == []


def test_the_add_form_shows_errors_then_adds_and_empties(root, db_url):
    state = _logged_in(root, db_url)
    key = state.status_key
    call(
        state,
        LeadSettingsState.add_item,
        "status",
        {"name": "new", "color": "blue", "semantic": "in_progress"},
    )
    assert set(state.status_errors) == {"name", "color"}
    assert state.status_key == key  # the form keeps what was typed
    call(
        state,
        LeadSettingsState.add_item,
        "status",
        {"name": "Called", "color": "#123456", "semantic": "failure"},
    )
    assert state.status_errors == {} and state.status_key == key + 1
    assert [r.name for r in state.statuses][-2:] == ["Junk", "Called"]
    call(state, LeadSettingsState.add_item, "source", {"name": "Fair"})
    assert state.sources[-1].name == "Fair" and state.sources[-1].code == "fair"
    call(state, LeadSettingsState.add_item, "reason", {"name": ""})
    assert "name" in state.reason_errors


def test_edit_dialog_renames_with_the_version_it_opened(root, db_url):
    state = _logged_in(root, db_url)
    row = _status(state, "Processed")
    call(state, LeadSettingsState.open_edit, "status", row.id)
    assert state.edit_open and state.edit_name == "Processed" and state.edit_version == row.version
    call(state, LeadSettingsState.save_edit, {"name": "Qualified", "color": "#00aa00"})
    assert not state.edit_open
    assert _status(state, "Qualified").color == "#00aa00"
    # someone else saves in between: this dialog is refused and nothing is overwritten
    row = _status(state, "Qualified")
    call(state, LeadSettingsState.open_edit, "status", row.id)
    with db.session(db_url) as s:
        stage = s.get(Stage, row.id)
        stage.name = "Theirs"
        s.add(stage)
        s.commit()
    call(state, LeadSettingsState.save_edit, {"name": "Mine", "color": "#00aa00"})
    assert _status(state, "Theirs")
    with db.session(db_url) as s:
        assert s.get(Stage, row.id).name == "Theirs"


def test_it_moves_statuses_and_sources(root, db_url):
    state = _logged_in(root, db_url)
    call(state, LeadSettingsState.move, "status", _status(state, "Processed").id, "up")
    assert [r.name for r in state.statuses][:3] == ["New", "Processed", "In progress"]
    first = state.sources[0]
    call(state, LeadSettingsState.move, "source", first.id, "down")
    assert state.sources[1].id == first.id
    call(state, LeadSettingsState.set_source_active, first.id, False)
    assert not state.sources[1].is_active


def test_delete_dialog_asks_where_the_leads_go(root, db_url):
    state = _logged_in(root, db_url)
    processed = _status(state, "Processed").id
    with db.session(db_url) as s:
        user = create_user(s, role=Role.SALES)
        ids = [leads.create_lead(session=s, user=user, data={"last_name": f"L{i}", "status_id": processed}).id
               for i in range(2)]  # fmt: skip
    call(state, LeadSettingsState.ask_delete, "status", processed)
    assert state.delete_open and state.delete_count == 2 and state.delete_name == "Processed"
    # only the other statuses in progress are offered
    assert [name for _, name in state.delete_targets] == ["New", "In progress"]
    call(state, LeadSettingsState.confirm_delete, {"move_to_id": ""})
    assert "move_to_id" in state.delete_errors and state.delete_open
    new = _status(state, "New").id
    call(state, LeadSettingsState.confirm_delete, {"move_to_id": str(new)})
    assert not state.delete_open
    assert "Processed" not in [r.name for r in state.statuses]
    with db.session(db_url) as s:
        assert {s.get(Lead, i).status_id for i in ids} == {new}


def test_a_lead_added_meanwhile_keeps_the_dialog_open(root, db_url):
    state = _logged_in(root, db_url)
    call(state, LeadSettingsState.add_item, "source", {"name": "Fair"})
    fair = state.sources[-1]
    call(state, LeadSettingsState.ask_delete, "source", fair.id)
    assert state.delete_count == 0
    with db.session(db_url) as s:
        user = create_user(s)
        leads.create_lead(session=s, user=user, data={"last_name": "Late", "source_id": fair.id})
    call(state, LeadSettingsState.confirm_delete, {})
    assert state.delete_open and state.delete_count == 1
    assert "1" in state.delete_errors["move_to_id"]
    with db.session(db_url) as s:
        assert s.get(Source, fair.id) is not None


def test_phone_region_is_saved_by_administrators_only(root, db_url):
    state = _logged_in(root, db_url)
    call(state, LeadSettingsState.save_region, {"phone_region": "XX"})
    assert "phone_region" in state.region_errors
    call(state, LeadSettingsState.save_region, {"phone_region": "BE"})
    assert state.region == "BE" and state.region_errors == {}
    with db.session(db_url) as s:
        assert phones.get_region(session=s) == "BE"


def test_a_sales_rep_cannot_change_anything_even_by_calling_handlers(root, db_url):
    state = _logged_in(root, db_url, Role.SALES)
    new = _status(state, "New")
    call(state, LeadSettingsState.add_item, "status", {"name": "Mine", "color": "#123456"})
    call(state, LeadSettingsState.move, "status", new.id, "down")
    call(state, LeadSettingsState.open_edit, "status", new.id)
    call(state, LeadSettingsState.save_edit, {"name": "Mine", "color": "#123456"})
    call(state, LeadSettingsState.ask_delete, "reason", state.reasons[0].id)
    state.delete_kind, state.delete_id, state.delete_count = "reason", state.reasons[0].id, 0
    call(state, LeadSettingsState.confirm_delete, {})
    call(state, LeadSettingsState.set_source_active, state.sources[0].id, False)
    call(state, LeadSettingsState.save_region, {"phone_region": "US"})
    call(state, LeadSettingsState.load)
    assert [r.name for r in state.statuses] == ["New", "In progress", "Processed", "Converted", "Junk"]
    assert len(state.reasons) == 5 and all(r.is_active for r in state.sources)
    assert state.region == phones.DEFAULT_REGION
