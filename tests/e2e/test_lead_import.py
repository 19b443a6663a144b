"""Leads -> Import: upload a CSV, check the automatic mapping, dry run, import, download failed rows."""

import secrets

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import Lead
from tests.e2e.conftest import login


@pytest.mark.phone
def test_import_a_csv_from_upload_to_failed_rows(page: Page, admin, app_server, tmp_path):
    tag = secrets.token_hex(3)
    path = tmp_path / "prospects.csv"
    path.write_text(
        "Prénom;Nom;E-mail;Téléphone;Société;Couleur préférée\n"
        f"Zoé;Lefèvre-{tag};zoe-{tag}@example.com;01 23 45 67 89;Crème & Café;bleu\n"
        f"Bob;Bad-{tag};not-an-email;;;vert\n"
        f"Léa;Durand-{tag};lea-{tag}@example.com;;<b>Globex</b>;rouge\n",
        encoding="cp1252",
    )

    def imported() -> list[Lead]:
        with db.session(app_server.db_url) as s:
            return list(s.exec(select(Lead).where(Lead.last_name.contains(tag)).order_by(Lead.id)).all())

    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads/import")
    expect(page.get_by_role("heading", name="Import leads")).to_be_visible()
    page.locator("input[type=file]").set_input_files(str(path))

    # headers matched automatically (French Bitrix24 headers, Windows-1252), unknown ones ignored
    expect(page.get_by_text("Read as Windows-1252, columns separated by semicolons.")).to_be_visible()
    expect(page.get_by_role("combobox", name="Prénom")).to_have_text("First name")
    expect(page.get_by_role("combobox", name="Téléphone")).to_have_text("Phone")
    expect(page.get_by_role("combobox", name="Société")).to_have_text("Company name")
    colour = page.get_by_role("combobox", name="Couleur préférée")
    expect(colour).to_have_text("Do not import")
    expect(page.get_by_test_id("preview")).to_contain_text("Crème & Café")
    colour.click()
    page.get_by_role("option", name="Comment").click()
    expect(colour).to_have_text("Comment")

    page.get_by_role("button", name="Dry run").click()
    summary = page.get_by_test_id("import-summary")
    expect(summary).to_contain_text("Dry run finished: nothing was saved")
    expect(page.get_by_test_id("count-created")).to_contain_text("2")
    expect(page.get_by_test_id("count-failed")).to_contain_text("1")
    assert imported() == []

    page.get_by_role("button", name="Import", exact=True).click()
    expect(summary).to_contain_text("Import finished")
    expect(page.get_by_test_id("count-created")).to_contain_text("2")
    expect(page.get_by_test_id("count-skipped")).to_contain_text("0")
    expect(page.get_by_test_id("count-failed")).to_contain_text("1")
    leads = imported()
    assert [(lead.first_name, lead.company_name, lead.comment) for lead in leads] == [
        ("Zoé", "Crème & Café", "bleu"),
        ("Léa", "<b>Globex</b>", "rouge"),
    ]

    with page.expect_download() as download:
        page.get_by_role("button", name="Download failed rows").click()
    # in the file's own encoding and separator, so a spreadsheet opens it as it opened the file
    text = open(download.value.path(), encoding="cp1252").read()
    assert text.splitlines()[0] == "Prénom;Nom;E-mail;Téléphone;Société;Couleur préférée;Error"
    assert f"Bob;Bad-{tag};not-an-email" in text and "Enter a valid e-mail address" in text


def test_a_binary_file_gets_a_clear_message(page: Page, admin, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads/import")
    page.locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_role("alert")).to_contain_text("This file is not a CSV text file")
    expect(page.get_by_test_id("mapping-row")).to_have_count(0)


def test_importing_the_same_file_again_with_skip_creates_nothing(page: Page, admin, app_server, tmp_path):
    tag = secrets.token_hex(3)
    path = tmp_path / "again.csv"
    path.write_text(
        f"First name,Last name,E-mail\nAnn,Again-{tag},ann-{tag}@example.com\nBen,Again-{tag},ben-{tag}@example.com\n",
        encoding="utf-8-sig",
    )
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    for created, skipped in (("2", "0"), ("0", "2")):
        page.goto("/leads/import")
        page.locator("input[type=file]").set_input_files(str(path))
        expect(page.get_by_role("combobox", name="E-mail")).to_have_text("E-mail")
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("Import finished")
        expect(page.get_by_test_id("count-created")).to_contain_text(created)
        expect(page.get_by_test_id("count-skipped")).to_contain_text(skipped)
    with db.session(app_server.db_url) as s:
        assert len(s.exec(select(Lead).where(Lead.last_name == f"Again-{tag}")).all()) == 2


@pytest.mark.phone
def test_values_that_match_nothing_are_mapped_before_the_import(
    page: Page, admin, app_server, tmp_path, screen
):
    from pathlib import Path

    from crm_app.models import Source, Stage

    tag = secrets.token_hex(3)
    path = tmp_path / "salon.csv"
    path.write_text(
        "Nom;Source;Statut\n"
        f"Dupont-{tag};Salon {tag};Nouveau\n"
        f"Durand-{tag};Salon {tag};Qualifié {tag}\n"
        f"Martin-{tag};Salon professionnel;En cours\n",
        encoding="utf-8",
    )
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads/import")
    page.locator("input[type=file]").set_input_files(str(path))
    values = page.get_by_test_id("value-mapping")
    expect(values).to_be_visible()
    # the French default names (Nouveau, En cours, Salon professionnel) are known: not asked
    expect(page.get_by_test_id("value-row")).to_have_count(2)
    salon = page.get_by_role("combobox", name=f"Source: Salon {tag}")
    expect(salon).to_have_text(f"Create “Salon {tag}”")
    expect(page.get_by_test_id("value-row").filter(has_text=f"Salon {tag}")).to_contain_text("2")
    salon.click()
    page.get_by_role("option", name="Trade show").click()
    expect(salon).to_have_text("Trade show")
    status = page.get_by_role("combobox", name=f"Status: Qualifié {tag}")
    expect(status).to_have_text(f"Create “Qualifié {tag}”")
    shots = Path("test-results/layout")
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{screen}-import-values.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="Import", exact=True).click()
    summary = page.get_by_test_id("import-summary")
    expect(summary).to_contain_text("Import finished")
    expect(page.get_by_test_id("count-created")).to_contain_text("3")
    expect(page.get_by_test_id("count-failed")).to_contain_text("0")
    page.screenshot(path=str(shots / f"{screen}-import-summary.png"), full_page=True)
    with db.session(app_server.db_url) as s:
        rows = s.exec(select(Lead).where(Lead.last_name.contains(tag)).order_by(Lead.id)).all()
        sources = [s.get(Source, lead.source_id).code for lead in rows]
        statuses = [s.get(Stage, lead.status_id).name for lead in rows]
    assert sources == ["trade_show", "trade_show", "trade_show"]
    assert statuses == ["New", f"Qualifié {tag}", "In progress"]
