"""The user's language on screen: counted messages, default list names, the tab title, and what a
language switch reformats."""

from datetime import UTC, datetime

from reflex.vars.base import Var

from crm_app import db
from crm_app.models import Role
from crm_app.services import auth, lead_statuses, leads, timeline
from crm_app.state.lead_card import LeadCardState
from crm_app.state.leads import LeadsState
from crm_app.state.session import SessionState
from crm_app.state.timeline import TimelineState
from crm_app.ui_catalog import full_catalog
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, open_page, sign_in, substate


def _login(root, db_url, cls, language="en"):
    with db.session(db_url) as s:
        user = create_user(s, language=language)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, cls)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state, user


def _make(db_url, user, n):
    with db.session(db_url) as s:
        return [leads.create_lead(session=s, user=user, data={"last_name": f"Lead {i}"}).id for i in range(n)]


def _bulk_toasts(root, db_url, language):
    state, user = _login(root, db_url, LeadsState, language)
    ids = _make(db_url, user, 3)
    call(state, LeadsState.load)
    toasts = []
    for selected in ([ids[0]], ids[1:]):
        state.selected = selected
        toasts.append(str(call(state, LeadsState.bulk_delete)))
    state.result_filter = "deleted"
    for selected in ([ids[0]], ids[1:]):
        state.selected = selected
        toasts.append(str(call(state, LeadsState.bulk_restore)))
    return toasts


def test_bulk_messages_count_in_english(root, db_url):
    toasts = _bulk_toasts(root, db_url, "en")
    for toast, text in zip(
        toasts,
        [
            "1 lead moved to the recycle bin.",
            "2 leads moved to the recycle bin.",
            "1 lead restored.",
            "2 leads restored.",
        ],
        strict=True,
    ):
        assert text in toast


def test_bulk_messages_count_in_french(root, db_url):
    toasts = _bulk_toasts(root, db_url, "fr")
    for toast, text in zip(
        toasts,
        [
            "1 prospect mis à la corbeille.",
            "2 prospects mis à la corbeille.",
            "1 prospect restauré.",
            "2 prospects restaurés.",
        ],
        strict=True,
    ):
        assert text in toast


def test_the_timeline_names_a_changed_field_with_its_french_agreement(root):
    state = substate(root, TimelineState)
    state.lang = "fr"

    def change(field):
        item = timeline.TimelineItem(
            id=1, kind="field_change", author="", text="", payload={"field": field}, at=datetime.now(UTC)
        )
        return state._describe(item)[0]

    assert change("emails") == "E-mails modifiés"
    assert change("address") == "Adresse modifiée"
    state.lang = "en"
    assert change("emails") == "E-mails changed"


def test_a_french_user_sees_untouched_defaults_in_french_and_renamed_ones_as_named(root, db_url):
    state, user = _login(root, db_url, LeadsState, "fr")
    with db.session(db_url) as s:
        statuses = {st.name: st.id for st in leads.lead_statuses(s)}
        admin = create_user(s, role=Role.ADMIN)
        lead_statuses.update_status(session=s, user=admin, status_id=statuses["In progress"], name="Chaud")
        s.commit()
    _make(db_url, user, 1)  # a new lead starts in "New"
    call(state, LeadsState.load)
    assert [r.status for r in state.rows] == ["Nouveau"]
    shown = [o.label for o in state.status_options]
    assert "Nouveau" in shown and "Chaud" in shown and "New" not in shown and "En cours" not in shown


def test_every_page_title_is_read_from_the_catalogue():
    from crm_app.crm_app import app

    titles = {route: page.title for route, page in app._unevaluated_pages.items()}
    static = {route: title for route, title in titles.items() if not isinstance(title, Var)}
    assert static == {"index": "CRM"}  # the brand alone needs no translation
    leads_title = str(titles["leads"])
    assert "tr_rx_state_" in leads_title and '["Leads"]' in leads_title
    assert full_catalog("fr")["Leads"] == "Prospects"


def test_switching_the_language_reloads_the_page_in_the_new_locale(root, db_url):
    state, user = _login(root, db_url, LeadsState)
    with db.session(db_url) as s:
        lead_id = leads.create_lead(
            session=s, user=user, data={"last_name": "Big", "amount": "1234.5", "currency_code": "EUR"}
        ).id
    open_page(state, "/leads")
    call(state, LeadsState.load)
    english = state.rows[0]
    events = call(state, SessionState.set_language, "fr")
    assert LeadsState.load in events  # the page's on_load, run again in the new language
    for event in events:
        call(state, event)
    french = state.rows[0]
    assert (english.status, french.status) == ("New", "Nouveau")
    assert english.amount != french.amount and "1\\u202f234,50" in ascii(french.amount)
    assert english.created != french.created
    # the card too: its amount and its status bar
    card = substate(root, LeadCardState)
    open_page(card, f"/leads/{lead_id}", "/leads/[id]")
    call(card, LeadCardState.load)
    assert card.stages[0].name == "Nouveau"
    events = call(card, SessionState.set_language, "en")
    assert LeadCardState.load in events
    for event in events:
        call(card, event)
    assert card.stages[0].name == "New"
    assert call(card, SessionState.set_language, "en") is None  # unchanged: nothing to reload
