"""/settings/users: team members, roles and access."""

from __future__ import annotations

import reflex as rx

from crm_app.components.data_table import Column, cell, data_table
from crm_app.components.form_dialog import form_dialog
from crm_app.components.forms import text_field
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.pager import pager
from crm_app.components.select_field import select_field
from crm_app.models import Role
from crm_app.services.i18n import N_
from crm_app.state.users import UserRow, UsersState

ROLE_LABELS = {
    Role.ADMIN.value: N_("Administrator"),
    Role.MANAGER.value: N_("Manager"),
    Role.SALES.value: N_("Sales representative"),
}


def role_label(role: rx.Var) -> rx.Component:
    return rx.match(
        role,
        *[(value, t(label)) for value, label in ROLE_LABELS.items()],
        role,
    )


def role_select(row: UserRow) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=t("Role")),
        rx.select.content(*[rx.select.item(t(label), value=value) for value, label in ROLE_LABELS.items()]),
        value=row.role,
        on_change=lambda role: UsersState.change_role(row.id, role),
        size="1",
        disabled=~UsersState.is_admin,
    )


USER_COLUMNS = [
    Column(N_("Name"), min_width="8rem"),
    Column(N_("E-mail"), nowrap=True),
    Column(N_("Role")),
    Column(N_("Status")),
    Column(N_("Last login"), nowrap=True),
    Column(""),
]


def user_cells(row: UserRow) -> list[rx.Component]:
    return [
        rx.table.cell(rx.text(row.name, weight="medium")),
        cell(row.email, USER_COLUMNS[1]),
        rx.table.cell(role_select(row)),
        rx.table.cell(
            rx.cond(
                row.is_active,
                rx.badge(t("Active"), color_scheme="green"),
                rx.badge(t("Deactivated"), color_scheme="gray"),
            )
        ),
        cell(row.last_login, USER_COLUMNS[4]),
        rx.table.cell(
            rx.cond(
                UsersState.is_admin,
                rx.cond(
                    row.is_active,
                    rx.button(
                        t("Deactivate"),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=UsersState.set_active(row.id, False),
                        disabled=row.id == UsersState.user_id,
                    ),
                    rx.button(
                        t("Activate"), size="1", variant="soft", on_click=UsersState.set_active(row.id, True)
                    ),
                ),
                rx.fragment(),
            )
        ),
    ]


def add_user_dialog() -> rx.Component:
    errors = UsersState.errors
    return form_dialog(
        "Add user",
        text_field("Name", "name", errors, form_id="add-user"),
        text_field("E-mail", "email", errors, type_="email", form_id="add-user"),
        select_field(
            "Role",
            "role",
            items=list(ROLE_LABELS.items()),
            errors=errors,
            default_value=Role.SALES.value,
            form_id="add-user",
        ),
        text_field(
            "Password",
            "password",
            errors,
            type_="password",
            autocomplete="new-password",
            form_id="add-user",
        ),
        errors=errors,
        open=UsersState.dialog_open,
        on_open_change=UsersState.set_dialog_open,
        on_submit=UsersState.add_user,
        trigger=rx.button(rx.icon("plus", size=16), t("Add user"), on_click=UsersState.open_dialog),
        max_width="32rem",
    )


def users_page() -> rx.Component:
    return app_shell(
        "Users",
        rx.cond(
            UsersState.loaded,
            rx.vstack(
                data_table(USER_COLUMNS, UsersState.rows, user_cells, row_testid="user-row"),
                pager(UsersState, sizes=UsersState.PAGE_SIZES),
                width="100%",
                data_loaded="users",
            ),
            rx.spinner(),
        ),
        actions=rx.cond(UsersState.is_admin, add_user_dialog(), rx.fragment()),
    )
