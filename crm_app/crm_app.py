"""The Reflex app: routes, and the REST API mounted under /api/v1."""

from __future__ import annotations

import reflex as rx

from crm_app.api.app import api
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
    head_components=[rx.el.meta(name="referrer", content="same-origin")],
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
