"""The Reflex app: routes, and the REST API mounted under /api/v1."""

from __future__ import annotations

import reflex as rx

from crm_app.api.app import api
from crm_app.components.embed import storage_fallback
from crm_app.pages.auth import login_page, setup_page
from crm_app.pages.coming import COMING, make_page
from crm_app.pages.home import home_page
from crm_app.pages.profile import profile_page
from crm_app.pages.search import search_page
from crm_app.pages.settings import settings_page, users_page
from crm_app.state.auth_pages import LoginState, SetupState
from crm_app.state.home import HomeState
from crm_app.state.search import SearchState
from crm_app.state.session import SessionState
from crm_app.state.users import UsersState

app = rx.App(
    api_transformer=api,
    # storage_fallback: the public web form must also work framed by another site
    head_components=[rx.el.meta(name="referrer", content="same-origin"), storage_fallback()],
)

guard = SessionState.check_login

app.add_page(setup_page, route="/setup", title="CRM · Setup", on_load=SetupState.check_setup)
app.add_page(login_page, route="/login", title="CRM · Log in", on_load=LoginState.check_public)
app.add_page(home_page, route="/", title="CRM", on_load=[guard, HomeState.load])
app.add_page(search_page, route="/search", title="CRM · Search", on_load=[guard, SearchState.run])
app.add_page(profile_page, route="/profile", title="CRM · Profile", on_load=guard)
app.add_page(settings_page, route="/settings", title="CRM · Settings", on_load=guard)
app.add_page(users_page, route="/settings/users", title="CRM · Users", on_load=[guard, UsersState.load])

# leads
from crm_app.pages.lead_pages import lead_card_page, lead_new_page  # noqa: E402
from crm_app.pages.leads_list import leads_page  # noqa: E402
from crm_app.state.lead_card import LeadCardState  # noqa: E402
from crm_app.state.lead_form import LeadFormState  # noqa: E402
from crm_app.state.leads import LeadsState  # noqa: E402

app.add_page(leads_page, route="/leads", title="CRM · Leads", on_load=[guard, LeadsState.load])
app.add_page(lead_new_page, route="/leads/new", title="CRM · New lead", on_load=[guard, LeadFormState.load])
app.add_page(lead_card_page, route="/leads/[id]", title="CRM · Lead", on_load=[guard, LeadCardState.load])

for route, (title, items) in COMING.items():
    page = make_page(title, items)
    app.add_page(page, route=route, title=f"CRM · {title}", on_load=guard)
    app.add_page(page, route=f"{route}/[id]", title=f"CRM · {title}", on_load=guard)

# settings -> leads
from crm_app.pages.lead_settings import lead_settings_page  # noqa: E402
from crm_app.state.lead_settings import LeadSettingsState  # noqa: E402

app.add_page(
    lead_settings_page,
    route="/settings/leads",
    title="CRM · Lead settings",
    on_load=[guard, LeadSettingsState.load],
)

# leads -> duplicates and merge
from crm_app.pages.duplicates import duplicates_page, merge_page  # noqa: E402
from crm_app.state.duplicates import DuplicatesState, MergeState  # noqa: E402

app.add_page(
    duplicates_page,
    route="/leads/duplicates",
    title="CRM · Duplicates",
    on_load=[guard, DuplicatesState.load],
)
app.add_page(merge_page, route="/leads/merge", title="CRM · Merge leads", on_load=[guard, MergeState.load])

# settings -> web forms and API keys; the public web form (no login, no app shell)
from crm_app.pages.api_keys import api_keys_page  # noqa: E402
from crm_app.pages.web_forms import public_form_page, web_forms_page  # noqa: E402
from crm_app.state.api_keys import ApiKeysState  # noqa: E402
from crm_app.state.web_forms import PublicFormState, WebFormsState  # noqa: E402

app.add_page(
    web_forms_page, route="/settings/web-forms", title="CRM · Web forms", on_load=[guard, WebFormsState.load]
)
app.add_page(
    api_keys_page, route="/settings/api-keys", title="CRM · API keys", on_load=[guard, ApiKeysState.load]
)
app.add_page(public_form_page, route="/forms/[slug]", title="Contact form", on_load=PublicFormState.load)

# settings -> permissions
from crm_app.pages.permissions import permissions_page  # noqa: E402
from crm_app.state.permissions import PermissionsState  # noqa: E402

app.add_page(
    permissions_page,
    route="/settings/permissions",
    title="CRM · Permissions",
    on_load=[guard, PermissionsState.load],
)

# leads -> import (CSV)
from crm_app.pages.lead_import import lead_import_page  # noqa: E402
from crm_app.state.lead_import import LeadImportState  # noqa: E402

app.add_page(
    lead_import_page,
    route="/leads/import",
    title="CRM · Import leads",
    on_load=[guard, LeadImportState.load],
)
