"""/products: an administrator adds a product (a bad price first), edits it, finds it, deactivates
it, imports a CSV file (one bad row reported) and exports the catalogue."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import Product
from tests.e2e.conftest import login, main_nav


def test_admin_manages_the_catalogue(page: Page, admin, app_server, tmp_path):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    main_nav(page).get_by_role("link", name="Products").click()
    expect(page.locator("[data-loaded='products']")).to_be_visible()
    rows = page.get_by_test_id("product-row")

    # a price that is not a number is refused next to its field; what was typed stays
    page.get_by_role("button", name="Add product").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("Support contract")
    dialog.get_by_label("SKU", exact=True).fill("SUP-1")
    dialog.get_by_label("Price", exact=True).fill("twelve")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#price-error")).to_have_text("Enter an amount, like 1500 or 1500.50.")
    expect(dialog.get_by_label("Name", exact=True)).to_have_value("Support contract")
    dialog.get_by_label("Price", exact=True).fill("1200,50")
    dialog.get_by_label("Tax rate, %").fill("20")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = rows.filter(has_text="Support contract")
    expect(row).to_contain_text("SUP-1")
    expect(row).to_contain_text("1,200.50")
    expect(row).to_contain_text("20 % added")

    # edit: the name and the tax included
    row.get_by_role("button", name="Support contract").click()
    dialog.get_by_label("Name", exact=True).fill("Support contract, yearly")
    dialog.get_by_role("checkbox", name="Tax included in the price").click()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(rows.filter(has_text="yearly")).to_contain_text("20 % included")

    # import: two products, one row without a name is reported
    csv_file = tmp_path / "products.csv"
    csv_file.write_text(
        "Name,SKU,Price,Currency,Unit,Section\n"
        "Installation day,INST-1,800,EUR,day,Services\n"
        ",NONAME,10,EUR,pcs,\n"
        "Licence Pro,LIC-PRO,49.90,EUR,licence,Software\n",
        encoding="utf-8",
    )
    page.get_by_role("button", name="Import").click()
    import_dialog = page.get_by_role("dialog")
    import_dialog.locator("input[type=file]").set_input_files(str(csv_file))
    report = import_dialog.get_by_test_id("import-report")
    expect(report).to_contain_text("2 products added")
    expect(report).to_contain_text("Row 3")
    import_dialog.get_by_role("button", name="Close").click()
    expect(rows).to_have_count(3)

    # the search reads the name and the SKU, accents and case ignored
    search = page.get_by_label("Search products")
    search.fill("lic-pro")
    search.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Licence Pro")
    search.fill("")
    search.press("Enter")
    expect(rows).to_have_count(3)

    # deactivate: gone from the active list, shown among the inactive ones
    rows.filter(has_text="Installation day").get_by_role("button", name="Deactivate").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Products shown").click()
    page.get_by_role("option", name="Inactive products").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Inactive")

    # export: every product, the inactive one included
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "Support contract, yearly" in text and "INST-1" in text and "LIC-PRO" in text

    with db.session(app_server.db_url) as s:
        stored = {p.sku: p for p in s.exec(select(Product)).all()}
    assert stored["SUP-1"].price == Decimal("1200.50") and stored["SUP-1"].tax_included
    assert not stored["INST-1"].is_active
