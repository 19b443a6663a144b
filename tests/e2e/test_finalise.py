"""Finalising a lead from its card: convert into a contact, a company and a deal; link an existing
company found by search; close another lead as junk."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import Company, Contact, ContactCompany, Deal, Lead, LeadResult, LostReason
from crm_app.services import leads, records
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login


def _make_lead(server, admin, **data) -> int:
    with db.session(server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        return leads.create_lead(session=s, user=user, data=data).id


def _open_dialog(page: Page, admin, lead_id: int):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto(f"/leads/{lead_id}")
    expect(page.locator("[data-loaded='lead-card']")).to_be_visible()
    page.get_by_role("button", name="Finalise").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Finalise lead")).to_be_visible()
    return dialog


@pytest.mark.phone
def test_convert_into_contact_company_and_deal(page: Page, admin, app_server):
    lead_id = _make_lead(
        app_server,
        admin,
        first_name="Zoé",
        last_name="Martin",
        company_name="Nimbus Works",
        phones="06 12 34 56 78",
        emails="zoe@nimbus.example",
        amount="1500",
    )
    dialog = _open_dialog(page, admin, lead_id)
    contact = dialog.get_by_role("group", name="Contact")
    company = dialog.get_by_role("group", name="Company")
    deal = dialog.get_by_role("group", name="Deal")
    # the lead's values are carried over, ready to edit
    expect(contact.get_by_label("First name")).to_have_value("Zoé")
    expect(contact.get_by_label("E-mails")).to_have_value("zoe@nimbus.example")
    expect(company.get_by_label("Company name")).to_have_value("Nimbus Works")
    expect(deal.get_by_label("Deal title")).to_have_value("Nimbus Works deal")
    expect(deal.get_by_label("Amount")).to_have_value("1500.00")
    for name in ("Contact", "Company", "Deal"):
        expect(dialog.get_by_role("checkbox", name=name)).to_be_checked()

    # a bad field is reported next to it, and nothing is created
    deal.get_by_label("Deal title").fill("")
    contact.get_by_label("Position").fill("Head of <b>purchasing</b>")
    dialog.get_by_role("button", name="Convert").click()
    expect(dialog.locator("#deal_title-error")).to_have_text("Deal title is required.")
    with db.session(app_server.db_url) as s:
        assert s.exec(select(Contact)).all() == []

    deal.get_by_label("Deal title").fill("Nimbus roll-out")
    deal.get_by_label("Amount").fill("2 000")
    deal.get_by_label("Currency").select_option("USD")
    dialog.get_by_role("button", name="Convert").click()
    expect(page.get_by_role("dialog")).to_be_hidden()

    result = page.get_by_test_id("lead-result")
    expect(result).to_contain_text("Converted")
    expect(result.get_by_role("link", name="Zoé Martin")).to_have_attribute(
        "href", re.compile(r"/contacts/\d+")
    )
    expect(result.get_by_role("link", name="Nimbus Works")).to_be_visible()
    expect(result.get_by_role("link", name="Nimbus roll-out")).to_be_visible()
    expect(page.get_by_role("button", name="Finalise")).to_have_count(0)

    with db.session(app_server.db_url) as s:
        lead = s.get(Lead, lead_id)
        assert lead.result == LeadResult.CONVERTED
        contact_row, company_row, deal_row = (
            s.get(Contact, lead.contact_id),
            s.get(Company, lead.company_id),
            s.get(Deal, lead.deal_id),
        )
        assert contact_row.position == "Head of <b>purchasing</b>" and contact_row.lead_id == lead_id
        assert company_row.name == "Nimbus Works" and company_row.lead_id == lead_id
        assert (deal_row.amount, deal_row.currency_code) == (Decimal("2000.00"), "USD")
        assert (deal_row.contact_id, deal_row.company_id) == (contact_row.id, company_row.id)
        assert s.get(ContactCompany, (contact_row.id, company_row.id)) is not None

    # the new deal opens on its card, with its contact, company and the lead it came from
    result.get_by_role("link", name="Nimbus roll-out").click()
    expect(page.locator("[data-loaded='deal-card']")).to_be_visible()
    expect(page.get_by_role("heading", name="Nimbus roll-out")).to_be_visible()
    parties = page.get_by_test_id("deal-parties")
    expect(parties.locator("a[href^='/contacts/']")).to_have_text("Zoé Martin")
    expect(parties.locator("a[href^='/companies/']")).to_have_text("Nimbus Works")
    expect(parties.locator(f"a[href='/leads/{lead_id}']")).to_be_visible()
    expect(page.get_by_test_id("deal-fields")).to_contain_text("$2,000.00")


def test_link_an_existing_company_found_by_search(page: Page, admin, app_server):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        existing = records.create_company(
            session=s, user=user, data={"name": "Orbital Freight", "industry": "Logistics"}
        )
    lead_id = _make_lead(app_server, admin, first_name="Ravi", last_name="Patel", company_name="Orbital")
    dialog = _open_dialog(page, admin, lead_id)
    company = dialog.get_by_role("group", name="Company")
    company.get_by_role("radio", name="Existing company").click()
    company.get_by_label("Find a company").fill("orbital fr")
    hit = company.get_by_role("listitem").filter(has_text="Orbital Freight")
    expect(hit).to_contain_text("Logistics")
    hit.get_by_role("button", name="Select").click()
    expect(company.get_by_test_id("picked-company")).to_contain_text("Orbital Freight")
    dialog.get_by_role("checkbox", name="Deal").click()  # no deal this time
    dialog.get_by_role("button", name="Convert").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_test_id("lead-result").get_by_role("link", name="Orbital Freight")).to_be_visible()
    with db.session(app_server.db_url) as s:
        lead = s.get(Lead, lead_id)
        assert lead.company_id == existing.id and lead.deal_id is None
        assert len(s.exec(select(Company).where(Company.name.like("Orbital%"))).all()) == 1
        assert s.get(ContactCompany, (lead.contact_id, existing.id)) is not None


@pytest.mark.phone
def test_close_another_lead_as_junk(page: Page, admin, app_server):
    lead_id = _make_lead(app_server, admin, first_name="Spam", last_name="Bot", emails="bot@spam.example")
    dialog = _open_dialog(page, admin, lead_id)
    dialog.get_by_role("tab", name="Close as junk").click()
    dialog.get_by_role("button", name="Close as junk").click()
    expect(dialog.locator("#reason_id-error")).to_have_text("Choose a reason.")
    dialog.get_by_label("Reason").select_option(label="Spam")
    dialog.get_by_label("Comment").fill("Sent 40 forms in a minute")
    dialog.get_by_role("button", name="Close as junk").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_test_id("lead-result")).to_contain_text("Spam")
    with db.session(app_server.db_url) as s:
        lead = s.get(Lead, lead_id)
        assert lead.result == LeadResult.JUNK
        assert s.get(LostReason, lead.junk_reason_id).name == "Spam"
        assert lead.contact_id is None


def test_the_status_bar_opens_finalise_and_links_an_existing_contact(page: Page, admin, app_server):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        records.create_contact(session=s, user=user, data={"first_name": "Quentin", "last_name": "Existant"})
    lead_id = _make_lead(app_server, admin, first_name="Quentin", last_name="Prospect")
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto(f"/leads/{lead_id}")
    # "Junk" opens Finalise on "Close as junk" (issue 8), "Converted" on "Convert"
    page.get_by_role("group", name="Status").get_by_role("button", name="Junk").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("tab", name="Close as junk")).to_have_attribute("aria-selected", "true")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("group", name="Status").get_by_role("button", name="Converted").click()
    expect(dialog.get_by_role("heading", name="Finalise lead")).to_be_visible()
    expect(dialog.get_by_role("tab", name="Convert")).to_have_attribute("aria-selected", "true")
    for name in ("Company", "Deal"):
        box = dialog.get_by_role("checkbox", name=name)
        if box.is_checked():
            box.click()
    contact = dialog.get_by_role("group", name="Contact")
    contact.get_by_role("radio", name="Existing contact").click()
    contact.get_by_label("Find a contact").fill("existant")
    contact.get_by_role("listitem").filter(has_text="Quentin Existant").get_by_role(
        "button", name="Select"
    ).click()
    dialog.get_by_role("button", name="Convert").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    result = page.get_by_test_id("lead-result")
    expect(result.get_by_role("link", name="Quentin Existant")).to_be_visible()
    # finalised: no second conversion from the card
    expect(page.get_by_role("button", name="Finalise")).to_have_count(0)
    with db.session(app_server.db_url) as s:
        lead = s.get(Lead, lead_id)
        assert lead.result == LeadResult.CONVERTED and lead.contact_id is not None and lead.deal_id is None
