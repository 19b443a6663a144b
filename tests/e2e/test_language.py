"""Switching to French translates the UI, and the choice sticks across logins; the catalogue
goes over the websocket only when the language changes, not with every page opened."""

from playwright.sync_api import Page, expect

from crm_app import db
from crm_app.services import leads
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login

HYDRATED = '"is_hydrated_rx_state_":true'


def test_language_switch_to_french_sticks(page: Page, admin):
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.get_by_role("button", name="User menu").click()
    page.get_by_role("menuitem", name="Language").click()
    page.get_by_role("menuitem", name="Français").click()
    expect(page.get_by_role("heading", name="Ma journée")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Prospects")).to_be_visible()
    expect(nav.get_by_role("link", name="Transactions")).to_be_visible()
    # log out and in again: still French
    page.get_by_role("button", name="Menu utilisateur").click()
    page.get_by_role("menuitem", name="Se déconnecter").click()
    page.get_by_label("E-mail").fill(admin["email"])
    page.get_by_label("Mot de passe").fill(admin["password"])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Ma journée")).to_be_visible()
    # back to English for the other tests
    page.get_by_role("button", name="Menu utilisateur").click()
    page.get_by_role("menuitem", name="Langue").click()
    page.get_by_role("menuitem", name="English").click()
    expect(page.get_by_role("heading", name="My day")).to_be_visible()


def test_in_app_page_open_does_not_resend_the_catalogue(page: Page, app_server, admin):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        for i in range(25):
            leads.create_lead(session=s, user=user, data={"last_name": f"Lead {i:03d}", "company": "Acme"})
    sockets, received = [], []

    def on_websocket(ws) -> None:
        sockets.append(ws)
        ws.on("framereceived", lambda payload: received.append(str(payload)))

    page.on("websocket", on_websocket)
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.get_by_role("button", name="User menu").click()
    page.get_by_role("menuitem", name="Language").click()
    page.get_by_role("menuitem", name="Français").click()
    expect(page.get_by_role("heading", name="Ma journée")).to_be_visible()
    assert any('"tr_rx_state_"' in frame and "Prospects" in frame for frame in received)
    # an in-app click to the leads list (20 rows a page): its data, not the catalogue again
    received.clear()
    with sockets[-1].expect_event("framereceived", predicate=lambda payload: HYDRATED in str(payload)):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Prospects").click()
    expect(page.locator("table tbody tr")).to_have_count(20)
    expect(page.get_by_role("button", name="Montant")).to_be_visible()
    expect(page).to_have_title("CRM · Prospects")
    assert not [frame[:200] for frame in received if '"tr_rx_state_"' in frame]
    assert sum(len(frame.encode()) for frame in received) < 10_000
    # back to English for the other tests: every string follows at once
    page.get_by_role("button", name="Menu utilisateur").click()
    page.get_by_role("menuitem", name="Langue").click()
    page.get_by_role("menuitem", name="English").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads")).to_be_visible()
    expect(page.get_by_role("button", name="Amount")).to_be_visible()
    expect(page).to_have_title("CRM · Leads")


def test_a_language_switch_reformats_the_list_on_screen(page: Page, app_server, admin):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        leads.create_lead(
            session=s, user=user, data={"last_name": "Zzz Amount", "amount": "1234.5", "currency_code": "EUR"}
        )
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    row = page.locator("table tbody tr", has_text="Zzz Amount")
    expect(row).to_contain_text("€1,234.50")
    expect(row).to_contain_text("New")
    page.get_by_role("button", name="User menu").click()
    page.get_by_role("menuitem", name="Language").click()
    page.get_by_role("menuitem", name="Français").click()
    # no reload: the rows on screen are read again in French
    expect(row).to_contain_text("1\u202f234,50\u00a0€")
    expect(row).to_contain_text("Nouveau")
    expect(page).to_have_title("CRM · Prospects")
    page.get_by_role("button", name="Menu utilisateur").click()
    page.get_by_role("menuitem", name="Langue").click()
    page.get_by_role("menuitem", name="English").click()
    expect(row).to_contain_text("€1,234.50")
