"""Contacts and companies: an administrator adds a company, then a contact from the company's card
(a bad e-mail first, then a duplicate warning), links the contact to a second company and makes it
primary, edits a field in place, finds the contact in the list and deletes it from its card."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from crm_app import db
from crm_app.services import records
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login, main_nav


def test_create_a_company_and_a_contact_and_link_them(page: Page, admin, app_server):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        assert user is not None
        records.create_contact(
            session=s, user=user, data={"first_name": "Older", "emails": "zoe@globex.example"}
        )
        records.create_company(session=s, user=user, data={"name": "Globex Holding"})
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()

    # a new company
    main_nav(page).get_by_role("link", name="Companies").click()
    expect(page.locator("[data-loaded='companies']")).to_be_visible()
    page.get_by_role("link", name="Add company").click()
    page.get_by_label("Company name").fill("Acme Industries")
    page.get_by_label("Employees").fill("many")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#employees-error")).to_contain_text("whole number")
    page.get_by_label("Employees").fill("120")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-loaded='company-card']")).to_be_visible()
    expect(page.get_by_role("heading", name="Acme Industries")).to_be_visible()
    expect(page.get_by_test_id("party-fields")).to_contain_text("120")

    # a contact from the company's card: it will belong to Acme
    page.get_by_role("link", name="Add contact").click()
    expect(page.get_by_test_id("new-contact-company")).to_contain_text("Acme Industries")
    page.get_by_label("First name").fill("Zoé")
    page.get_by_label("Last name").fill("Martin")
    page.get_by_label("E-mails").fill("zoe@globex")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#emails-error")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Zoé")
    page.get_by_label("E-mails").fill("Zoe@Globex.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("duplicates-panel")).to_contain_text("Older")
    page.get_by_role("button", name="Save anyway").click()
    expect(page.locator("[data-loaded='contact-card']")).to_be_visible()
    expect(page.get_by_role("heading", name="Zoé Martin")).to_be_visible()
    related = page.get_by_test_id("related")
    expect(related.get_by_test_id("related-row")).to_have_count(1)
    expect(related).to_contain_text("Primary")

    # link a second company and make it primary
    related.get_by_placeholder("Name, e-mail or phone").fill("globex")
    related.get_by_role("button", name="Select").click()
    related.get_by_role("button", name="Link", exact=True).click()
    expect(related.get_by_test_id("related-row")).to_have_count(2)
    globex = related.get_by_test_id("related-row").filter(has_text="Globex Holding")
    globex.get_by_role("button", name="Make primary").click()
    expect(globex).to_contain_text("Primary")
    expect(page.get_by_text("Globex Holding", exact=False).first).to_be_visible()

    # edit in place: the position, written to the history
    page.get_by_test_id("party-fields").get_by_role("button", name="Edit").click()
    page.get_by_label("Position").fill("Buyer")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("party-fields")).to_contain_text("Buyer")
    expect(page.get_by_test_id("timeline")).to_contain_text("Position changed")

    # the company's card lists the contact; the list finds it by e-mail
    related.get_by_role("link", name="Acme Industries").click()
    expect(page.locator("[data-loaded='company-card']")).to_be_visible()
    expect(page.get_by_test_id("related")).to_contain_text("Zoé Martin")
    main_nav(page).get_by_role("link", name="Contacts").click()
    expect(page.locator("[data-loaded='contacts']")).to_be_visible()
    page.get_by_label("Search contacts").fill("zoe@globex")
    page.get_by_label("Search contacts").press("Enter")
    expect(page).to_have_url(re.compile(r"q=zoe%40globex"))
    rows = page.get_by_test_id("contact-row")
    expect(rows).to_have_count(2)
    row = rows.filter(has_text="Zoé Martin")
    expect(row).to_contain_text("Globex Holding")

    # delete from the card: back to the list, in the recycle bin
    row.get_by_role("link", name="Zoé Martin").click()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.locator("[data-loaded='contacts']")).to_be_visible()
    expect(page.get_by_test_id("contact-row").filter(has_text="Zoé Martin")).to_have_count(0)
