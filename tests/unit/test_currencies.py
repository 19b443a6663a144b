"""Currencies: one base, the others with a rate to it; bad codes and rates are refused clearly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from crm_app.models import Currency, Role
from crm_app.services import currencies
from crm_app.services.errors import PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_lead, create_user


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="ada@example.com")


def _codes(session, user) -> list[str]:
    return [r.code for r in currencies.list_currencies_rows(session=session, user=user)]


def _rates(session) -> dict[str, Decimal]:
    return {c.code: c.rate for c in session.exec(select(Currency)).all()}


def test_the_defaults_have_the_base_first(session, admin):
    rows = currencies.list_currencies_rows(session=session, user=admin)
    assert (rows[0].code, rows[0].is_base, rows[0].rate) == ("EUR", True, Decimal(1))
    assert not rows[0].can_delete and not rows[0].can_up and not rows[0].can_down
    assert rows[1].can_down and not rows[1].can_up  # the base stays first


def test_a_currency_is_added_with_babels_name_in_the_users_language(session, admin):
    added = currencies.add_currency(session=session, user=admin, code=" pln ", rate="4,27", lang="fr")
    assert (added.code, added.name, added.rate) == ("PLN", "zloty polonais", Decimal("4.27"))
    assert _codes(session, admin)[-1] == "PLN"
    named = currencies.add_currency(session=session, user=admin, code="CHF", rate="0.9412345", name="Franc")
    assert (named.name, named.rate) == ("Franc", Decimal("0.941234"))  # 6 places, half-even


@pytest.mark.parametrize(
    ("code", "rate", "field"),
    [
        ("XYZ", "1", "code"),
        ("EURO", "1", "code"),
        ("", "1", "code"),
        ("usd", "1.1", "code"),  # already there
        ("PLN", "0", "rate"),
        ("PLN", "-3", "rate"),
        ("PLN", "abc", "rate"),
        ("PLN", "1e40", "rate"),
        ("PLN", "NaN", "rate"),
        ("PLN", "9" * 40, "rate"),
    ],
)
def test_bad_codes_and_rates_are_refused_next_to_their_field(session, admin, code, rate, field):
    before = _rates(session)
    with pytest.raises(ValidationError) as err:
        currencies.add_currency(session=session, user=admin, code=code, rate=rate)
    assert field in err.value.errors
    assert _rates(session) == before


def test_changing_the_base_keeps_what_amounts_are_worth(session, admin):
    currencies.set_base(session=session, user=admin, code="USD")
    rates = _rates(session)
    assert rates["USD"] == 1
    assert rates["EUR"] == Decimal("0.925926")  # 1 / 1.08
    assert rates["GBP"] == Decimal("0.787037")  # 0.85 / 1.08
    assert _codes(session, admin)[0] == "USD"
    # 108 USD are 100 EUR in the old base and 108 in the new one
    assert currencies.to_base(Decimal("108"), rates["USD"]) == Decimal("108.00")
    assert currencies.to_base(Decimal("100"), rates["EUR"]) == Decimal("108.00")


def test_the_base_rate_stays_one_and_the_base_stays(session, admin):
    with pytest.raises(ValidationError) as err:
        currencies.update_currency(session=session, user=admin, code="EUR", rate="2")
    assert "rate" in err.value.errors
    with pytest.raises(ValidationError):
        currencies.delete_currency(session=session, user=admin, code="EUR")
    assert _rates(session)["EUR"] == 1


def test_a_currency_in_use_cannot_be_deleted(session, admin):
    create_lead(session, currency_code="GBP", amount=Decimal("10"))
    with pytest.raises(currencies.CurrencyInUse) as err:
        currencies.delete_currency(session=session, user=admin, code="GBP")
    assert err.value.count == 1
    currencies.delete_currency(session=session, user=admin, code="USD")
    assert _codes(session, admin) == ["EUR", "GBP"]


def test_a_stale_edit_is_refused_and_loses_nothing(session, admin):
    usd = session.get(Currency, "USD")
    shown = usd.version
    currencies.update_currency(session=session, user=admin, code="USD", rate="1.10", expected_version=shown)
    with pytest.raises(StaleRecord):
        currencies.update_currency(
            session=session, user=admin, code="USD", rate="1.20", expected_version=shown
        )
    assert _rates(session)["USD"] == Decimal("1.10")


def test_only_settings_editors_change_currencies(session, admin):
    rep = create_user(session, role=Role.SALES, email="rep@example.com")
    assert _codes(session, rep)[0] == "EUR"  # everyone may read them
    with pytest.raises(PermissionDenied):
        currencies.add_currency(session=session, user=rep, code="PLN", rate="4")
    with pytest.raises(PermissionDenied):
        currencies.set_base(session=session, user=rep, code="USD")


def test_moving_keeps_the_base_first(session, admin):
    assert not currencies.move_currency(session=session, user=admin, code="USD", direction="up")
    assert currencies.move_currency(session=session, user=admin, code="GBP", direction="up")
    assert _codes(session, admin) == ["EUR", "GBP", "USD"]
