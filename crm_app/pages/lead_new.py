"""/leads/new: the lead form, with possible duplicates shown before saving."""

from __future__ import annotations

import reflex as rx

from crm_app import routes
from crm_app.components.lead_fields import lead_fields
from crm_app.components.new_record import new_record_page
from crm_app.services.i18n import N_
from crm_app.state.lead_form import LeadFormState


def lead_new_page() -> rx.Component:
    return new_record_page(N_("New lead"), LeadFormState, lead_fields, routes.LEADS)
