"""The top bar's search page, driven through SearchState."""

from decimal import Decimal

from crm_app import db
from crm_app.services import auth, formatting
from crm_app.state.search import SearchState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_deal, create_lead, create_user
from tests.state.conftest import call, open_page, sign_in, substate


def test_hits_name_the_person_and_write_amounts_in_the_users_language(root, db_url):
    with db.session(db_url) as s:
        user = create_user(s, language="fr")
        create_lead(s, first_name="Zoé", last_name="Martin", title="Devis", responsible_id=user.id)
        create_deal(s, title="Zodiac", amount=Decimal("25900"), currency_code="EUR", responsible_id=user.id)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, SearchState)
    sign_in(state, token)
    call(state, SessionState.check_login)
    open_page(state, "/search?q=zo")
    call(state, SearchState.run)
    hits = {(h.kind, h.title): h.subtitle for h in state.hits}
    assert hits[("lead", "Zoé Martin")] == "Devis"
    assert hits[("deal", "Zodiac")] == formatting.money(Decimal("25900"), "EUR", "fr")
