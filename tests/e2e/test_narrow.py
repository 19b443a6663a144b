"""A phone-wide window (390 px): no page gets wider than the screen, wide tables scroll in their own
box, and the sidebar's links open from the menu button."""

from playwright.sync_api import Page, expect

from crm_app import db
from crm_app.services import leads
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login


def _page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_lists_fit_a_phone_and_tables_scroll_inside(page: Page, app_server, admin):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        for i in range(3):
            leads.create_lead(
                session=s,
                user=user,
                data={
                    "first_name": "Nina",
                    "last_name": f"Narrow{i}",
                    "company_name": "A company with a really quite long registered name",
                    "emails": f"nina.narrow{i}@a-long-domain-name.example",
                },
            )
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    # the home cards keep their icons whole (three a row squeezed them to nothing)
    widths = page.locator("main a svg, a .rt-Card svg").evaluate_all(
        "icons => icons.map(i => i.getBoundingClientRect().width)"
    )
    assert len(widths) >= 6 and min(widths) >= 20, widths
    assert _page_width(page) <= 390
    page.goto("/leads")
    expect(page.locator("[data-loaded='leads']")).to_be_visible()
    expect(page.get_by_test_id("lead-row").first).to_be_visible()
    assert _page_width(page) <= 390
    # the table is wider than the screen: a box around it scrolls sideways, the page does not
    assert page.locator("table").first.evaluate(
        """t => {
            for (let e = t.parentElement; e && e !== document.body; e = e.parentElement)
                if (e.scrollWidth > e.clientWidth + 1) return true;
            return false;
        }"""
    )
    for path, marker in (
        ("/leads/duplicates", "duplicates"),
        ("/settings/leads", "lead-settings"),
        ("/settings/users", "users"),
    ):
        page.goto(path)
        expect(page.locator(f"[data-loaded='{marker}']")).to_be_visible()
        assert _page_width(page) <= 390, path
    # no sidebar on a phone: its links open from the menu
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.get_by_role("button", name="Sections").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    expect(page.locator("[data-loaded='leads']")).to_be_visible()
