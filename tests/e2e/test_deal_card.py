"""The deal card: a catalogue product and a new product with a discount and tax (the totals on
screen), closing as lost with a reason (a comment required for "Other"), reopening, closing as won."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from crm_app import db, routes
from crm_app.services import products, records
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login


@pytest.mark.phone
def test_products_totals_close_lost_reopen_won(page: Page, admin, app_server, screen):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        assert user is not None
        company = records.create_company(session=s, user=user, data={"name": "Łódź Żółw SA"})
        deal = records.create_deal(
            session=s, user=user, data={"title": "Fleet renewal", "company_id": company.id, "amount": "0"}
        )
        products.create_product(
            session=s,
            user=user,
            data={
                "name": "Support plan",
                "sku": "SUP-12",
                "price": "120",
                "currency_code": "EUR",
                "tax_rate": "20",
            },
        )
        deal_id = deal.id
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto(app_server.url + routes.deal(deal_id))
    expect(page.locator("[data-loaded='deal-card']")).to_be_visible()
    expect(page.get_by_role("heading", name="Fleet renewal")).to_be_visible()
    expect(page.get_by_test_id("deal-parties")).to_contain_text("Łódź Żółw SA")

    # from the catalogue: 2 x 120 + 20 % tax = 288
    page.get_by_role("button", name="Choose from the catalogue").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_placeholder("Name or SKU").fill("sup-1")
    dialog.get_by_role("button", name="Select").click()
    expect(dialog.get_by_test_id("product-picked")).to_contain_text("Support plan")
    dialog.get_by_label("Quantity").fill("2")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("product-row")).to_have_count(1)

    # a new product: a bad discount first, then 3 x 50 with 10 % off and 20 % tax = 162
    page.get_by_role("button", name="Add a new product").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Product", exact=True).fill("Installation")
    dialog.get_by_label("Quantity").fill("3")
    dialog.get_by_label("Unit price").fill("50")
    dialog.get_by_label("Tax rate, %").fill("20")
    dialog.get_by_label("Discount", exact=True).fill("150")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#discount_value-error")).to_contain_text("100 %")
    dialog.get_by_label("Discount", exact=True).fill("10")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("product-row")).to_have_count(2)
    expect(page.get_by_test_id("subtotal")).to_have_text("€390.00")
    expect(page.get_by_test_id("discount-total")).to_have_text("€15.00")
    expect(page.get_by_test_id("tax-total")).to_have_text("€75.00")
    expect(page.get_by_test_id("grand-total")).to_have_text("€450.00")
    expect(page.get_by_test_id("deal-fields")).to_contain_text("€450.00")  # the amount follows
    page.screenshot(path=f"test-results/deal-card-{screen}.png", full_page=True)

    # lost: "Other" needs a comment
    page.get_by_role("button", name="Close as lost").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Reason").select_option(label="Other")
    dialog.get_by_role("button", name="Close the deal").click()
    expect(dialog.locator("#comment-error")).to_contain_text("Other")
    dialog.get_by_label("Comment").fill("Bought second-hand")
    dialog.get_by_role("button", name="Close the deal").click()
    expect(page.get_by_test_id("deal-result")).to_contain_text("Lost")
    expect(page.get_by_test_id("deal-result")).to_contain_text("Bought second-hand")
    expect(page.get_by_role("button", name="Add a new product")).to_have_count(0)  # read-only

    # reopen, saying why, then won from the stage bar
    page.get_by_role("button", name="Reopen").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Reopen").click()
    expect(dialog.locator("#reason-error")).to_be_visible()
    dialog.get_by_label("Why do you reopen it?").fill("They called back")
    dialog.get_by_role("button", name="Reopen").click()
    expect(page.get_by_test_id("deal-result")).to_have_count(0)
    page.get_by_role("group", name="Stage").get_by_role("button", name="Won", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("radio", name="Won")).to_be_checked()
    dialog.get_by_role("button", name="Close the deal").click()
    expect(page.get_by_test_id("deal-result")).to_contain_text("Won")
    expect(page.get_by_text("Deal reopened")).to_be_visible()
    with db.session(app_server.db_url) as s:
        from crm_app.models import Deal

        stored = s.get(Deal, deal_id)
        assert stored is not None and stored.result is not None and stored.result.value == "won"
        assert stored.amount == Decimal("450.00")
