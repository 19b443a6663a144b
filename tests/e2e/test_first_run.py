"""First run (the module starts from an empty database): every page leads to /setup, the first
administrator is created, /setup is closed."""

import re

from playwright.sync_api import Page, expect


def test_first_run_setup(page: Page):
    page.goto("/leads")
    expect(page).to_have_url(re.compile(r"/setup/?$"))
    # bad input gets a message next to the field, nothing is created
    page.get_by_label("Name").fill("Ada <b>Admin</b>")
    page.get_by_label("E-mail").fill("not-an-email")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.locator("#email-error")).to_contain_text("valid e-mail")
    expect(page.locator("#password-error")).to_contain_text("too common")
    page.get_by_label("E-mail").fill("Ada@Example.com")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    # HTML in a name shows as text
    expect(page.get_by_text("Hello, Ada <b>Admin</b>")).to_be_visible()
    # a second set-up is refused
    page.goto("/setup")
    expect(page).not_to_have_url(re.compile(r"/setup/?$"))
