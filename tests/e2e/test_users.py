"""An administrator adds a user, who then logs in; deactivating ends their session."""

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import login


def test_admin_adds_user_who_logs_in(page: Page, admin, browser: Browser, base_url: str):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/settings")
    page.get_by_role("link", name="Users").first.click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_role("button", name="Add user").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Sam Sales")
    dialog.get_by_label("E-mail").fill("sam@example.com")
    dialog.get_by_label("Role").select_option("sales")
    dialog.get_by_label("Password").fill("short")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#password-error")).to_contain_text("at least 8")
    dialog.get_by_label("Password").fill("sam's own passphrase")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    row = page.get_by_test_id("user-row").filter(has_text="sam@example.com")
    expect(row).to_contain_text("Sam Sales")

    # Sam logs in, in another browser context
    other = browser.new_context(base_url=base_url)
    sam = other.new_page()
    login(sam, "sam@example.com", "sam's own passphrase")
    expect(sam.get_by_role("heading", name="My day")).to_be_visible()

    # deactivated: Sam's session ends at once
    row.get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("Deactivated")
    sam.goto("/contacts")
    expect(sam).to_have_url(re.compile(r"/login/?\?next=%2Fcontacts$"))
    login(sam, "sam@example.com", "sam's own passphrase")
    expect(sam.get_by_role("alert")).to_contain_text("Wrong e-mail or password.")
    other.close()
