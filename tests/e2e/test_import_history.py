"""Leads -> Import history: import a small file, undo it from the history, the leads are gone."""

import secrets

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, login

SHOTS = "test-results"


def test_undo_an_import_from_the_history(page: Page, admin, tmp_path):
    tag = secrets.token_hex(3)
    path = tmp_path / "salon.csv"
    path.write_text(
        "First name,Last name,E-mail,Company name\n"
        f"Ann,Undo-{tag},ann-{tag}@example.com,Acme\n"
        f"Bob,Undo-{tag},bob-{tag}@example.com,Globex\n",
        encoding="utf-8",
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads/import")
    page.locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_role("combobox", name="Last name")).to_have_text("Last name")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("Import finished")

    page.get_by_role("link", name="Import history").click()
    expect(page.get_by_role("heading", name="Import history")).to_be_visible()
    row = page.get_by_test_id("import-row").first
    expect(row).to_contain_text("salon.csv")
    expect(row).to_contain_text("Boss Admin")
    expect(row).to_contain_text("Done")
    page.screenshot(path=f"{SHOTS}/import-history-1366.png", full_page=True)

    row.get_by_role("button", name="Undo this import").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("undo-summary")).to_contain_text("2 leads go to the recycle bin.")
    page.screenshot(path=f"{SHOTS}/import-undo-dialog-1366.png")
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{SHOTS}/import-undo-dialog-390.png")
    dialog.get_by_role("button", name="Undo the import").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Undone")
    expect(row).to_contain_text("Undone by Boss Admin")
    expect(row.get_by_role("button", name="Undo this import")).to_have_count(0)
    # the table scrolls in its own box: the page is no wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=f"{SHOTS}/import-history-390.png", full_page=True)

    page.goto("/leads")  # this module's database had only these two
    expect(page.get_by_text("No leads match.")).to_be_visible()
