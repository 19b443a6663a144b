"""A user makes an API key in the settings, sees it once, uses it on the REST API, revokes it."""

import json
import re
import urllib.error
import urllib.request

from playwright.sync_api import Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import Lead
from tests.e2e.conftest import login


def post_lead(base_url: str, key: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base_url}/api/v1/leads",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_a_key_is_shown_once_works_and_stops_when_revoked(page: Page, admin, base_url: str, app_server):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.goto("/settings")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()

    page.get_by_role("button", name="Create key").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("E2E integration")
    dialog.get_by_role("button", name="Create key").click()
    key_box = dialog.get_by_label("API key", exact=True)
    expect(key_box).to_have_value(re.compile(r"^crm_\S{40,}$"))
    key = key_box.input_value()
    expect(dialog).to_contain_text("it will not be shown again")
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_be_hidden()

    row = page.get_by_test_id("api-key-row").filter(has_text="E2E integration")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text(key[:10])
    assert key not in page.content()  # shown once: gone with the dialog

    status, body = post_lead(base_url, key, {"last_name": "From the API", "emails": ["api-e2e@example.com"]})
    assert status == 201, body
    assert body["last_name"] == "From the API" and body["emails"] == ["api-e2e@example.com"]
    with db.session(app_server.db_url) as s:
        assert s.exec(select(Lead).where(Lead.last_name == "From the API")).one().id == body["id"]

    row.get_by_role("button", name="Revoke").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("Revoked")
    status, _ = post_lead(base_url, key, {"last_name": "Too late"})
    assert status == 401
