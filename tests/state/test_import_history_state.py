"""Leads -> Import history through the state: one page of imports, the undo dialog, the undo."""

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from crm_app import db
from crm_app.models import Lead, Role, User
from crm_app.services import auth, lead_import, leads
from crm_app.state.import_history import ImportHistoryState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate

CSV = "First name,Last name,E-mail\nAnn,Alpha,ann@example.com\nBob,Beta,bob@example.com\n"


@pytest.fixture
def job_id(db_url, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    with db.session(db_url) as s:
        admin = create_user(s, role=Role.ADMIN, email="ann@example.com", name="Ann Admin")
        summary = lead_import.run_import(session=s, user=admin, path=path)
        return summary.job_id


@pytest.fixture
def state(root, db_url, job_id):
    with db.session(db_url) as s:
        _user, token = auth.login(session=s, email="ann@example.com", password=PASSWORD)
    page = substate(root, ImportHistoryState)
    sign_in(page, token)
    return page


def live_leads(db_url) -> int:
    with db.session(db_url) as s:
        return s.exec(select(func.count()).select_from(Lead).where(col(Lead.deleted_at).is_(None))).one()


def test_it_loads_one_page_of_imports(state, job_id):
    call(state, ImportHistoryState.load)
    [row] = state.rows
    assert (row.id, row.file, row.who, row.created, row.status, row.can_undo) == (
        job_id, "people.csv", "Ann Admin", "2", "done", True,
    )  # fmt: skip
    assert state.total == 1 and state.loaded


def test_the_dialog_previews_then_undoes(state, job_id, db_url):
    call(state, ImportHistoryState.load)
    with db.session(db_url) as s:
        bob = s.exec(select(Lead).where(Lead.last_name == "Beta")).one()
        admin = s.exec(select(User)).one()
        leads.update_lead(session=s, user=admin, lead_id=bob.id or 0, data={"title": "Call back"})
    call(state, ImportHistoryState.open_undo, job_id)
    assert state.undo_open and (state.to_delete, state.changed_count) == (1, 1)
    assert [(link.name, link.url) for link in state.changed] == [("Bob Beta", f"/leads/{bob.id}")]
    call(state, ImportHistoryState.confirm_undo)
    assert not state.undo_open and live_leads(db_url) == 1
    assert "1 lead moved to the recycle bin" in state.result_message
    assert (state.rows[0].status, state.rows[0].can_undo) == ("undone", False)
    # a second try (another tab still showing the button) says why not
    events = call(state, ImportHistoryState.open_undo, job_id)
    assert not state.undo_open and "already undone" in str(events)
