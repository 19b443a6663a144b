"""Settings -> Currencies: an administrator adds a currency (a bad rate first), changes a rate, makes
another currency the base and deletes one."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect

from crm_app import db
from crm_app.models import Currency
from tests.e2e.conftest import login


def test_admin_manages_currencies(page: Page, admin, app_server):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/settings")
    page.get_by_role("link", name="Currencies").click()
    table = page.get_by_test_id("currencies")
    rows = table.get_by_test_id("currency-row")
    expect(rows.first).to_contain_text("EUR")
    expect(rows.first).to_contain_text("Base")

    # a rate that is not a number is refused next to its field, and the code stays typed
    table.get_by_label("Code").fill("pln")
    table.get_by_label("Rate").fill("four")
    table.get_by_role("button", name="Add currency").click()
    expect(table.locator("#rate-error")).to_have_text("Enter the rate as a number, such as 1.08.")
    expect(table.get_by_label("Code")).to_have_value("pln")
    table.get_by_label("Rate").fill("4,27")
    table.get_by_role("button", name="Add currency").click()
    pln = rows.filter(has_text="PLN")
    expect(pln).to_contain_text("Polish Zloty")
    expect(pln).to_contain_text("4.27")
    expect(table.get_by_label("Code")).to_have_value("")

    # a new rate
    rows.filter(has_text="USD").get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Rate").fill("1.10")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(rows.filter(has_text="USD")).to_contain_text("1.1")

    # USD becomes the base: every rate is converted, USD comes first
    rows.filter(has_text="USD").get_by_role("button", name="Make base").click()
    expect(rows.first).to_contain_text("USD")
    expect(rows.filter(has_text="EUR")).to_contain_text("0.909091")  # 1 / 1.10
    with db.session(app_server.db_url) as s:
        assert (s.get(Currency, "USD") or Currency(code="", name="")).is_base
        assert (s.get(Currency, "PLN") or Currency(code="", name="")).rate == Decimal("3.881818")

    # delete PLN, after a confirmation
    pln.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(pln).to_have_count(0)
