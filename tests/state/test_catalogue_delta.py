"""The ~33 KB UI catalogue (`SessionState.tr`) goes to the browser only when the language changes,
not with every page a user opens (issue 7: less on the wire)."""

import json

from crm_app import db
from crm_app.models import Role
from crm_app.services import auth, leads
from crm_app.state.leads import LeadsState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate

SESSION = SessionState.get_full_name()


def _sent(root) -> dict[str, dict]:
    """The delta the next websocket message would carry ({state: {var: value}}), then a clean state."""
    delta = root.get_delta()
    root._clean()
    return {state: {k.removesuffix("_rx_state_"): v for k, v in d.items()} for state, d in delta.items()}


def _logged_in(root, db_url, language: str = "en"):
    with db.session(db_url) as s:
        user = create_user(s, role=Role.SALES, language=language)
        for i in range(25):
            leads.create_lead(session=s, user=user, data={"last_name": f"Lead {i:03d}", "company": "Acme"})
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, LeadsState)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state


def _open_leads_page(state) -> None:
    """The leads page's on_load, as an in-app click to /leads runs it."""
    call(state, SessionState.check_login)
    call(state, LeadsState.load)


def test_opening_a_page_does_not_resend_the_catalogue(root, db_url):
    state = _logged_in(root, db_url, language="fr")
    first = _sent(root)
    assert first[SESSION]["tr"]["Deals"] == "Transactions"  # the login brings the user's language
    _open_leads_page(state)
    sent = _sent(root)
    assert len(state.rows) == 20
    session_vars = sent.get(SESSION, {})
    assert not {"tr", "lang", "browser_lang", "user_name", "user_role"} & set(session_vars), (
        session_vars.keys()
    )
    # the whole page: its 20 rows and options, well under the catalogue's own size
    assert len(json.dumps(sent, default=str)) < 10_000


def test_language_switch_sends_the_new_catalogue_once(root, db_url):
    state = _logged_in(root, db_url)
    _sent(root)
    call(state, SessionState.set_language, "fr")
    sent = _sent(root)[SESSION]
    assert sent["lang"] == "fr" and sent["tr"]["Leads"] == "Prospects"
    call(state, SessionState.set_language, "fr")  # the same language again: nothing to send
    assert "tr" not in _sent(root).get(SESSION, {})
    _open_leads_page(state)
    assert "tr" not in _sent(root).get(SESSION, {})
    call(state, SessionState.set_language, "en")
    assert _sent(root)[SESSION]["tr"]["Leads"] == "Leads"
