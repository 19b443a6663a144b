"""Every page at a phone's, a tablet's and a laptop's width: never wider than the window, even with
a 200-character value without spaces, and the lead card puts its fields above the timeline on a
phone. Screenshots of each page land in test-results/layout/ (look at them)."""

import itertools
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crm_app import db
from crm_app.models import EntityType
from crm_app.services import deal_products, leads, products, records, timeline, web_forms
from crm_app.services.auth import find_user_by_email
from tests.e2e.conftest import login

SIZES = {"phone": (390, 844), "tablet": (768, 1024), "laptop": (1366, 768)}
SHOTS = Path("test-results/layout")
LONG = "W" * 200  # a name, company or comment without a single space

# path -> what shows once the page has its data (a test id, a data-loaded marker or a heading)
PAGES = [
    ("/", "heading:My day"),
    ("/leads", "[data-loaded='leads']"),
    ("/leads/new", "heading:New lead"),
    ("/leads/{lead}", "[data-loaded='lead-card']"),
    ("/leads/import", "heading:Import leads"),
    ("/leads/duplicates", "[data-loaded='duplicates']"),
    ("/contacts", "[data-loaded='contacts']"),
    ("/contacts/new", "heading:New contact"),
    ("/contacts/{contact}", "[data-loaded='contact-card']"),
    ("/companies", "[data-loaded='companies']"),
    ("/companies/new", "heading:New company"),
    ("/companies/{company}", "[data-loaded='company-card']"),
    ("/deals", "heading:Coming soon"),
    ("/deals/{deal}", "[data-loaded='deal-card']"),
    ("/search?q=WWWW", "heading:Search"),
    ("/profile", "heading:Profile"),
    ("/settings", "heading:Settings"),
    ("/settings/users", "[data-loaded='users']"),
    ("/settings/leads", "[data-loaded='lead-settings']"),
    ("/settings/web-forms", "[data-loaded='web-forms']"),
    ("/settings/api-keys", "[data-loaded='api-keys']"),
    ("/settings/permissions", "[data-loaded='permissions']"),
    ("/settings/currencies", "[data-loaded='currencies']"),
    ("/settings/deals", "[data-loaded='deal-settings']"),
    ("/products", "[data-loaded='products']"),
    ("/forms/{form}", "button:Send"),
]


def _wait(page: Page, marker: str) -> None:
    kind, _, name = marker.partition(":")
    if kind == "heading":
        expect(page.get_by_role("heading", name=name, exact=True).first).to_be_visible()
    elif kind == "button":
        expect(page.get_by_role("button", name=name)).to_be_visible()
    else:
        expect(page.locator(marker).first).to_be_visible()


def _too_wide(page: Page) -> list[str]:
    """The page's width against the window's, and the elements that stick out to the right."""
    return page.evaluate(
        """() => {
            const w = window.innerWidth;
            if (document.documentElement.scrollWidth <= w) return [];
            const out = [`page ${document.documentElement.scrollWidth} > ${w}`];
            for (const e of document.querySelectorAll('body *')) {
                const r = e.getBoundingClientRect();
                if (r.right > w + 1 && r.width > 0) {
                    let clipped = false;
                    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                        const s = getComputedStyle(p);
                        if (s.overflowX !== 'visible' && p.getBoundingClientRect().right <= w + 1) {
                            clipped = true; break;
                        }
                    }
                    if (!clipped) out.push(`${e.tagName}.${e.className} right=${Math.round(r.right)}`);
                }
                if (out.length > 6) break;
            }
            return out;
        }"""
    )


@pytest.fixture
def seeded(app_server, admin) -> dict[str, str]:
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        assert user is not None
        lead = leads.create_lead(
            session=s,
            user=user,
            data={
                "first_name": "Wanda",
                "last_name": LONG[:100],
                "company_name": LONG,
                "title": LONG,
                "emails": "wanda.wide@a-rather-long-domain-name.example",
                "phones": "+33 6 12 34 56 78",
                "comments": LONG,
            },
        )
        assert lead.id is not None
        timeline.add_comment(session=s, user=user, entity_type=EntityType.LEAD, entity_id=lead.id, text=LONG)
        form = web_forms.create_web_form(
            session=s,
            user=user,
            data={
                "name": "Wide form",
                "fields": [{"name": "first_name", "required": True}, {"name": "email", "required": True}],
                "thank_you_text": LONG,
            },
        )
        products.create_product(
            session=s,
            user=user,
            data={
                "name": LONG,
                "sku": "W" * 60,
                "price": "1234567.89",
                "unit": "licence",
                "description": LONG,
            },
        )
        company = records.create_company(
            session=s,
            user=user,
            data={
                "name": LONG,
                "industry": LONG[:100],
                "website": "https://" + "w" * 60 + ".example",
                "comment": LONG,
            },
        )
        contact = records.create_contact(
            session=s,
            user=user,
            data={
                "first_name": "Wanda",
                "last_name": LONG[:100],
                "position": LONG,
                "emails": "wanda.wide@a-rather-long-domain-name.example",
                "company_id": company.id,
            },
        )
        deal = records.create_deal(
            session=s, user=user, data={"title": LONG[:255], "company_id": company.id, "comment": LONG}
        )
        deal_products.add_row(
            session=s,
            user=user,
            deal_id=deal.id,
            data={
                "name": LONG[:255],
                "quantity": "999999",
                "unit_price": "123456.78",
                "discount_value": "12.5",
                "tax_rate": "20",
            },
        )
        return {
            "deal": str(deal.id),
            "lead": str(lead.id),
            "form": form.slug,
            "contact": str(contact.id),
            "company": str(company.id),
        }


def _switch_language(page: Page, menu: str, language: str, heading: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/")
    page.get_by_role("button", name=menu).click()
    page.get_by_role("menuitem", name="Language" if menu == "User menu" else "Langue").click()
    page.get_by_role("menuitem", name=language).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


# French headings of the pages whose marker is a heading (French words are longer: the layout
# must hold them too)
FRENCH = {"My day": "Ma journée", "New lead": "Nouveau prospect", "Import leads": "Importer des prospects",
          "New contact": "Nouveau contact", "New company": "Nouvelle entreprise",
          "Coming soon": "Bientôt disponible", "Search": "Rechercher", "Profile": "Profil",
          "Settings": "Paramètres", "Send": "Envoyer"}  # fmt: skip


def test_no_page_is_wider_than_the_window(page: Page, admin, seeded):
    SHOTS.mkdir(parents=True, exist_ok=True)
    wide = {}
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    for language in ("en", "fr"):
        if language == "fr":
            _switch_language(page, "User menu", "Français", "Ma journée")
        for (size, (width, height)), (path, marker) in itertools.product(SIZES.items(), PAGES):
            if language == "fr":
                kind, _, label = marker.partition(":")
                marker = f"{kind}:{FRENCH.get(label, label)}" if kind in ("heading", "button") else marker
            page.set_viewport_size({"width": width, "height": height})
            url = path.format(**seeded)
            page.goto(url)
            _wait(page, marker)
            page.wait_for_timeout(150)  # fonts and late deltas
            name = path.strip("/").split("?")[0].replace("/", "_").replace("{", "").replace("}", "") or "home"
            suffix = "" if language == "en" else "-fr"
            page.screenshot(path=str(SHOTS / f"{size}-{name}{suffix}.png"), full_page=True)
            if problems := _too_wide(page):
                wide[f"{language} {size} {url}"] = problems
    _switch_language(page, "Menu utilisateur", "English", "My day")
    assert wide == {}
    # a long page on a laptop: the sidebar's background runs down to the bottom
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/leads/{seeded['lead']}")
    _wait(page, "[data-loaded='lead-card']")
    assert page.evaluate(
        "() => document.querySelector('[data-testid=sidebar]').getBoundingClientRect().height"
        " >= document.documentElement.scrollHeight - 1"
    )
    # on a phone, the card: the fields first, then the timeline below them (not beside)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/leads/{seeded['lead']}")
    _wait(page, "[data-loaded='lead-card']")
    fields = page.get_by_test_id("lead-fields").bounding_box()
    feed = page.get_by_test_id("timeline").bounding_box()
    assert fields and feed and feed["y"] >= fields["y"] + fields["height"] - 1
    # a phone number stays on one line
    phone = page.get_by_text("+33 6 12 34 56 78").first
    box = phone.bounding_box()
    assert box and box["height"] < 30, box
    # a dialog fits the phone's screen
    page.get_by_role("button", name="Finalise").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.wait_for_timeout(300)  # the opening animation
    page.screenshot(path=str(SHOTS / "phone-finalise-dialog.png"))
    box = dialog.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


# page, the button that opens a dialog there, and what shows once the page has its data
DIALOGS = [
    ("/settings/leads", "Edit", "[data-loaded='lead-settings']"),
    ("/settings/web-forms", "New web form", "[data-loaded='web-forms']"),
    ("/settings/api-keys", "Create key", "[data-loaded='api-keys']"),
    ("/settings/users", "Add user", "[data-loaded='users']"),
    ("/settings/currencies", "Edit", "[data-loaded='currencies']"),
    ("/settings/deals", "Edit", "[data-loaded='deal-settings']"),
    ("/products", "Add product", "[data-loaded='products']"),
]


def test_dialogs_and_the_merge_page_fit_a_phone(page: Page, admin, app_server):
    with db.session(app_server.db_url) as s:
        user = find_user_by_email(session=s, email=admin["email"])
        assert user is not None
        twins = [
            leads.create_lead(
                session=s,
                user=user,
                data={"first_name": "Twin", "last_name": LONG[:100], "company_name": LONG, "emails": email},
            ).id
            for email in ("twin@example.com", "twin@example.com")
        ]
    login(page, admin["email"], admin["password"])
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    for path, button, marker in DIALOGS:
        page.goto(path)
        _wait(page, marker)
        page.get_by_role("button", name=button, exact=True).first.click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        page.wait_for_timeout(300)  # the opening animation
        name = path.strip("/").replace("/", "_")
        page.screenshot(path=str(SHOTS / f"phone-dialog-{name}.png"))
        box = dialog.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (path, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/leads/merge?ids={twins[0]},{twins[1]}")
        _wait(page, "[data-loaded='merge']")
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"{size}-leads_merge.png"), full_page=True)
        assert _too_wide(page) == [], size
