"""/settings and /settings/users."""

from __future__ import annotations

import reflex as rx

from crm_app.components.forms import crm_form, form_error, text_field
from crm_app.components.i18n import t
from crm_app.components.layout import app_shell
from crm_app.models import Role
from crm_app.services.i18n import N_
from crm_app.state.users import TeamView, UserRow, UsersState

SECTIONS = [
    (N_("Users"), N_("Team members, roles and access."), "/settings/users", "users", True),
    (
        N_("Permissions"),
        N_("What each role may see and change: none, own, team or all records."),
        "/settings/permissions",
        "shield_check",
        True,
    ),
    (
        N_("Leads: statuses, sources, junk reasons"),
        N_("The steps a lead goes through, and its final statuses."),
        "/settings/leads",
        "list_ordered",
        True,
    ),
    (N_("Deal pipelines"), N_("Pipelines and their stages, with colours and results."), "", "kanban", False),
    (N_("Sources"), N_("Where leads and deals come from."), "/settings/leads", "radio_tower", True),
    (N_("Currencies"), N_("Currencies and exchange rates."), "", "coins", False),
    (
        N_("Web forms"),
        N_("Public forms that create leads from your website."),
        "/settings/web-forms",
        "file_input",
        True,
    ),
    (N_("API keys"), N_("Keys for the REST API."), "/settings/api-keys", "key_round", True),
]

ROLE_LABELS = {
    Role.ADMIN.value: N_("Administrator"),
    Role.MANAGER.value: N_("Manager"),
    Role.SALES.value: N_("Sales representative"),
}


def section_card(title: str, text: str, href: str, icon: str, ready: bool) -> rx.Component:
    body = rx.card(
        rx.hstack(
            rx.icon(icon, size=22, color=rx.color("accent", 9)),
            rx.vstack(
                rx.hstack(
                    rx.text(t(title), weight="bold"),
                    rx.cond(ready, rx.fragment(), rx.badge(t("Coming soon"), color_scheme="amber", size="1")),
                    align="center",
                ),
                rx.text(t(text), size="2", color_scheme="gray"),
                spacing="1",
            ),
            align="start",
            spacing="3",
        ),
        width="100%",
        opacity="1" if ready else "0.7",
    )
    return rx.link(body, href=href, underline="none") if ready else body


def settings_page() -> rx.Component:
    return app_shell(
        "Settings",
        rx.grid(*[section_card(*s) for s in SECTIONS], columns="2", spacing="4", width="100%"),
    )


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


def team_line(team: TeamView) -> rx.Component:
    return rx.table.row(
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
        data_testid="team-row",
    )


def teams_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Teams"), size="4", as_="h2"),
            rx.text(
                t("With the team scope in Settings → Permissions, users see the records of their team."),
                size="2",
                color_scheme="gray",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell(t("Team")),
                        rx.table.column_header_cell(t("Members")),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(UsersState.teams, team_line)),
                width="100%",
                variant="ghost",
                size="1",
            ),
            rx.cond(
                UsersState.is_admin,
                rx.form(
                    rx.hstack(
                        rx.input(name="name", placeholder=t("Team name"), aria_label=t("New team"), size="2"),
                        rx.button(rx.icon("plus", size=14), t("Add team"), type="submit", size="2"),
                        align="center",
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


def user_row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.name, weight="medium")),
        rx.table.cell(row.email),
        rx.table.cell(role_select(row)),
        rx.table.cell(team_select(row)),
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
                            rx.table.column_header_cell(t("Team")),
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
                teams_card(),
                width="100%",
                data_loaded="users",
            ),
            rx.spinner(),
        ),
        actions=rx.cond(UsersState.is_admin, add_user_dialog(), rx.fragment()),
    )
