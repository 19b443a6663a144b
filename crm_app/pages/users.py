"""/settings/users: team members, roles and access."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
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


def user_row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(row.email),
        rx.table.cell(role_select(row)),
        rx.table.cell(
            rx.cond(
                row.is_active,
                rx.badge(t("Active"), color_scheme="green"),
                rx.badge(t("Deactivated"), color_scheme="gray"),
            )
        ),
        rx.table.cell(row.last_login),
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
        data_testid="user-row",
    )


def add_user_dialog() -> rx.Component:
    errors = UsersState.errors
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("plus", size=16), t("Add user"), on_click=UsersState.open_dialog)
        ),
        rx.dialog.content(
            rx.dialog.title(t("Add user")),
            crm_form(
                rx.vstack(
                    form_error(errors),
                    text_field("Name", "name", errors, form_id="add-user"),
                    text_field("E-mail", "email", errors, type_="email", form_id="add-user"),
                    rx.vstack(
                        rx.el.label(
                            t("Role"),
                            html_for="add-user-role",
                            style={"fontSize": "0.875rem", "fontWeight": 500},
                        ),
                        rx.el.select(
                            *[rx.el.option(t(label), value=value) for value, label in ROLE_LABELS.items()],
                            id="add-user-role",
                            name="role",
                            default_value=Role.SALES.value,
                            style={"padding": "0.4rem", "borderRadius": "0.4rem", "width": "100%"},
                        ),
                        spacing="1",
                        width="100%",
                    ),
                    text_field(
                        "Password",
                        "password",
                        errors,
                        type_="password",
                        autocomplete="new-password",
                        form_id="add-user",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(t("Cancel"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(t("Save"), type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=UsersState.add_user,
            ),
        ),
        open=UsersState.dialog_open,
        on_open_change=UsersState.set_dialog_open,
    )


def users_page() -> rx.Component:
    return app_shell(
        "Users",
        rx.cond(
            UsersState.loaded,
            rx.vstack(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(t("Name")),
                            rx.table.column_header_cell(t("E-mail")),
                            rx.table.column_header_cell(t("Role")),
                            rx.table.column_header_cell(t("Status")),
                            rx.table.column_header_cell(t("Last login")),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(UsersState.rows, user_row)),
                    width="100%",
                    variant="surface",
                ),
                rx.hstack(
                    rx.button(
                        t("Previous"),
                        on_click=UsersState.prev_page,
                        disabled=~UsersState.has_prev,
                        variant="soft",
                        size="1",
                    ),
                    rx.text(UsersState.page + 1, " / ", UsersState.page_count, size="2"),
                    rx.button(
                        t("Next"),
                        on_click=UsersState.next_page,
                        disabled=~UsersState.has_next,
                        variant="soft",
                        size="1",
                    ),
                    align="center",
                ),
                width="100%",
                data_loaded="users",
            ),
            rx.spinner(),
        ),
        actions=rx.cond(UsersState.is_admin, add_user_dialog(), rx.fragment()),
    )
