"""The Reflex app: routes (one page module each), and the REST API mounted under /api/v1."""

from __future__ import annotations

import reflex as rx

from crm_app import routes, state_ttl
from crm_app.api.app import api
from crm_app.api.asgi import ASGIApp
from crm_app.api.security import SecurityHeaders
from crm_app.components.embed import storage_fallback
from crm_app.components.i18n import page_title
from crm_app.pages.api_keys import api_keys_page
from crm_app.pages.coming import COMING, make_page
from crm_app.pages.currencies import currencies_page
from crm_app.pages.deal_card import deal_card_page
from crm_app.pages.deal_settings import deal_settings_page
from crm_app.pages.duplicates import duplicates_page
from crm_app.pages.home import home_page
from crm_app.pages.import_history import import_history_page
from crm_app.pages.lead_card import lead_card_page
from crm_app.pages.lead_import import lead_import_page
from crm_app.pages.lead_merge import merge_page
from crm_app.pages.lead_new import lead_new_page
from crm_app.pages.lead_settings import lead_settings_page
from crm_app.pages.leads_list import leads_page
from crm_app.pages.login import login_page
from crm_app.pages.parties_list import companies_page, contacts_page
from crm_app.pages.party_card import company_card_page, contact_card_page
from crm_app.pages.party_new import company_new_page, contact_new_page
from crm_app.pages.permissions import permissions_page
from crm_app.pages.products import products_page
from crm_app.pages.profile import profile_page
from crm_app.pages.public_form import public_form_page
from crm_app.pages.search import search_page
from crm_app.pages.settings import settings_page
from crm_app.pages.setup import setup_page
from crm_app.pages.users import users_page
from crm_app.pages.web_forms import web_forms_page
from crm_app.state.api_keys import ApiKeysState
from crm_app.state.auth_pages import LoginState, SetupState
from crm_app.state.currencies import CurrenciesState
from crm_app.state.deal_card import DealCardState
from crm_app.state.deal_settings import DealSettingsState
from crm_app.state.duplicates import DuplicatesState, MergeState
from crm_app.state.home import HomeState
from crm_app.state.import_history import ImportHistoryState
from crm_app.state.lead_card import LeadCardState
from crm_app.state.lead_form import LeadFormState
from crm_app.state.lead_import import LeadImportState
from crm_app.state.lead_settings import LeadSettingsState
from crm_app.state.leads import LeadsState
from crm_app.state.parties import CompaniesState, ContactsState
from crm_app.state.party_card import CompanyCardState, ContactCardState
from crm_app.state.party_form import CompanyFormState, ContactFormState
from crm_app.state.permissions import PermissionsState
from crm_app.state.products import ProductsState
from crm_app.state.search import SearchState
from crm_app.state.session import SessionState
from crm_app.state.users import UsersState
from crm_app.state.web_forms import PublicFormState, WebFormsState


class CrmApp(rx.App):
    """The Reflex app, whose backend answers through `SecurityHeaders` (api/security.py) first.

    Reflex wraps its whole backend, api_transformer included, in a CORS middleware that accepts
    any origin with credentials: it would answer a foreign site's preflight itself ("allowed",
    with Access-Control-Allow-Origin and -Credentials) before an inner middleware could refuse it.
    """

    def __call__(self) -> ASGIApp:
        return SecurityHeaders(super().__call__())


app = CrmApp(
    api_transformer=api,
    # storage_fallback: the public web form must also work framed by another site
    head_components=[rx.el.meta(name="referrer", content="same-origin"), storage_fallback()],
)

# the page guard, for pages whose on_load does not check the session itself: a page whose load
# starts with `SessionState._page_user` is registered with that load alone (one event per open)
guard = SessionState.check_login

# public pages
app.add_page(setup_page, route=routes.SETUP, title=page_title("Setup"), on_load=SetupState.check_setup)
app.add_page(login_page, route=routes.LOGIN, title=page_title("Log in"), on_load=LoginState.check_public)
# the public web form (no login, no app shell)
app.add_page(
    public_form_page,
    route=routes.PUBLIC_FORM,
    title=page_title("Contact form", brand=False),
    on_load=PublicFormState.load,
)

app.add_page(home_page, route=routes.HOME, title="CRM", on_load=HomeState.load)
app.add_page(search_page, route=routes.SEARCH, title=page_title("Search"), on_load=SearchState.run)
app.add_page(profile_page, route=routes.PROFILE, title=page_title("Profile"), on_load=guard)

# leads
app.add_page(leads_page, route=routes.LEADS, title=page_title("Leads"), on_load=LeadsState.load)
app.add_page(lead_new_page, route=routes.LEAD_NEW, title=page_title("New lead"), on_load=LeadFormState.load)
app.add_page(lead_card_page, route=routes.LEAD_CARD, title=page_title("Lead"), on_load=LeadCardState.load)
app.add_page(
    duplicates_page,
    route=routes.LEAD_DUPLICATES,
    title=page_title("Duplicates"),
    on_load=DuplicatesState.load,
)
app.add_page(merge_page, route=routes.LEAD_MERGE, title=page_title("Merge leads"), on_load=MergeState.load)
app.add_page(
    lead_import_page,
    route=routes.LEAD_IMPORT,
    title=page_title("Import leads"),
    on_load=[guard, LeadImportState.load],
)
app.add_page(
    import_history_page,
    route=routes.LEAD_IMPORT_HISTORY,
    title=page_title("Import history"),
    on_load=ImportHistoryState.load,
)

# contacts and companies
app.add_page(contacts_page, route=routes.CONTACTS, title=page_title("Contacts"), on_load=ContactsState.load)
app.add_page(
    contact_new_page, route=routes.CONTACT_NEW, title=page_title("New contact"), on_load=ContactFormState.load
)
app.add_page(
    contact_card_page, route=routes.CONTACT_CARD, title=page_title("Contact"), on_load=ContactCardState.load
)
app.add_page(
    companies_page, route=routes.COMPANIES, title=page_title("Companies"), on_load=CompaniesState.load
)
app.add_page(
    company_new_page, route=routes.COMPANY_NEW, title=page_title("New company"), on_load=CompanyFormState.load
)
app.add_page(
    company_card_page, route=routes.COMPANY_CARD, title=page_title("Company"), on_load=CompanyCardState.load
)

# the product catalogue
app.add_page(products_page, route=routes.PRODUCTS, title=page_title("Products"), on_load=ProductsState.load)

# deals: the card (the list and the board come next)
app.add_page(
    deal_card_page,
    route=routes.card_pattern(routes.DEALS),
    title=page_title("Deal"),
    on_load=DealCardState.load,
)

# sections not built yet: one placeholder page per section, list and card
for route, (title, items) in COMING.items():
    page = make_page(title, items)
    app.add_page(page, route=route, title=page_title(title), on_load=guard)
    if route != routes.DEALS:
        app.add_page(page, route=routes.card_pattern(route), title=page_title(title), on_load=guard)

# settings
app.add_page(settings_page, route=routes.SETTINGS, title=page_title("Settings"), on_load=guard)
app.add_page(users_page, route=routes.SETTINGS_USERS, title=page_title("Users"), on_load=UsersState.load)
app.add_page(
    lead_settings_page,
    route=routes.SETTINGS_LEADS,
    title=page_title("Lead settings"),
    on_load=LeadSettingsState.load,
)
app.add_page(
    deal_settings_page,
    route=routes.SETTINGS_DEALS,
    title=page_title("Deal settings"),
    on_load=DealSettingsState.load,
)
app.add_page(
    currencies_page,
    route=routes.SETTINGS_CURRENCIES,
    title=page_title("Currencies"),
    on_load=CurrenciesState.load,
)
app.add_page(
    web_forms_page,
    route=routes.SETTINGS_WEB_FORMS,
    title=page_title("Web forms"),
    on_load=WebFormsState.load,
)
app.add_page(
    api_keys_page,
    route=routes.SETTINGS_API_KEYS,
    title=page_title("API keys"),
    on_load=ApiKeysState.load,
)
app.add_page(
    permissions_page,
    route=routes.SETTINGS_PERMISSIONS,
    title=page_title("Permissions"),
    on_load=PermissionsState.load,
)

# closed tabs' states expire after CRM_STATE_TTL_SECONDS; open tabs' states are kept
app.register_lifespan_task(state_ttl.keep_open_tabs)
state_ttl.cancel_pings_of_closed_sockets()
