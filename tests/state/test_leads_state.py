"""The leads list, form and card states: one page in state, server-side checks, field errors."""

from sqlmodel import select

from crm_app import db
from crm_app.models import Lead, Role, TimelineEntry
from crm_app.services import auth, leads
from crm_app.state.lead_card import LeadCardState
from crm_app.state.lead_form import LeadFormState
from crm_app.state.leads import LeadsState
from crm_app.state.session import SessionState
from crm_app.state.timeline import TimelineState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate


def _login(root, db_url, cls, role=Role.SALES):
    with db.session(db_url) as s:
        user = create_user(s, role=role)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, cls)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state, user


def _make(db_url, user, n):
    with db.session(db_url) as s:
        return [
            leads.create_lead(session=s, user=user, data={"last_name": f"Lead {i:03d}"}).id for i in range(n)
        ]


def test_list_keeps_one_page_and_pages_in_sql(root, db_url):
    state, user = _login(root, db_url, LeadsState)
    _make(db_url, user, 45)
    call(state, LeadsState.load)
    assert len(state.rows) == 20 and state.total == 45
    assert state.page_label == "1–20 of 45"
    call(state, LeadsState.next_page)
    call(state, LeadsState.next_page)
    assert len(state.rows) == 5 and state.page == 2
    call(state, LeadsState.set_page_size, "100")
    assert len(state.rows) == 45
    call(state, LeadsState.set_page_size, "100000")  # not an offered size
    assert state.page_size == 20


def test_list_search_sort_and_bulk(root, db_url):
    state, user = _login(root, db_url, LeadsState)
    ids = _make(db_url, user, 3)
    call(state, LeadsState.load)
    call(state, LeadsState.run_search, {"search": "lead 001"})
    assert [r.id for r in state.rows] == [ids[1]]
    call(state, LeadsState.run_search, {"search": ""})
    call(state, LeadsState.sort_by, "last_name")
    assert [r.name for r in state.rows] == ["Lead 000", "Lead 001", "Lead 002"]
    call(state, LeadsState.sort_by, "last_name")
    assert state.rows[0].name == "Lead 002"
    call(state, LeadsState.sort_by, "password_hash")  # not a column: ignored
    assert state.sort == "last_name"
    call(state, LeadsState.toggle_all, True)
    call(state, LeadsState.bulk_delete)
    assert state.rows == [] and state.selected == []


def test_list_refuses_a_forged_session(root, db_url):
    with db.session(db_url) as s:
        user = create_user(s)
    _make(db_url, user, 2)
    state = substate(root, LeadsState)
    sign_in(state, "forged")
    state.selected = [1, 2]
    call(state, LeadsState.bulk_delete)
    call(state, LeadsState.load)
    assert state.rows == []
    with db.session(db_url) as s:
        assert all(lead.deleted_at is None for lead in s.exec(select(Lead)).all())


def test_form_shows_field_errors_then_duplicates_then_saves(root, db_url):
    form, user = _login(root, db_url, LeadFormState)
    with db.session(db_url) as s:
        leads.create_lead(session=s, user=user, data={"last_name": "Old", "emails": "dup@example.com"})
    call(form, LeadFormState.load)
    assert form.ready and form.values["responsible_id"] == str(user.id)
    call(form, LeadFormState.submit, {"last_name": "", "emails": "bad"})
    assert set(form.errors) >= {"last_name", "emails"}
    call(form, LeadFormState.submit, {"last_name": "New", "emails": "DUP@example.com"})
    assert [m.title for m in form.matches] == ["Old"]
    result = call(form, LeadFormState.submit, {"last_name": "New", "emails": "DUP@example.com"})
    assert form.matches == [] and "/leads/" in str(result)
    with db.session(db_url) as s:
        assert len(s.exec(select(Lead)).all()) == 2
        created = s.exec(select(TimelineEntry).order_by(TimelineEntry.id.desc())).first()
        assert created.payload["origin"] == "form"
        assert created.payload["duplicates"][0]["title"] == "Old"  # saved anyway, still flagged


def test_card_loads_edits_and_refuses_stale_saves(root, db_url):
    card, user = _login(root, db_url, LeadCardState)
    [lead_id] = _make(db_url, user, 1)
    card.lead_id = lead_id
    with db.session(db_url) as s:
        card._fill(s, leads.get_lead(session=s, user=user, lead_id=lead_id))
    assert card.heading == "Lead 000" and card.loaded
    call(card, LeadCardState.save, {"first_name": "Zed"})
    assert card.heading == "Zed Lead 000" and not card.editing
    version = card.version
    with db.session(db_url) as s:
        leads.update_lead(session=s, user=user, lead_id=lead_id, data={"position": "Boss"})
    card.version = version
    call(card, LeadCardState.save, {"first_name": "Again"})
    assert card.stale and "Someone else changed" in card.errors[""]
    with db.session(db_url) as s:
        assert s.get(Lead, lead_id).first_name == "Zed"


def test_timeline_comments_are_checked(root, db_url):
    tl, user = _login(root, db_url, TimelineState)
    [lead_id] = _make(db_url, user, 1)
    call(tl, TimelineState.load_for, "lead", lead_id)
    assert [i.title for i in tl.items] == ["Created from the form"]
    call(tl, TimelineState.add_comment, {"comment": "   "})
    assert tl.comment_error == "Write a comment first."
    call(tl, TimelineState.add_comment, {"comment": "<i>hello</i>"})
    assert tl.items[0].detail == "<i>hello</i>" and tl.items[0].is_comment
    call(tl, TimelineState.load_for, "not-a-type", lead_id)  # refused quietly
    assert tl.entity_type == "lead"


def test_a_search_with_nothing_to_search_says_so(root, db_url):
    state, user = _login(root, db_url, LeadsState)
    _make(db_url, user, 2)
    call(state, LeadsState.load)
    call(state, LeadsState.run_search, {"search": "%"})
    assert state.search_too_short and state.rows == []
    call(state, LeadsState.run_search, {"search": "lead"})
    assert not state.search_too_short and len(state.rows) == 2
    call(state, LeadsState.run_search, {"search": "l"})
    assert state.search_too_short
    call(state, LeadsState.reset_filters)
    assert not state.search_too_short and len(state.rows) == 2
