"""/settings/users: team members, roles and access."""

from __future__ import annotations

from typing import cast

import reflex as rx

from crm_app.components.data_table import Column, cell, data_table
from crm_app.components.form_dialog import form_dialog
from crm_app.components.forms import FieldErrors, text_field
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.components.pager import pager
from crm_app.components.select_field import select_field
from crm_app.models import Role
from crm_app.services.i18n import N_
from crm_app.state.users import TeamView, UserRow, UsersState

ROLE_LABELS = {
    Role.ADMIN.value: N_("Administrator"),
    Role.MANAGER.value: N_("Manager"),
    Role.SALES.value: N_("Sales representative"),
}


def role_label(role: rx.Var) -> rx.Component | rx.Var:
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


def team_select(row: UserRow) -> rx.Component:
    return rx.el.select(
        rx.el.option(t("No team"), value=""),
        rx.foreach(UsersState.teams, lambda team: rx.el.option(team.name, value=team.id.to_string())),
        value=row.team_id,
        aria_label=t("Team"),
        on_change=lambda value: UsersState.set_team(row.id, value),
        disabled=~UsersState.is_admin,
        style={"padding": "0.25rem", "borderRadius": "0.3rem"},
    )


def team_cells(team: TeamView) -> list[rx.Component]:
    return [
        rx.table.cell(
            rx.input(
                default_value=team.name,
                aria_label=t("Team name"),
                on_blur=lambda value: UsersState.rename_team(team.id, value),
                size="1",
                disabled=~UsersState.is_admin,
            )
        ),
        rx.table.cell(team.members),
        rx.table.cell(
            rx.cond(
                UsersState.is_admin,
                rx.button(
                    t("Delete"),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=UsersState.delete_team(team.id),
                    title=t("Its members move to no team."),
                ),
                rx.fragment(),
            )
        ),
    ]


TEAM_COLUMNS = [Column(N_("Team")), Column(N_("Members")), Column("")]


def teams_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Teams"), size="4", as_="h2"),
            rx.text(
                t("With the team scope in Settings → Permissions, users see the records of their team."),
                size="2",
                color_scheme="gray",
            ),
            data_table(TEAM_COLUMNS, UsersState.teams, team_cells, row_testid="team-row", variant="ghost"),
            rx.cond(
                UsersState.is_admin,
                rx.form(
                    rx.hstack(
                        rx.input(name="name", placeholder=t("Team name"), aria_label=t("New team"), size="2"),
                        rx.button(rx.icon("plus", size=14), t("Add team"), type="submit", size="2"),
                        align="center",
                        wrap="wrap",
                    ),
                    on_submit=UsersState.add_team,
                    reset_on_submit=True,
                ),
                rx.fragment(),
            ),
            width="100%",
            spacing="3",
        ),
        width="100%",
    )


USER_COLUMNS = [
    Column(N_("Name"), min_width="8rem"),
    Column(N_("E-mail"), nowrap=True),
    Column(N_("Role")),
    Column(N_("Team")),
    Column(N_("Status")),
    Column(N_("Last login"), nowrap=True),
    Column(""),
]


def user_cells(row: UserRow) -> list[rx.Component]:
    return [
        rx.table.cell(rx.text(row.name, weight="medium")),
        cell(row.email, USER_COLUMNS[1]),
        rx.table.cell(role_select(row)),
        rx.table.cell(team_select(row)),
        rx.table.cell(
            rx.cond(
                row.is_active,
                rx.badge(t("Active"), color_scheme="green"),
                rx.badge(t("Deactivated"), color_scheme="gray"),
            )
        ),
        cell(row.last_login, USER_COLUMNS[5]),
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
    # UsersState declares `errors` as a plain dict (not an rx.Field): a Var on class access
    errors = cast("FieldErrors", UsersState.errors)
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
                teams_card(),
                width="100%",
                data_loaded="users",
            ),
            rx.spinner(),
        ),
        actions=rx.cond(UsersState.is_admin, add_user_dialog(), rx.fragment()),
    )
