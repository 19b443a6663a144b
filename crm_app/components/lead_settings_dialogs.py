"""The edit and delete dialogs of Settings -> Leads (components/settings_dialogs, for its three
lists)."""

from __future__ import annotations

import reflex as rx

from crm_app.components import settings_dialogs
from crm_app.services.i18n import N_
from crm_app.state.lead_settings import LeadSettingsState as S


def edit_dialog() -> rx.Component:
    return settings_dialogs.edit_dialog(
        S, [("status", N_("Edit status")), ("source", N_("Edit source")), ("reason", N_("Edit junk reason"))]
    )


def delete_dialog() -> rx.Component:
    return settings_dialogs.delete_dialog(
        S,
        [
            ("status", N_("Delete status")),
            ("source", N_("Delete source")),
            ("reason", N_("Delete junk reason")),
        ],
        [
            ("status", N_("Leads with this status:")),
            ("source", N_("Records with this source:")),
            ("reason", N_("Leads closed with this reason:")),
        ],
    )
