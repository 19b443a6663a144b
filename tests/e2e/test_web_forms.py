"""An administrator makes a web form; a visitor (no login) sends it, also from another site's iframe."""

import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from crm_app import db
from crm_app.models import EntityType, Lead, TimelineEntry, TimelineKind
from tests.e2e.conftest import login


def make_form(page: Page, name: str, thanks: str) -> None:
    page.goto("/settings")
    page.get_by_role("link", name="Web forms").click()
    expect(page.get_by_role("heading", name="Web forms")).to_be_visible()
    page.get_by_role("button", name="New web form").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill(name)
    dialog.get_by_label("Company name").select_option("required")
    dialog.get_by_label("Thank-you text").fill(thanks)
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_be_hidden()


def created_entry(server_db: str, email_name: str) -> tuple[Lead, TimelineEntry]:
    with db.session(server_db) as s:
        lead = s.exec(select(Lead).where(Lead.first_name == email_name)).one()
        entry = s.exec(
            select(TimelineEntry).where(
                TimelineEntry.entity_type == EntityType.LEAD,
                TimelineEntry.entity_id == lead.id,
                TimelineEntry.kind == TimelineKind.CREATED,
            )
        ).one()
        return lead, entry


def test_a_visitor_sends_a_web_form_without_logging_in(
    page: Page, admin, browser: Browser, base_url, app_server
):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    make_form(page, "Quote request", "Thanks <b>Ann</b>, we will call you.")
    row = page.get_by_test_id("web-form-row").filter(has_text="Quote request")
    expect(row).to_contain_text("/forms/quote-request")
    expect(row).to_contain_text("Active")

    visitor = browser.new_context(base_url=base_url)  # no session cookie
    form = visitor.new_page()
    form.goto("/forms/quote-request")
    expect(form.get_by_role("heading", name="Quote request")).to_be_visible()
    expect(form.get_by_role("navigation")).to_have_count(0)  # no app shell
    form.get_by_role("button", name="Send").click()
    expect(form.locator("#wf-company_name-error")).to_have_text("Company name is required.")
    expect(form.locator("#wf-email-error")).to_have_text("E-mail is required.")
    form.get_by_label("First name").fill("Visitor")
    form.get_by_label("Company name").fill("<script>alert(1)</script> Corp")
    form.get_by_label("E-mail").fill("visitor@example.com")
    form.get_by_label("Comment").fill("Please send a quote.")
    form.get_by_role("button", name="Send").click()
    expect(form.get_by_role("status")).to_have_text("Thanks <b>Ann</b>, we will call you.")

    lead, entry = created_entry(app_server.db_url, "Visitor")
    assert lead.company_name == "<script>alert(1)</script> Corp"
    assert lead.created_by_id is None
    assert entry.payload["origin"] == "web_form"

    # deactivated: the page says so, kindly
    row.get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("Deactivated")
    form.goto("/forms/quote-request")
    expect(form.get_by_role("heading", name="This form is not available")).to_be_visible()
    form.goto("/forms/no-such-form")
    expect(form.get_by_role("heading", name="This form is not available")).to_be_visible()
    visitor.close()


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """Another web site (another origin and site: localhost, not 127.0.0.1) serving one page."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_form_works_inside_an_iframe_on_another_site(page: Page, admin, browser: Browser, app_server):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    make_form(page, "Embedded form", "Thanks from the iframe.")
    # the settings show the embed code to paste into the other site
    page.get_by_test_id("web-form-row").filter(has_text="Embedded form").get_by_role(
        "button", name="Edit"
    ).click()
    snippet = page.get_by_role("dialog").get_by_label("Embed code (iframe)").input_value()
    assert snippet.startswith(f'<iframe src="{app_server.url}/forms/embedded-form"')

    with urllib.request.urlopen(f"{app_server.url}/forms/embedded-form") as r:
        assert r.headers.get("X-Frame-Options") is None
        assert "frame-ancestors *" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    # the app itself cannot be framed by another site (issue 8)
    with urllib.request.urlopen(f"{app_server.url}/login") as r:
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"]

    with other_site(f"<h1>Another site</h1>{snippet}") as url:
        site = browser.new_context()
        other = site.new_page()
        other.goto(url)
        frame = other.frame_locator("iframe")
        expect(frame.get_by_role("heading", name="Embedded form")).to_be_visible(timeout=20_000)
        frame.get_by_label("First name").fill("Framed")
        frame.get_by_label("Company name").fill("Frame Ltd")
        frame.get_by_label("E-mail").fill("framed@example.com")
        frame.get_by_role("button", name="Send").click()
        expect(frame.get_by_role("status")).to_have_text("Thanks from the iframe.")
        site.close()
    _, entry = created_entry(app_server.db_url, "Framed")
    assert entry.payload["origin"] == "web_form"
