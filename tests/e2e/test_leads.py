"""Leads: the list (search, filter, sort, bulk actions), the form with duplicates, the card."""

import re

import pytest
from playwright.sync_api import Page, expect

from crm_app import db
from crm_app.services import leads
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login


def _make_leads(app_server, admin, rows):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        return [leads.create_lead(session=s, user=user, data=row).id for row in rows]


@pytest.mark.phone
def test_list_search_filter_sort_and_bulk(page: Page, app_server, admin):
    _make_leads(
        app_server,
        admin,
        [
            {
                "first_name": "Olga",
                "last_name": "Listova",
                "company_name": "Listco",
                "phones": "+33 6 11 22 33 44",
                "amount": "300",
            },
            {
                "first_name": "Oscar",
                "last_name": "Listov",
                "company_name": "Listco",
                "emails": "oscar@listco.example",
                "amount": "100",
            },
            {
                "first_name": "Otto",
                "last_name": "Listing",
                "company_name": "<script>alert(1)</script>",
                "amount": "200",
            },
        ],
    )
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads")
    rows = page.get_by_test_id("lead-row")
    page.get_by_label("Search leads").fill("list")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?q=list$"))  # the search ran (3 rows may be all leads)
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="<script>alert(1)</script>")).to_have_count(1)  # shown as text
    # phone search ignores formatting
    page.get_by_label("Search leads").fill("06 11 22")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?q=06\+11\+22$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Olga Listova")
    page.get_by_label("Search leads").fill("list")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(rows).to_have_count(3)
    # sort by amount, both ways
    page.get_by_role("button", name="Amount").click()
    expect(rows.first).to_contain_text("Olga")
    page.get_by_role("button", name="Amount").click()
    expect(rows.first).to_contain_text("Oscar")
    # bulk: change the status of two leads, then filter on it
    rows.filter(has_text="Oscar").get_by_role("checkbox").click()
    rows.filter(has_text="Otto").get_by_role("checkbox").click()
    expect(page.get_by_text("2 leads selected")).to_be_visible()
    page.get_by_label("Change status").click()
    page.get_by_role("option", name="Processed").click()
    expect(page.get_by_text("2 leads updated.")).to_be_visible()
    page.get_by_label("Status", exact=True).click()
    page.get_by_role("option", name="Processed").click()
    expect(rows).to_have_count(2)
    # bulk delete goes to the recycle bin
    page.get_by_label("Select all").click()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No leads match.")).to_be_visible()
    # ... and come back from it
    page.get_by_label("Leads shown").click()
    page.get_by_role("option", name="Recycle bin").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Select all").click()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("2 leads restored.")).to_be_visible()
    expect(page.get_by_text("No leads match.")).to_be_visible()


@pytest.mark.phone
def test_add_lead_with_errors_then_duplicate_warning(page: Page, app_server, admin):
    _make_leads(app_server, admin, [{"last_name": "Existing", "emails": "twin@dupe.example"}])
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads")
    page.get_by_role("link", name="Add lead").click()
    expect(page.get_by_role("heading", name="New lead")).to_be_visible()
    page.get_by_label("E-mails").fill("not-an-email")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#last_name-error")).to_contain_text("Enter a name")
    expect(page.locator("#emails-error")).to_contain_text("valid e-mail")
    page.get_by_label("First name").fill("Twin")
    page.get_by_label("Last name").fill("Newcomer")
    page.get_by_label("E-mails").fill("Twin@Dupe.example")
    page.get_by_label("Phones").fill("01 23 45 67 89")
    page.get_by_role("button", name="Save").click()
    panel = page.get_by_test_id("duplicates-panel")
    expect(panel).to_contain_text("Existing")
    expect(panel).to_contain_text("same e-mail")
    page.get_by_role("button", name="Save anyway").click()
    expect(page).to_have_url(re.compile(r"/leads/\d+/?$"))
    expect(page.get_by_role("heading", name="Twin Newcomer")).to_be_visible()
    expect(page.get_by_text("+33 1 23 45 67 89")).to_be_visible()
    expect(page.get_by_test_id("timeline-item").first).to_contain_text("Created from the form")


@pytest.mark.phone
def test_card_edit_in_place_status_and_comment(page: Page, app_server, admin):
    [lead_id] = _make_leads(
        app_server, admin, [{"first_name": "Carla", "last_name": "Card", "company_name": "Cardco"}]
    )
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto(f"/leads/{lead_id}")
    expect(page.get_by_role("heading", name="Carla Card")).to_be_visible()
    # edit in place, with a bad value first
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Position").fill("Buyer")
    page.get_by_label("Website").fill("not a site")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#website-error")).to_be_visible()
    page.get_by_label("Website").fill("cardco.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Buyer", exact=True)).to_be_visible()
    history = page.get_by_test_id("timeline-item")
    expect(history.filter(has_text="Position changed")).to_contain_text("— → Buyer")
    # the status bar
    page.get_by_role("group", name="Status").get_by_role("button", name="In progress").click()
    expect(history.filter(has_text="Status changed").first).to_contain_text("New → In progress")
    # a comment with HTML stays text
    page.get_by_label("New comment").fill("<b>Called</b>, will call back")
    page.get_by_role("button", name="Add comment").click()
    expect(history.first).to_contain_text("<b>Called</b>, will call back")


def test_stale_edit_is_refused_and_keeps_the_other_change(page: Page, app_server, admin):
    [lead_id] = _make_leads(app_server, admin, [{"last_name": "Stale"}])
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto(f"/leads/{lead_id}")
    page.get_by_role("button", name="Edit").click()
    with db.session(app_server.db_url) as s:  # someone else saves meanwhile
        user = find_user_by_email(session=s, email=admin["email"])
        leads.update_lead(session=s, user=user, lead_id=lead_id, data={"position": "Chief"})
    page.get_by_label("First name").fill("Mine")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Someone else changed this record")
    page.get_by_role("button", name="Reload the latest version").click()
    expect(page.get_by_label("Position")).to_have_value("Chief")


def test_paging_keeps_its_place_in_the_url_on_reload_and_back(page: Page, app_server, admin):
    _make_leads(
        app_server, admin, [{"last_name": f"Pager {i:02d}", "company_name": "Pageco"} for i in range(45)]
    )
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads?q=pageco")
    label = page.get_by_test_id("page-label")
    rows = page.get_by_test_id("lead-row")
    expect(label).to_have_text("1–20 of 45")
    expect(page.get_by_role("button", name="First page")).to_be_disabled()
    page.get_by_role("button", name="Next").click()
    expect(label).to_have_text("21–40 of 45")
    expect(page).to_have_url(re.compile(r"/leads\?q=pageco&after=\w+"))
    first_row = rows.first.get_by_role("link").inner_text()
    page.reload()  # the place is in the URL
    expect(label).to_have_text("21–40 of 45")
    expect(rows.first.get_by_role("link")).to_have_text(first_row)
    page.get_by_role("button", name="Next").click()
    expect(label).to_have_text("41–45 of 45")
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.go_back()  # the browser's Back: the page before
    expect(label).to_have_text("21–40 of 45")
    expect(rows.first.get_by_role("link")).to_have_text(first_row)
    page.get_by_role("button", name="Last page").click()
    expect(label).to_have_text("26–45 of 45")
    expect(page).to_have_url(re.compile(r"last=1"))
    page.get_by_role("button", name="Previous").click()
    expect(label).to_have_text("6–25 of 45")
    page.get_by_role("button", name="First page").click()
    expect(label).to_have_text("1–20 of 45")
    expect(page.get_by_label("Search leads")).to_have_value("pageco")
    page.get_by_role("link", name="Leads", exact=True).first.click()  # the sidebar: the tab's place
    expect(page).to_have_url(re.compile(r"/leads\?q=pageco$"))
    page.goto("/leads")  # the bare list is the first page of all leads
    expect(page.get_by_label("Search leads")).to_have_value("")
    page.get_by_role("button", name="Last page").click()
    expect(page).to_have_url(re.compile(r"last=1"))
    page.go_back()  # "Back" to the bare list: its first page, not the last one again
    expect(page).to_have_url(re.compile(r"/leads/?$"))
    expect(label).to_have_text(re.compile(r"^1–20 of"))
    expect(page.get_by_role("button", name="First page")).to_be_disabled()
