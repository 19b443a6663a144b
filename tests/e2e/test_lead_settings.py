"""Settings -> Leads: an administrator adds, renames, reorders and deletes a status in use (moving
its leads first), and adds a source."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import EntityType, Lead, Stage, TimelineEntry, TimelineKind
from crm_app.services import leads
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login


def _leads_in(db_url: str, status_name: str, count: int, admin_email: str) -> list[int]:
    """Leads made straight in the database, as other users would while the page is open."""
    with db.session(db_url) as s:
        user = find_user_by_email(session=s, email=admin_email)
        stage = next(st for st in leads.lead_statuses(s) if st.name == status_name)
        return [
            leads.create_lead(
                session=s, user=user, data={"last_name": f"Mover {i}", "status_id": stage.id}
            ).id
            for i in range(count)
        ]


def test_admin_manages_statuses_and_sources(page: Page, admin, app_server):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/settings")
    page.get_by_role("link", name="Leads: statuses, sources, junk reasons").click()
    expect(page.get_by_role("heading", name="Lead settings")).to_be_visible()
    statuses = page.get_by_test_id("statuses")
    rows = statuses.get_by_test_id("status-row")
    expect(rows.filter(has_text="Converted")).to_be_visible()
    converted_at = rows.evaluate_all("rs => rs.findIndex(r => r.textContent.includes('Converted'))")
    assert converted_at > 0

    # add: it goes at the end of the statuses in progress, before the final ones
    statuses.get_by_label("Name").fill("Call back")
    statuses.get_by_label("Type").select_option("in_progress")
    statuses.get_by_role("button", name="Add status").click()
    expect(rows.nth(converted_at)).to_contain_text("Call back")
    expect(rows.nth(converted_at)).to_contain_text("In progress")
    expect(statuses.get_by_label("Name")).to_have_value("")

    # a duplicate name is refused next to the field
    statuses.get_by_label("Name").fill("call BACK")
    statuses.get_by_role("button", name="Add status").click()
    expect(statuses.locator("#name-error")).to_have_text("This name is already used.")

    # rename
    rows.filter(has_text="Call back").get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Call them back")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    row = rows.filter(has_text="Call them back")
    expect(row).to_be_visible()

    # reorder: one step up
    row.get_by_role("button", name="Move up").click()
    expect(rows.nth(converted_at - 1)).to_contain_text("Call them back")
    expect(rows.nth(converted_at)).not_to_contain_text("Call them back")

    # meanwhile two leads get this status; deleting it asks where they go
    moved_ids = _leads_in(app_server.db_url, "Call them back", 2, admin["email"])
    row.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("delete-count")).to_have_text("2")
    dialog.get_by_role("button", name="Move and delete").click()
    expect(dialog.locator("#move_to_id-error")).to_be_visible()
    dialog.get_by_label("Move them to").select_option(label="New")
    dialog.get_by_role("button", name="Move and delete").click()
    expect(dialog).to_be_hidden()
    expect(rows.filter(has_text="Call them back")).to_have_count(0)
    with db.session(app_server.db_url) as s:
        new = s.exec(select(Stage).where(Stage.name == "New")).first()
        assert {s.get(Lead, i).status_id for i in moved_ids} == {new.id}
        entries = s.exec(
            select(TimelineEntry).where(
                TimelineEntry.entity_type == EntityType.LEAD,
                TimelineEntry.kind == TimelineKind.STAGE_CHANGE,
                TimelineEntry.entity_id.in_(moved_ids),
            )
        ).all()
        assert len(entries) == 2

    # add a source
    sources = page.get_by_test_id("sources")
    sources.get_by_label("Name").fill("Trade fair 2026")
    sources.get_by_role("button", name="Add source").click()
    source_row = sources.get_by_test_id("source-row").filter(has_text="Trade fair 2026")
    expect(source_row).to_contain_text("trade_fair_2026")
    expect(source_row).to_contain_text("Active")
