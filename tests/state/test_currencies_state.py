"""Settings -> Currencies through CurrenciesState: the list, the add form, editing, the base, delete."""

from __future__ import annotations

from decimal import Decimal

from crm_app import db
from crm_app.models import Currency, Role
from crm_app.services import auth
from crm_app.state.currencies import CurrenciesState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_lead, create_user
from tests.state.conftest import call, sign_in, substate


def _logged_in(root, db_url, role: Role = Role.ADMIN, language: str = "en") -> CurrenciesState:
    with db.session(db_url) as s:
        user = create_user(s, role=role, language=language)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, CurrenciesState)
    sign_in(state, token)
    call(state, SessionState.check_login)
    call(state, CurrenciesState.load)
    return state


def _rate(db_url, code: str) -> Decimal:
    with db.session(db_url) as s:
        currency = s.get(Currency, code)
        assert currency is not None
        return currency.rate


def test_the_list_shows_the_base_first_with_rates_in_the_users_language(root, db_url):
    state = _logged_in(root, db_url, Role.SALES, language="fr")
    assert (state.rows[0].id, state.rows[0].is_base) == ("EUR", True)
    usd = next(r for r in state.rows if r.id == "USD")
    assert (usd.rate, usd.rate_input, usd.name) == ("1,08", "1.08", "Dollar américain")
    assert not state.is_admin


def test_adding_shows_errors_next_to_the_fields_then_adds(root, db_url):
    state = _logged_in(root, db_url)
    key = state.add_key
    call(state, CurrenciesState.add_item, "currency", {"code": "ZZZ", "rate": "-1", "name": ""})
    assert set(state.add_errors) == {"code", "rate"} and state.add_key == key
    call(state, CurrenciesState.add_item, "currency", {"code": "pln", "rate": "4,27", "name": ""})
    assert state.add_errors == {} and state.add_key == key + 1
    assert [r.id for r in state.rows][-1] == "PLN" and _rate(db_url, "PLN") == Decimal("4.27")


def test_editing_a_rate_and_a_stale_edit(root, db_url):
    state = _logged_in(root, db_url)
    call(state, CurrenciesState.open_edit, "currency", "USD")
    assert state.edit_open and state.edit_rate == "1.08"
    call(state, CurrenciesState.save_edit, {"name": "US dollar", "rate": "abc"})
    assert "rate" in state.edit_errors and state.edit_open
    with db.session(db_url) as s:  # someone else changes it meanwhile
        usd = s.get(Currency, "USD")
        assert usd is not None
        usd.rate = Decimal("1.2")
        s.add(usd)
        s.commit()
    call(state, CurrenciesState.save_edit, {"name": "US dollar", "rate": "1.10"})
    assert _rate(db_url, "USD") == Decimal("1.2")  # theirs stays
    assert next(r for r in state.rows if r.id == "USD").rate == "1.2"  # and the list shows it


def test_making_another_currency_the_base_converts_the_rates(root, db_url):
    state = _logged_in(root, db_url)
    call(state, CurrenciesState.make_base, "USD")
    assert state.base == "USD" and state.rows[0].id == "USD"
    assert _rate(db_url, "EUR") == Decimal("0.925926")


def test_a_currency_in_use_is_not_deleted(root, db_url):
    state = _logged_in(root, db_url)
    with db.session(db_url) as s:
        create_lead(s, currency_code="GBP", amount=Decimal("5"))
    call(state, CurrenciesState.ask_delete, "currency", "GBP")
    assert state.delete_open
    call(state, CurrenciesState.confirm_delete)
    assert not state.delete_open and "GBP" in [r.id for r in state.rows]
    call(state, CurrenciesState.ask_delete, "currency", "USD")
    call(state, CurrenciesState.confirm_delete)
    assert [r.id for r in state.rows] == ["EUR", "GBP"]


def test_a_representative_cannot_change_them(root, db_url):
    state = _logged_in(root, db_url, Role.SALES)
    call(state, CurrenciesState.add_item, "currency", {"code": "PLN", "rate": "4", "name": ""})
    call(state, CurrenciesState.make_base, "USD")
    with db.session(db_url) as s:
        assert s.get(Currency, "PLN") is None
        assert (s.get(Currency, "EUR") or Currency(code="", name="")).is_base
