"""States and permissions: a representative calling handlers with another representative's lead
gets a clear message and nothing changes; the card and the list hide what they may not do;
Settings -> Permissions and the teams list."""

from __future__ import annotations

from sqlmodel import select

from crm_app import db
from crm_app.models import Lead, Role, Team, TimelineEntry, TimelineKind, User
from crm_app.services import auth, conversion, formatting, leads, permissions
from crm_app.state.duplicates import DuplicatesState, MergeState
from crm_app.state.finalise import FinaliseState
from crm_app.state.lead_card import LeadCardState
from crm_app.state.leads import LeadsState
from crm_app.state.permissions import PermissionsState
from crm_app.state.session import SessionState
from crm_app.state.timeline import TimelineState
from crm_app.state.users import UsersState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate

MESSAGE = "You may not change this lead: it belongs to another user."


def _people(db_url):
    """Ann owns a lead; Bob, another representative, is logged in."""
    with db.session(db_url) as s:
        admin = create_user(s, role=Role.ADMIN, email="ada@example.com")
        ann = create_user(s, email="ann@example.com")
        bob = create_user(s, email="bob@example.com")
        lead = leads.create_lead(session=s, user=ann, data={"last_name": "Annlead", "emails": "x@acme.io"})
        bobs = leads.create_lead(session=s, user=bob, data={"last_name": "Boblead", "emails": "x@acme.io"})
        _, token = auth.login(session=s, email=bob.email, password=PASSWORD)
        return admin.id, lead.id, bobs.id, token


def _as(root, cls, token):
    state = substate(root, cls)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state


def _toast(result) -> str:
    return str(result)


def _lead(db_url, lead_id) -> Lead:
    with db.session(db_url) as s:
        return s.get(Lead, lead_id)


def test_the_card_hides_and_refuses_edits_of_another_reps_lead(root, db_url):
    _admin, lead_id, bobs_id, token = _people(db_url)
    card = _as(root, LeadCardState, token)
    card.lead_id = lead_id
    with db.session(db_url) as s:
        card._reload(s)
    assert card.loaded and not card.can_edit and not card.can_delete
    assert MESSAGE in _toast(call(card, LeadCardState.start_edit)) and not card.editing
    result = call(card, LeadCardState.save, {"last_name": "Mine"})
    assert MESSAGE in _toast(result)
    status = next(st for st in card.stages if not st.final and not st.current)
    assert MESSAGE in _toast(call(card, LeadCardState.move_to, status.id))
    again = _lead(db_url, lead_id)
    assert again.last_name == "Annlead" and again.version == 1
    # Bob's own lead: everything allowed
    card.lead_id = bobs_id
    with db.session(db_url) as s:
        card._reload(s)
    assert card.can_edit and card.can_delete


def test_bulk_actions_on_a_selection_with_another_reps_lead_change_nothing(root, db_url):
    _admin, lead_id, bobs_id, token = _people(db_url)
    page = _as(root, LeadsState, token)
    call(page, LeadsState.load)
    assert not page.can_import and page.can_create
    # only Bob's own row can be selected; "select all" takes only those
    assert {r.id: r.editable for r in page.rows} == {lead_id: False, bobs_id: True}
    call(page, LeadsState.toggle_all, True)
    assert page.selected == [bobs_id] and page.all_selected
    open_status = page.open_status_options[1].value
    for handler, arg in (
        (LeadsState.bulk_assign, str(page.user_id)),
        (LeadsState.bulk_status, open_status),
        (LeadsState.bulk_delete, None),
    ):
        page.selected = [lead_id, bobs_id]
        result = call(page, handler) if arg is None else call(page, handler, arg)
        assert "1 of the selected leads belongs to another user" in _toast(
            result
        ) or "only your own" in _toast(result), handler
    for i in (lead_id, bobs_id):
        row = _lead(db_url, i)
        assert row.version == 1 and row.deleted_at is None


def test_finalise_and_merge_handlers_refuse_another_reps_lead(root, db_url):
    _admin, lead_id, bobs_id, token = _people(db_url)
    dialog = _as(root, FinaliseState, token)
    assert MESSAGE in _toast(call(dialog, FinaliseState.open_for, lead_id)) and not dialog.dialog_open
    dialog.lead_id = lead_id
    with db.session(db_url) as s:
        reason = conversion.junk_reasons(s)[0]
    assert MESSAGE in _toast(call(dialog, FinaliseState.close_junk, {"reason_id": str(reason.id)}))
    assert _lead(db_url, lead_id).result is None

    merge = _as(root, MergeState, token)
    merge._open(f"{bobs_id},{lead_id}")
    assert "delete" in merge.problem
    merge._open(f"{lead_id},{bobs_id}")
    assert "lead to keep" in merge.problem
    assert _lead(db_url, lead_id).deleted_at is None and _lead(db_url, bobs_id).deleted_at is None


def test_comments_and_the_duplicates_page_follow_view_own(root, db_url):
    admin_id, lead_id, bobs_id, token = _people(db_url)
    with db.session(db_url) as s:
        permissions.set_matrix(s, actor=s.get(User, admin_id), cells={("sales", "lead", "view"): "own"})
    tl = _as(root, TimelineState, token)
    tl.entity_type, tl.entity_id = "lead", lead_id
    assert "You may not see this record." in _toast(call(tl, TimelineState.add_comment, {"comment": "Hi"}))
    with db.session(db_url) as s:
        kinds = s.exec(select(TimelineEntry.kind).where(TimelineEntry.entity_id == lead_id)).all()
    assert TimelineKind.COMMENT not in kinds
    groups = _as(root, DuplicatesState, token)
    call(groups, DuplicatesState.load)
    assert groups.groups == []  # the pair shares an e-mail, but Bob sees only his lead
    page = _as(root, LeadsState, token)
    call(page, LeadsState.load)
    assert [r.id for r in page.rows] == [bobs_id] and page.total == 1


def _admin_state(root, db_url, cls):
    with db.session(db_url) as s:
        create_user(s, role=Role.ADMIN, email="boss@example.com")
        _, token = auth.login(session=s, email="boss@example.com", password=PASSWORD)
    return _as(root, cls, token)


def test_permissions_page_saves_a_cell_and_refuses_a_lock_out(root, db_url):
    page = _admin_state(root, db_url, PermissionsState)
    call(page, PermissionsState.load)
    assert page.allowed and [b.role for b in page.blocks] == ["admin", "manager", "sales"]
    sales = page.blocks[2]
    lead_row = sales.rows[0]
    edit = next(c for c in lead_row.cells if c.key == "sales.lead.edit")
    assert edit.value == "own" and [o.value for o in edit.options] == ["none", "own", "team", "all"]
    assert "Saved" in _toast(call(page, PermissionsState.set_cell, "sales.lead.edit", "team"))
    with db.session(db_url) as s:
        rep = create_user(s, email="rep@example.com")
        assert permissions.scope(s, rep, "lead", "edit") == "team"
    result = call(page, PermissionsState.set_cell, "admin.settings.edit", "none")
    assert "right to change the settings" in _toast(result)
    settings = next(c for r in page.blocks[0].rows for c in r.cells if c.key == "admin.settings.edit")
    assert settings.value == "all"


def test_permissions_page_is_for_settings_editors_only(root, db_url):
    _admin, _lead_id, _bobs, token = _people(db_url)
    page = _as(root, PermissionsState, token)
    result = call(page, PermissionsState.load)
    assert not page.allowed and page.blocks == [] and "settings" in _toast(result)
    assert "settings" in _toast(call(page, PermissionsState.set_cell, "sales.lead.edit", "all"))


def test_users_page_teams(root, db_url):
    page = _admin_state(root, db_url, UsersState)
    call(page, UsersState.load)
    call(page, UsersState.add_team, {"name": "North"})
    assert [t.name for t in page.teams] == ["North"]
    team_id = page.teams[0].id
    me = next(r for r in page.rows if r.email == "boss@example.com")
    with db.session(db_url) as s:  # the last login in the one date format (issue 8)
        assert me.last_login == formatting.when(s.get(User, me.id).last_login_at, "en") != ""
    call(page, UsersState.set_team, me.id, str(team_id))
    assert next(r for r in page.rows if r.id == me.id).team_id == str(team_id)
    assert page.teams[0].members == 1
    call(page, UsersState.rename_team, team_id, "North-East")
    assert page.teams[0].name == "North-East"
    call(page, UsersState.add_team, {"name": "north-east"})
    assert page.team_errors and len(page.teams) == 1
    call(page, UsersState.delete_team, team_id)
    assert page.teams == []
    with db.session(db_url) as s:
        assert s.exec(select(Team)).all() == []
        assert s.get(User, me.id).team_id is None


def test_delete_is_not_offered_for_a_lead_the_rep_may_edit_but_not_delete(root, db_url):
    """Issue 8: a representative was offered Delete for another's lead, then refused."""
    admin_id, lead_id, bobs_id, token = _people(db_url)
    with db.session(db_url) as s:  # representatives may edit every lead, delete only their own
        permissions.set_matrix(s, actor=s.get(User, admin_id), cells={("sales", "lead", "edit"): "all"})
    page = _as(root, LeadsState, token)
    call(page, LeadsState.load)
    assert {r.id: r.editable for r in page.rows} == {lead_id: True, bobs_id: True}
    assert page.deletable_ids == [bobs_id]
    call(page, LeadsState.toggle_all, True)
    assert set(page.selected) == {lead_id, bobs_id} and not page.can_delete_selection
    page.selected = [bobs_id]
    assert page.can_delete_selection
    page.selected = []
    assert not page.can_delete_selection
