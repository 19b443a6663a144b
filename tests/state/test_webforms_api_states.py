"""Web forms settings, the public form page and API keys, through their state classes."""

import pytest
from reflex.istate.data import RouterData
from sqlmodel import select

from crm_app import db
from crm_app.models import ApiKey, Lead, Role, WebForm
from crm_app.services import api_keys, auth, formatting, web_forms
from crm_app.state.api_keys import ApiKeysState
from crm_app.state.web_forms import PublicFormState, WebFormsState, iframe_snippet
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate

FORM = {
    "name": "Contact us",
    "slug": "",
    "thank_you_text": "",
    "source_id": "",
    "responsible_id": "",
    "is_active": "on",
    "field_first_name": "required",
    "field_email": "optional",
    "field_position": "off",
}


def logged_in(root, db_url, cls, role=Role.ADMIN, email="ada@example.com"):
    with db.session(db_url) as s:
        create_user(s, role=role, email=email)
        _, token = auth.login(session=s, email=email, password=PASSWORD)
    state = substate(root, cls)
    sign_in(state, token)
    return state


def visit(root, slug: str, ip: str = "203.0.113.5", lang: str = "fr-FR,fr;q=0.9"):
    root.router = RouterData.from_router_data(
        {"query": {"slug": slug}, "ip": ip, "headers": {"accept-language": lang}}
    )
    return substate(root, PublicFormState)


def test_an_admin_creates_a_form_from_the_dialog(root, db_url):
    state = logged_in(root, db_url, WebFormsState)
    call(state, WebFormsState.open_create)
    assert state.dialog_open and state.edit_source  # the "Web form" source is preselected
    assert [f.mode for f in state.edit_fields if f.name == "email"] == ["required"]
    call(state, WebFormsState.save, {**FORM, "source_id": state.edit_source})
    assert state.errors == {} and not state.dialog_open
    [row] = state.rows
    assert (row.slug, row.is_active, row.source) == ("contact-us", True, "Web form")
    assert row.fields_text == "First name*, E-mail"
    with db.session(db_url) as s:
        form = s.exec(select(WebForm)).one()
        assert form.fields == [{"name": "first_name", "required": True}, {"name": "email", "required": False}]


def test_the_dialog_shows_field_errors(root, db_url):
    state = logged_in(root, db_url, WebFormsState)
    call(state, WebFormsState.open_create)
    call(state, WebFormsState.save, {**FORM, "name": "", "slug": "Bad Slug", "field_first_name": "off"})
    assert set(state.errors) == {"name", "slug", "fields"}
    assert state.dialog_open


def test_an_edit_keeps_the_version_check(root, db_url):
    state = logged_in(root, db_url, WebFormsState)
    call(state, WebFormsState.open_create)
    call(state, WebFormsState.save, FORM)
    call(state, WebFormsState.open_edit, state.rows[0].id)
    assert state.edit_slug == "contact-us"
    assert state.edit_snippet == iframe_snippet(state.edit_url, "Contact us")
    with db.session(db_url) as s:  # someone else saves in between
        form = s.exec(select(WebForm)).one()
        form.name = "Changed elsewhere"
        s.add(form)
        s.commit()
    spec = call(state, WebFormsState.save, {**FORM, "name": "Mine"})
    assert "Someone else changed" in str(spec)


def test_sales_users_see_that_forms_are_not_for_them(root, db_url):
    state = logged_in(root, db_url, WebFormsState, role=Role.SALES)
    call(state, WebFormsState.load)
    assert state.forbidden and state.rows == []
    call(state, WebFormsState.save, FORM)
    with db.session(db_url) as s:
        assert s.exec(select(WebForm)).first() is None


def test_handlers_check_the_session(root, db_url):
    state = substate(root, WebFormsState)
    call(state, WebFormsState.save, FORM)
    call(state, WebFormsState.set_active, 1, False)
    keys = substate(root, ApiKeysState)
    call(keys, ApiKeysState.create_key, {"name": "x"})
    assert keys.new_key == ""
    with db.session(db_url) as s:
        assert s.exec(select(WebForm)).first() is None and s.exec(select(ApiKey)).first() is None


@pytest.fixture
def contact_form(db_url):
    with db.session(db_url) as s:
        admin = create_user(s, role=Role.ADMIN, email="owner@example.com")
        web_forms.create_web_form(
            session=s, user=admin, data={"name": "Contact us", "fields": web_forms.DEFAULT_FIELDS}
        )


def test_a_visitor_sends_the_public_form(root, db_url, contact_form):
    page = visit(root, "contact-us")
    call(page, PublicFormState.load)
    assert page.status == "ready" and page.form_title == "Contact us"
    assert [f.label for f in page.fields][:2] == ["Prénom", "Nom"]  # the browser's language
    call(page, PublicFormState.submit, {"first_name": "", "email": ""})
    assert set(page.errors) == {"first_name", "email"}
    call(page, PublicFormState.submit, {"first_name": "Ann", "email": "ann@example.com", "status_id": "1"})
    assert page.status == "done"
    assert page.thank_you.startswith("Merci")  # the default text, translated
    with db.session(db_url) as s:
        assert s.exec(select(Lead.first_name)).all() == ["Ann"]


def test_the_public_form_slows_a_flood_down(root, db_url, contact_form):
    page = visit(root, "contact-us", lang="en")
    call(page, PublicFormState.load)
    for i in range(web_forms.RATE_LIMIT):
        call(page, PublicFormState.submit, {"first_name": "Bot", "email": f"b{i}@example.com"})
    call(page, PublicFormState.submit, {"first_name": "Bot", "email": "more@example.com"})
    assert page.errors == {"": "Too many submissions, try again in 10 minutes."}


def test_an_unknown_form_is_not_available(root, db_url, contact_form):
    page = visit(root, "nope")
    call(page, PublicFormState.load)
    assert page.status == "missing" and page.fields == []


def test_a_new_key_is_shown_once(root, db_url):
    state = logged_in(root, db_url, ApiKeysState, role=Role.SALES)
    call(state, ApiKeysState.open_dialog)
    call(state, ApiKeysState.create_key, {"name": ""})
    assert state.errors == {"name": "Name is required."} and state.new_key == ""
    call(state, ApiKeysState.create_key, {"name": "Zapier"})
    raw = state.new_key
    assert raw.startswith("crm_") and [r.name for r in state.rows] == ["Zapier"]
    # dates as everywhere else (issue 8): "1 Dec 2026, 18:50", not "2026-12-01 18:50"
    with db.session(db_url) as s:
        created = s.exec(select(ApiKey)).one().created_at
    assert state.rows[0].created == formatting.when(created, "en") and "-" not in state.rows[0].created
    call(state, ApiKeysState.set_dialog_open, False)
    assert state.new_key == ""
    with db.session(db_url) as s:
        assert api_keys.resolve_api_key(session=s, raw=raw) is not None


def test_users_revoke_only_their_own_keys(root, db_url):
    with db.session(db_url) as s:
        create_user(s, email="other@example.com")
        other_key, other_raw = api_keys.create_api_key(
            session=s, actor=None, user_email="other@example.com", name="Theirs"
        )
    state = logged_in(root, db_url, ApiKeysState, role=Role.SALES)
    call(state, ApiKeysState.load)
    assert state.rows == []  # not an admin: only their own keys
    call(state, ApiKeysState.ask_revoke, other_key.id, "Theirs")
    spec = call(state, ApiKeysState.confirm_revoke)
    assert "does not exist" in str(spec)
    with db.session(db_url) as s:
        assert api_keys.resolve_api_key(session=s, raw=other_raw) is not None
