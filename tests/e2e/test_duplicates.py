"""Leads -> Duplicates: a group of duplicate leads is merged side by side, then the merge is undone."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import Lead
from crm_app.services import leads
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login


def _make_leads(app_server, admin, rows) -> list[int]:
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        return [leads.create_lead(session=s, user=user, data=row).id for row in rows]


def _read(app_server, ids):
    with db.session(app_server.db_url) as s:
        rows = {lead.id: lead for lead in s.exec(select(Lead).where(Lead.id.in_(ids))).all()}
        comms = leads.communications(s, "lead", ids)
    return rows, comms


@pytest.mark.phone
def test_merge_duplicates_picking_values_then_undo(page: Page, app_server, admin):
    a, b, c = _make_leads(
        app_server,
        admin,
        [
            {"first_name": "Dora", "last_name": "Dupuis", "emails": "dora@dupcheck.example"},
            {
                "first_name": "Dorothée",
                "last_name": "Dupuis",
                "company_name": "Dupcheck Industries",
                "emails": "DORA@dupcheck.example, dd@home.example",
                "amount": "4200",
            },
            {"last_name": "Dupuis-Martin", "emails": "dd@home.example", "phones": "+33 6 70 00 00 01"},
        ],
    )
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/leads/duplicates")
    expect(page.get_by_role("heading", name="Duplicates")).to_be_visible()
    expect(page.get_by_role("link", name="Back to leads")).to_have_attribute("href", "/leads?resume=1")
    group = page.get_by_test_id("duplicate-group").filter(has_text="dora@dupcheck.example")
    expect(group).to_contain_text("Same e-mail")
    for name in ("Dora Dupuis", "Dorothée Dupuis", "Dupuis-Martin"):
        expect(group.get_by_role("link", name=name)).to_be_visible()

    group.get_by_role("link", name="Merge").click()
    expect(page).to_have_url(re.compile(rf"/leads/merge\?ids={a},{b},{c}$"))
    expect(page.get_by_role("heading", name="Merge leads")).to_be_visible()
    expect(page.get_by_label(f"Keep #{a}")).to_be_checked()
    first_name = page.get_by_test_id("merge-row-first_name")
    expect(first_name.get_by_label("Dora", exact=True)).to_be_checked()
    first_name.get_by_label("Dorothée").check()  # the second lead's value
    page.get_by_test_id("merge-row-emails").get_by_label("dd@home.example").uncheck()
    page.get_by_role("button", name="Merge").click()

    expect(page.get_by_test_id("merge-done")).to_contain_text(
        "Leads merged into Dorothée Dupuis."
    )  # its name after the merge
    expect(page.get_by_role("link", name="Open the lead")).to_have_attribute("href", f"/leads/{a}")
    rows, comms = _read(app_server, [a, b, c])
    assert rows[a].first_name == "Dorothée" and rows[a].company_name == "Dupcheck Industries"
    assert str(rows[a].amount) == "4200.00"
    assert comms[a] == {"emails": ["dora@dupcheck.example"], "phones": ["+33670000001"]}
    assert rows[b].deleted_at is not None and rows[c].deleted_at is not None

    # the toast's Undo puts everything back
    page.get_by_role("button", name="Undo", exact=True).click()
    expect(page.get_by_text("Merge undone: the leads are back.")).to_be_visible()
    expect(page.get_by_label(f"Keep #{a}")).to_be_visible()
    rows, comms = _read(app_server, [a, b, c])
    assert rows[a].first_name == "Dora" and rows[a].company_name == "" and rows[a].amount is None
    assert comms[a] == {"emails": ["dora@dupcheck.example"], "phones": []}
    assert comms[b]["emails"] == ["dora@dupcheck.example", "dd@home.example"]
    assert rows[b].deleted_at is None and rows[c].deleted_at is None

    # merged again with the defaults, then undone from Leads -> Duplicates' recent merges
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_test_id("merge-done")).to_be_visible()
    page.get_by_role("link", name="Back to duplicates").first.click()
    recent = page.get_by_test_id("recent-merge").filter(has_text="Dora Dupuis")
    expect(recent).to_contain_text("+2 merged")
    recent.get_by_role("button", name="Undo merge").click()
    expect(page.get_by_test_id("duplicate-group").filter(has_text="dora@dupcheck.example")).to_be_visible()
    rows, _ = _read(app_server, [a, b, c])
    assert rows[a].first_name == "Dora" and rows[b].deleted_at is None and rows[c].deleted_at is None
