"""The edit and delete dialogs of Settings -> Leads (one of each for the three lists, told apart
by `kind`; deleting an item in use asks where its records go)."""

from __future__ import annotations

import reflex as rx

from crm_app.components.form_dialog import form_dialog
from crm_app.components.forms import field_error, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.select_field import field_label, select_field
from crm_app.components.settings_list import COLOR_STYLE
from crm_app.services.i18n import N_
from crm_app.state.lead_settings import LeadSettingsState as S


def edit_dialog() -> rx.Component:
    errors = S.edit_errors
    return form_dialog(
        # a fragment: form_dialog takes a component title, rx.match of texts gives a Var
        rx.fragment(
            rx.match(
                S.edit_kind,
                ("status", t("Edit status")),
                ("source", t("Edit source")),
                t("Edit junk reason"),
            )
        ),
        text_field("Name", "name", errors, default_value=S.edit_name, form_id="edit"),
        rx.cond(
            S.edit_kind == "status",
            rx.vstack(
                field_label(N_("Colour"), "edit-color"),
                rx.el.input(
                    type="color",
                    id="edit-color",
                    name="color",
                    default_value=S.edit_color,
                    style=COLOR_STYLE,
                ),
                field_error(errors, "color"),
                spacing="1",
            ),
            rx.fragment(),
        ),
        errors=errors,
        open=S.edit_open,
        on_open_change=S.set_edit_open,
        on_submit=S.save_edit,
    )


def delete_dialog() -> rx.Component:
    errors = S.delete_errors
    in_use = S.delete_count > 0
    return form_dialog(
        rx.fragment(
            rx.match(
                S.delete_kind,
                ("status", t("Delete status")),
                ("source", t("Delete source")),
                t("Delete junk reason"),
            )
        ),
        rx.text(S.delete_name, weight="bold", size="4"),
        rx.cond(
            in_use,
            rx.vstack(
                rx.callout(
                    rx.hstack(
                        rx.match(
                            S.delete_kind,
                            ("status", t("Leads with this status:")),
                            ("source", t("Records with this source:")),
                            t("Leads closed with this reason:"),
                        ),
                        rx.text(S.delete_count, weight="bold", data_testid="delete-count"),
                        spacing="1",
                    ),
                    icon="info",
                    color_scheme="amber",
                    size="1",
                    width="100%",
                ),
                rx.text(t("Choose where they go before deleting it."), size="2"),
                select_field(
                    N_("Move them to"),
                    "move_to_id",
                    options=S.delete_targets,
                    pairs=True,
                    placeholder=N_("Choose…"),
                    errors=errors,
                    default_value="",
                    field_id="delete-move-to",
                ),
                spacing="2",
                width="100%",
            ),
            rx.text(t("Nothing uses it: it can be deleted safely."), size="2", color_scheme="gray"),
        ),
        # the form's own message comes last here, after what it is about
        form_error(errors),
        open=S.delete_open,
        on_open_change=S.set_delete_open,
        on_submit=S.confirm_delete,
        submit=rx.button(
            rx.cond(in_use, t("Move and delete"), t("Delete")),
            color_scheme="red",
            type="submit",
        ),
    )
