"""Every URL of the app, built in one place.

Pages, states, components and the app's route table call these functions (`routes.lead(42)`) instead
of writing paths by hand, so a path changes here only. The constants in capitals are the patterns
given to `app.add_page` (with `[id]` / `[slug]` segments). No Reflex import: services may use it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode

# --- route patterns (app.add_page) -----------------------------------------------------------

HOME = "/"
SETUP = "/setup"
LOGIN = "/login"
SEARCH = "/search"
PROFILE = "/profile"
LEADS = "/leads"
LEAD_NEW = "/leads/new"
LEAD_CARD = "/leads/[id]"
LEAD_IMPORT = "/leads/import"
LEAD_IMPORT_HISTORY = "/leads/import/history"
LEAD_DUPLICATES = "/leads/duplicates"
LEAD_MERGE = "/leads/merge"
CONTACTS = "/contacts"
CONTACT_NEW = "/contacts/new"
CONTACT_CARD = "/contacts/[id]"
COMPANIES = "/companies"
COMPANY_NEW = "/companies/new"
COMPANY_CARD = "/companies/[id]"
DEALS = "/deals"
ACTIVITIES = "/activities"
HISTORY = "/history"
REPORTS = "/reports"
PRODUCTS = "/products"
SETTINGS = "/settings"
SETTINGS_USERS = "/settings/users"
SETTINGS_LEADS = "/settings/leads"
SETTINGS_WEB_FORMS = "/settings/web-forms"
SETTINGS_API_KEYS = "/settings/api-keys"
SETTINGS_PERMISSIONS = "/settings/permissions"
SETTINGS_CURRENCIES = "/settings/currencies"
SETTINGS_DEALS = "/settings/deals"
PUBLIC_FORM = "/forms/[slug]"
API_DOCS = "/api/v1/docs"
# HTTP routes (crm_app/api/session_cookie.py): the session cookie is set and cleared by the server
AUTH_SESSION = "/auth/session"
AUTH_LOGOUT = "/auth/logout"
# where no one goes on to after logging in: the HTTP routes of the session and of the REST API
HTTP_PREFIXES = ("/auth/", "/api/")

# entity type (as the services name it) -> list route
ENTITY_LISTS: dict[str, str] = {
    "lead": LEADS,
    "contact": CONTACTS,
    "company": COMPANIES,
    "deal": DEALS,
}


def card_pattern(list_route: str) -> str:
    """The card route of a list route: /contacts -> /contacts/[id]."""
    return f"{list_route}/[id]"


# --- URLs ------------------------------------------------------------------------------------


def home() -> str:
    return HOME


def setup() -> str:
    return SETUP


def login(next_page: str = "") -> str:
    """The login page; `next_page`: where to go once logged in (a path of this app)."""
    return f"{LOGIN}?{urlencode({'next': next_page})}" if next_page and next_page != HOME else LOGIN


def open_session(ticket: str, next_page: str = "") -> str:
    """The HTTP route that turns a login ticket into the session cookie, then goes on."""
    query = {"ticket": ticket, **({"next": next_page} if next_page else {})}
    return f"{AUTH_SESSION}?{urlencode(query)}"


def close_session() -> str:
    """The HTTP route that clears the session cookie, then shows the login page."""
    return AUTH_LOGOUT


def profile() -> str:
    return PROFILE


def search(text: str = "") -> str:
    return f"{SEARCH}?q={quote(text)}"


def list_url(route: str, **query: str | int | bool | None) -> str:
    """A list's route with its place as query parameters (sort, cursor, page size, filters); empty
    and false values are left out, so the plain list is the bare route."""
    kept = {
        key: ("1" if value is True else str(value))
        for key, value in query.items()
        if value not in (None, "", False)
    }
    return f"{route}?{urlencode(kept)}" if kept else route


def leads(**query: str | int | bool | None) -> str:
    """/leads, with its place (see `list_url`)."""
    return list_url(LEADS, **query)


_resume_key = "resume"
# lists whose on_load takes `?resume=1`: back to the place (search, filters, page) the tab held
_RESUMABLE = frozenset({LEADS, CONTACTS, COMPANIES})


def resume_parameter() -> str:
    """The query parameter of `back_to_list` (its on_load reads it)."""
    return _resume_key


def back_to_list(list_route: str) -> str:
    """A link back to a list (the sidebar, a card's "Leads" button): the tab returns to where it
    was on that list. A bare /leads (what "Back" reaches after the first page) is the first page."""
    return f"{list_route}?{_resume_key}=1" if list_route in _RESUMABLE else list_route


def lead(lead_id: int) -> str:
    return f"{LEADS}/{int(lead_id)}"


def lead_new() -> str:
    return LEAD_NEW


def lead_import() -> str:
    return LEAD_IMPORT


def lead_import_history() -> str:
    return LEAD_IMPORT_HISTORY


def lead_duplicates() -> str:
    return LEAD_DUPLICATES


def lead_merge(ids: Iterable[int]) -> str:
    return f"{LEAD_MERGE}?ids=" + ",".join(str(int(i)) for i in ids)


def contacts(**query: str | int | bool | None) -> str:
    return list_url(CONTACTS, **query)


def contact_new(company_id: int | None = None) -> str:
    """The new contact form; `company_id`: the company it will belong to."""
    return f"{CONTACT_NEW}?company={int(company_id)}" if company_id else CONTACT_NEW


def contact(contact_id: int) -> str:
    return f"{CONTACTS}/{int(contact_id)}"


def companies(**query: str | int | bool | None) -> str:
    return list_url(COMPANIES, **query)


def company_new() -> str:
    return COMPANY_NEW


def company(company_id: int) -> str:
    return f"{COMPANIES}/{int(company_id)}"


def deals() -> str:
    return DEALS


def deal(deal_id: int) -> str:
    return f"{DEALS}/{int(deal_id)}"


def record(entity_type: str, record_id: int) -> str:
    """The card of any record by its entity type ("lead", "contact", "company", "deal")."""
    return f"{ENTITY_LISTS[entity_type]}/{int(record_id)}"


def settings() -> str:
    return SETTINGS


def settings_users() -> str:
    return SETTINGS_USERS


def settings_leads() -> str:
    return SETTINGS_LEADS


def settings_web_forms() -> str:
    return SETTINGS_WEB_FORMS


def settings_api_keys() -> str:
    return SETTINGS_API_KEYS


def settings_permissions() -> str:
    return SETTINGS_PERMISSIONS


def settings_currencies() -> str:
    return SETTINGS_CURRENCIES


def settings_deals(pipeline_id: int | None = None) -> str:
    """Settings -> Deals, showing the stages of `pipeline_id` (default: the default pipeline)."""
    return f"{SETTINGS_DEALS}?pipeline={int(pipeline_id)}" if pipeline_id else SETTINGS_DEALS


def public_form(slug: str) -> str:
    return f"/forms/{quote(slug)}"


def api_docs() -> str:
    return API_DOCS
