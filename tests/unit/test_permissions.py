"""Permissions: the stored matrix, own/team/all scopes, and a representative refused on another
representative's lead through every service that touches leads."""

from __future__ import annotations

import csv

import pytest
from sqlmodel import select

from crm_app import cli, db
from crm_app.models import EntityType, Lead, LeadResult, Role, TimelineEntry, TimelineKind, User
from crm_app.services import (
    conversion,
    duplicates,
    lead_import,
    leads,
    permissions,
    search,
    teams,
    timeline,
)
from crm_app.services.errors import NotAuthenticated, PermissionDenied, ValidationError
from crm_app.services.permissions import Action, Scope
from tests.factories import create_user


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="ada@example.com", name="Ada Admin")


@pytest.fixture
def ann(session):
    return create_user(session, email="ann@example.com", name="Ann Rep")


@pytest.fixture
def bob(session):
    return create_user(session, email="bob@example.com", name="Bob Rep")


def _lead(session, user, **data):
    data.setdefault("last_name", "Martin")
    return leads.create_lead(session=session, user=user, data=data)


@pytest.fixture
def anns_lead(session, ann):
    return _lead(session, ann, last_name="Annlead", emails="same@example.com")


def _set(session, admin, role: Role, entity: str, action: str, value: str):
    permissions.set_matrix(session, actor=admin, cells={(role.value, entity, action): value})


def _view_own(session, admin):
    _set(session, admin, Role.SALES, "lead", "view", "own")


def _unchanged(session, lead_id, version):
    session.expire_all()
    lead = session.get(Lead, lead_id)
    assert lead.version == version and lead.deleted_at is None and lead.result is None
    return lead


# --- the matrix --------------------------------------------------------------------------------


def test_defaults_are_those_of_the_issue(session, ann, admin):
    manager = create_user(session, role=Role.MANAGER)
    assert permissions.matrix(session) == permissions.default_matrix()
    for action, expected in [
        ("view", Scope.ALL),
        ("create", Scope.ALL),
        ("edit", Scope.OWN),
        ("delete", Scope.OWN),
        ("import", Scope.NONE),
        ("export", Scope.OWN),
    ]:
        assert permissions.scope(session, ann, EntityType.LEAD, action) == expected
        assert permissions.scope(session, manager, EntityType.LEAD, action) == Scope.ALL
    assert permissions.can_edit_settings(session, admin)
    assert not permissions.can_edit_settings(session, manager)
    assert not permissions.can_edit_settings(session, ann)


def test_a_change_is_stored_and_read_by_the_next_session(session, db_url, admin, ann):
    _set(session, admin, Role.SALES, "lead", "import", "own")
    with db.session(db_url) as other:
        user = other.get(User, ann.id)
        assert permissions.scope(other, user, "lead", "import") == Scope.OWN
        assert permissions.allowed(other, user, Action.IMPORT, EntityType.LEAD)


def test_only_settings_editors_change_the_matrix(session, ann, admin):
    with pytest.raises(PermissionDenied):
        permissions.set_matrix(session, actor=ann, cells={("sales", "lead", "edit"): "all"})
    with pytest.raises(NotAuthenticated):
        permissions.set_matrix(session, actor=None, cells={("sales", "lead", "edit"): "all"})
    assert permissions.scope(session, ann, "lead", "edit") == Scope.OWN


def test_a_matrix_that_locks_everyone_out_of_the_settings_is_refused(session, db_url, admin, ann):
    with pytest.raises(ValidationError) as exc:
        _set(session, admin, Role.ADMIN, "settings", "edit", "none")
    assert "change the settings" in str(exc.value.errors[""])
    with db.session(db_url) as other:
        assert permissions.can_edit_settings(other, other.get(User, admin.id))
    # giving managers the settings first makes it possible, when a manager is active
    create_user(session, role=Role.MANAGER)
    permissions.set_matrix(
        session,
        actor=admin,
        cells={("manager", "settings", "edit"): "all", ("admin", "settings", "edit"): "none"},
    )
    assert not permissions.can_edit_settings(session, admin)


def test_unknown_scopes_are_refused_and_nothing_is_stored(session, admin, ann):
    with pytest.raises(ValidationError):
        permissions.set_matrix(
            session,
            actor=admin,
            cells={("sales", "lead", "edit"): "all", ("sales", "lead", "view"): "everything"},
        )
    with pytest.raises(ValidationError):
        _set(session, admin, Role.SALES, "settings", "edit", "own")  # settings: all or none
    assert permissions.scope(session, ann, "lead", "edit") == Scope.OWN


def test_the_last_settings_editor_keeps_the_role_and_stays_active(session, admin):
    from crm_app.services import auth
    from crm_app.services.errors import Conflict

    with pytest.raises(Conflict):
        auth.change_role(session=session, actor=admin, user_id=admin.id, role=Role.MANAGER)


# --- a representative on another representative's lead ------------------------------------------


def test_edit_status_and_assign_are_refused(session, ann, bob, anns_lead):
    version = anns_lead.version
    with pytest.raises(PermissionDenied) as exc:
        leads.update_lead(session=session, user=bob, lead_id=anns_lead.id, data={"last_name": "Mine"})
    assert "belongs to another user" in str(exc.value)
    with pytest.raises(PermissionDenied):
        leads.update_lead(session=session, user=bob, lead_id=anns_lead.id, data={"responsible_id": bob.id})
    status = [s for s in leads.lead_statuses(session) if s.semantic.value == "in_progress"][1]
    with pytest.raises(PermissionDenied):
        leads.change_status(session=session, user=bob, lead_id=anns_lead.id, status_id=status.id)
    with pytest.raises(PermissionDenied) as exc:
        leads.bulk_set_status(session=session, user=bob, ids=[anns_lead.id], status_id=status.id)
    assert "Nothing was changed" in str(exc.value)
    mine = _lead(session, bob)
    with pytest.raises(PermissionDenied):  # one foreign lead in the selection: nothing moves
        leads.bulk_assign(session=session, user=bob, ids=[mine.id, anns_lead.id], responsible_id=bob.id)
    lead = _unchanged(session, anns_lead.id, version)
    assert lead.last_name == "Annlead" and lead.responsible_id == ann.id
    assert session.get(Lead, mine.id).version == 1
    # the owner may
    leads.update_lead(session=session, user=ann, lead_id=anns_lead.id, data={"last_name": "Renamed"})


def test_delete_and_restore_are_refused(session, ann, bob, anns_lead):
    with pytest.raises(PermissionDenied):
        leads.bulk_delete(session=session, user=bob, ids=[anns_lead.id])
    _unchanged(session, anns_lead.id, anns_lead.version)
    leads.bulk_delete(session=session, user=ann, ids=[anns_lead.id])
    with pytest.raises(PermissionDenied):
        leads.restore_lead(session=session, user=bob, lead_id=anns_lead.id)
    with pytest.raises(PermissionDenied):
        leads.bulk_restore(session=session, user=bob, ids=[anns_lead.id])
    session.expire_all()
    assert session.get(Lead, anns_lead.id).deleted_at is not None


def test_convert_and_junk_are_refused(session, ann, bob, anns_lead):
    with pytest.raises(PermissionDenied):
        conversion.conversion_defaults(session=session, user=bob, lead_id=anns_lead.id)
    with pytest.raises(PermissionDenied):
        conversion.convert_lead(session=session, user=bob, lead_id=anns_lead.id, contact={"last_name": "X"})
    reason = conversion.junk_reasons(session)[0]
    with pytest.raises(PermissionDenied):
        conversion.close_as_junk(session=session, user=bob, lead_id=anns_lead.id, reason_id=reason.id)
    _unchanged(session, anns_lead.id, anns_lead.version)
    conversion.close_as_junk(session=session, user=ann, lead_id=anns_lead.id, reason_id=reason.id)
    session.expire_all()
    assert session.get(Lead, anns_lead.id).result == LeadResult.JUNK


def test_merge_needs_edit_on_the_kept_lead_and_delete_on_the_others(session, ann, bob, anns_lead):
    bobs = _lead(session, bob, last_name="Boblead", emails="same@example.com")
    with pytest.raises(PermissionDenied):  # Ann's lead would go to the recycle bin
        duplicates.merge_leads(session=session, user=bob, keep_id=bobs.id, merge_ids=[anns_lead.id])
    with pytest.raises(PermissionDenied):  # Ann's lead would take Bob's values
        duplicates.merge_leads(session=session, user=bob, keep_id=anns_lead.id, merge_ids=[bobs.id])
    with pytest.raises(PermissionDenied):
        duplicates.merge_candidates(session=session, user=bob, ids=[bobs.id, anns_lead.id])
    _unchanged(session, anns_lead.id, anns_lead.version)
    _unchanged(session, bobs.id, bobs.version)


def test_commenting_needs_view(session, admin, ann, bob, anns_lead):
    # with "view all" (the default) anyone may comment
    timeline.add_comment(
        session=session, user=bob, entity_type=EntityType.LEAD, entity_id=anns_lead.id, text="Called"
    )
    _view_own(session, admin)
    with pytest.raises(PermissionDenied):
        timeline.add_comment(
            session=session, user=bob, entity_type=EntityType.LEAD, entity_id=anns_lead.id, text="Again"
        )
    with pytest.raises(PermissionDenied):
        timeline.list_entries(session=session, user=bob, entity_type=EntityType.LEAD, entity_id=anns_lead.id)
    comments = session.exec(select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.COMMENT)).all()
    assert [c.text for c in comments] == ["Called"]


def test_view_own_hides_the_lead_everywhere(session, admin, ann, bob, anns_lead, tmp_path):
    bobs = _lead(session, bob, last_name="Boblead", emails="same@example.com")
    _view_own(session, admin)
    with pytest.raises(PermissionDenied):
        leads.get_lead(session=session, user=bob, lead_id=anns_lead.id)
    page = leads.search_leads(session=session, user=bob)
    assert [r.id for r in page.rows] == [bobs.id] and page.total == 1
    text = leads.search_leads(session=session, user=bob, filters=leads.LeadFilters(text="lead"))
    assert [r.id for r in text.rows] == [bobs.id]
    assert [x.id for x in leads.leads_after(session=session, user=bob)] == [bobs.id]
    hits = search.global_search(session=session, user=bob, text="lead")
    assert [(h.entity_type, h.id) for h in hits] == [("lead", bobs.id)]
    # the duplicates page: the pair shares an e-mail, but Bob sees one lead of it: no group
    groups, total = duplicates.duplicate_groups(session=session, user=bob)
    assert (groups, total) == ([], 0)
    groups, total = duplicates.duplicate_groups(session=session, user=admin)
    assert total == 1 and sorted(groups[0].lead_ids) == sorted([anns_lead.id, bobs.id])
    # the admin still sees both
    assert leads.search_leads(session=session, user=admin).total == 2


def test_export_contains_only_what_export_scope_allows(session, admin, ann, bob, anns_lead, tmp_path):
    bobs = _lead(session, bob, last_name="Boblead")
    path = tmp_path / "out.csv"
    assert lead_import.export_leads(session=session, user=bob, path=path) == 1  # export: own
    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [r["Last name"] for r in rows] == [bobs.last_name]
    assert lead_import.export_leads(session=session, user=admin, path=path) == 2
    _set(session, admin, Role.SALES, "lead", "export", "none")
    with pytest.raises(PermissionDenied):
        lead_import.export_leads(session=session, user=bob, path=path)


def test_import_needs_import_rights(session, admin, bob, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("Last name\nDupont\n", encoding="utf-8")
    with pytest.raises(PermissionDenied):
        lead_import.run_import(session=session, user=bob, path=path, on_duplicate="skip")
    with pytest.raises(PermissionDenied):
        lead_import.create_job(session=session, user=bob, filename="in.csv", on_duplicate="skip")
    assert session.exec(select(Lead)).all() == []


def test_create_none_refuses_new_leads(session, admin, bob):
    _set(session, admin, Role.SALES, "lead", "create", "none")
    with pytest.raises(PermissionDenied):
        _lead(session, bob)


# --- team scope ------------------------------------------------------------------------------------


def test_team_scope_covers_the_records_of_team_members(session, admin, ann, bob, anns_lead):
    carl = create_user(session, email="carl@example.com")
    north = teams.add_team(session=session, user=admin, name="North")
    teams.set_user_team(session=session, user=admin, user_id=ann.id, team_id=north.id)
    teams.set_user_team(session=session, user=admin, user_id=bob.id, team_id=north.id)
    permissions.set_matrix(
        session,
        actor=admin,
        cells={("sales", "lead", "edit"): "team", ("sales", "lead", "view"): "team"},
    )
    carls = _lead(session, carl, last_name="Carllead")
    session.refresh(bob)
    assert permissions.can(session, bob, Action.EDIT, anns_lead)
    assert not permissions.can(session, bob, Action.EDIT, carls)
    leads.update_lead(session=session, user=bob, lead_id=anns_lead.id, data={"title": "Shared"})
    with pytest.raises(PermissionDenied):
        leads.update_lead(session=session, user=bob, lead_id=carls.id, data={"title": "Not mine"})
    assert [r.id for r in leads.search_leads(session=session, user=bob).rows] == [anns_lead.id]
    session.refresh(carl)
    assert [r.id for r in leads.search_leads(session=session, user=carl).rows] == [carls.id]


def test_teams_are_added_renamed_and_deleted(session, admin, ann):
    team = teams.add_team(session=session, user=admin, name="South")
    with pytest.raises(ValidationError):
        teams.add_team(session=session, user=admin, name="south")
    with pytest.raises(PermissionDenied):
        teams.add_team(session=session, user=ann, name="Mine")
    teams.rename_team(session=session, user=admin, team_id=team.id, name="South-West")
    teams.set_user_team(session=session, user=admin, user_id=ann.id, team_id=team.id)
    assert [(t.name, t.members) for t in teams.list_teams(session=session, user=ann)] == [("South-West", 1)]
    with pytest.raises(ValidationError):  # has a member
        teams.delete_team(session=session, user=admin, team_id=team.id)
    teams.delete_team(session=session, user=admin, team_id=team.id, move_members=True)
    session.expire_all()
    assert session.get(User, ann.id).team_id is None
    assert teams.list_teams(session=session, user=admin) == []


# --- the crm command ---------------------------------------------------------------------------


def test_cli_acts_as_the_user_given_with_their_rights(session, admin, ann, bob, anns_lead, tmp_path, capsys):
    reason = conversion.junk_reasons(session)[0]
    code = cli.main(
        ["--as", "bob@example.com", "lead", "junk", str(anns_lead.id), "--reason", str(reason.id)]
    )
    _out, err = capsys.readouterr()
    assert code == 1 and "belongs to another user" in err
    _unchanged(session, anns_lead.id, anns_lead.version)
    _lead(session, bob, last_name="Boblead")
    out = tmp_path / "bob.csv"
    assert cli.main(["--as", "bob@example.com", "export", "leads", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").count("\n") == 2  # header + Bob's lead
    # default: the first administrator, who sees everything
    assert cli.main(["export", "leads", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").count("\n") == 3
    code = cli.main(
        ["--as", "bob@example.com", "lead", "junk", str(anns_lead.id), "--reason", str(reason.id)]
    )
    assert code == 1
    assert (
        cli.main(["--as", "ann@example.com", "lead", "junk", str(anns_lead.id), "--reason", str(reason.id)])
        == 0
    )


def test_who_sees_which_import_jobs(session, admin):
    manager = create_user(session, role=Role.MANAGER, email="max@example.com")
    rep = create_user(session, role=Role.SALES, email="rita@example.com")
    assert permissions.sees_every_import(session, admin) and permissions.sees_every_import(session, manager)
    assert not permissions.sees_every_import(session, rep)
    assert permissions.may_see_import(session, rep, rep.id)
    assert not permissions.may_see_import(session, rep, manager.id)
    assert permissions.may_see_import(session, manager, rep.id)
