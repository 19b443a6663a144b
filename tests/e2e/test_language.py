"""Switching to French translates the UI, and the choice sticks across logins."""

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login


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
