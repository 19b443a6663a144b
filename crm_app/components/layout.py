"""The app shell: sidebar with counters, top bar with search and the user menu."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import NumberVar

from crm_app import routes
from crm_app.components.i18n import t
from crm_app.services.i18n import LANGUAGES, N_
from crm_app.state.session import SessionState

# (label, route, icon, counter key)
NAV_ITEMS: list[tuple[str, str, str, str]] = [
    (N_("Leads"), routes.LEADS, "user_plus", "leads"),
    (N_("Contacts"), routes.CONTACTS, "contact", "contacts"),
    (N_("Companies"), routes.COMPANIES, "building_2", "companies"),
    (N_("Deals"), routes.DEALS, "handshake", "deals"),
    (N_("Activities"), routes.ACTIVITIES, "list_todo", "activities"),
    (N_("History"), routes.HISTORY, "history", "history"),
    (N_("Reports"), routes.REPORTS, "chart_column", "reports"),
    (N_("Products"), routes.PRODUCTS, "package", "products"),
    (N_("Settings"), routes.SETTINGS, "settings", "settings"),
]


def counter_badge(key: str) -> rx.Component:
    # a Var on class access: SessionState declares counters as a plain dict, not an rx.Field
    count = cast("NumberVar[int]", SessionState.counters.get(key, 0))
    return rx.cond(
        count > 0,
        rx.badge(count.to_string(), color_scheme="red", variant="solid", radius="full", size="1"),
        rx.fragment(),
    )


def nav_item(label: str, route: str, icon: str, key: str) -> rx.Component:
    path = rx.State.router.url.path
    active = (path == route) | path.startswith(route + "/")
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=18),
            rx.text(t(label), size="2", weight="medium"),
            rx.spacer(),
            counter_badge(key),
            align="center",
            width="100%",
            padding_x="0.75rem",
            padding_y="0.5rem",
            border_radius="0.5rem",
            background=rx.cond(active, rx.color("accent", 4), "transparent"),
            color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
            _hover={"background": rx.color("accent", 3)},
        ),
        href=routes.back_to_list(route),
        underline="none",
        width="100%",
        aria_label=t(label),
    )


def _brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.image(src="/logo.svg", width="22px", height="22px", alt=""),
            rx.text("CRM", size="5", weight="bold"),
            align="center",
            padding_x="0.75rem",
            padding_y="0.75rem",
        ),
        href=routes.home(),
        underline="none",
        color=rx.color("gray", 12),
    )


def _nav(**props) -> rx.Component:
    """The logo and the section links: the sidebar's and the phone drawer's."""
    return rx.vstack(
        _brand(),
        rx.vstack(*[nav_item(*item) for item in NAV_ITEMS], spacing="1", width="100%"),
        padding="0.75rem",
        spacing="3",
        role="navigation",
        aria_label="Main",
        **props,
    )


def sidebar() -> rx.Component:
    """The sidebar from 768 px up; below, the same links open from the top bar's menu button.

    Its background runs the page's full height (the outer box stretches with the content); the
    links stay in view while the page scrolls (the inner box is sticky)."""
    return rx.box(
        _nav(height="100vh", position="sticky", top="0"),
        # from 768 px (Radix's "sm"); narrower, the drawer
        display=rx.breakpoints(initial="none", sm="block"),
        width="15rem",
        min_width="15rem",
        align_self="stretch",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        data_testid="sidebar",
    )


def search_box() -> rx.Component:
    return rx.form(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            name="q",
            placeholder=t("Search leads, contacts, companies, deals"),
            aria_label=t("Search"),
            type="search",
            max_length=200,
            width="24rem",
            max_width="100%",
        ),
        on_submit=SessionState.go_search,
        reset_on_submit=False,
        flex="1 1 auto",
        min_width="0",
        max_width="24rem",
    )


def user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=SessionState.user_initials, size="1", radius="full"),
                rx.text(SessionState.user_name, size="2", display=rx.breakpoints(initial="none", md="block")),
                rx.icon("chevron_down", size=14),
                variant="ghost",
                aria_label=t("User menu"),
            )
        ),
        rx.menu.content(
            rx.menu.item(rx.icon("user", size=14), t("Profile"), on_select=rx.redirect(routes.profile())),
            rx.menu.sub(
                rx.menu.sub_trigger(rx.icon("languages", size=14), t("Language")),
                rx.menu.sub_content(
                    *[
                        rx.menu.item(name, on_select=SessionState.set_language(code))
                        for code, name in LANGUAGES.items()
                    ]
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(
                rx.icon("log_out", size=14), t("Log out"), on_select=SessionState.logout, color="red"
            ),
        ),
    )


def nav_drawer() -> rx.Component:
    """The sidebar's links as a drawer, for narrow screens (phones)."""
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(
                rx.icon("menu", size=18),
                variant="ghost",
                color_scheme="gray",
                aria_label=t("Sections"),
                display=rx.breakpoints(initial="inline-flex", sm="none"),
            )
        ),
        rx.drawer.overlay(z_index="20"),
        rx.drawer.portal(
            rx.drawer.content(
                _nav(width="100%"),
                top="0",
                left="0",
                height="100%",
                width="16rem",
                background=rx.color("gray", 2),
                z_index="30",
            )
        ),
        direction="left",
    )


def top_bar() -> rx.Component:
    return rx.hstack(
        nav_drawer(),
        search_box(),
        rx.spacer(),
        user_menu(),
        align="center",
        width="100%",
        padding_x=rx.breakpoints(initial="0.75rem", md="1.5rem"),
        padding_y="0.75rem",
        spacing="2",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), width="100%", height="60vh")


def app_shell(
    title: str | rx.Var,
    *content: rx.Component,
    actions: rx.Component | None = None,
    max_width: str = "72rem",
    translate_title: bool = True,
) -> rx.Component:
    """A private page: content shows once the server has checked the session (data-ready marker)."""
    return rx.hstack(
        sidebar(),
        rx.vstack(
            top_bar(),
            rx.cond(
                SessionState.user_id > 0,
                rx.vstack(
                    rx.hstack(
                        # a Var title is the record's own text, never a catalogue msgid
                        rx.heading(
                            t(title) if translate_title and isinstance(title, str) else title,
                            size="6",
                            as_="h1",
                            # a name without spaces breaks rather than widen the page
                            overflow_wrap="anywhere",
                            min_width="0",
                        ),
                        rx.spacer(),
                        actions or rx.fragment(),
                        width="100%",
                        align="center",
                        wrap="wrap",
                    ),
                    *content,
                    width="100%",
                    max_width=max_width,
                    padding=rx.breakpoints(initial="0.75rem", md="1.5rem"),
                    spacing="4",
                    data_ready="1",
                ),
                loading(),
            ),
            width="100%",
            # a flex child may shrink below its content: wide tables scroll in their own box
            min_width="0",
            spacing="0",
            min_height="100vh",
        ),
        spacing="0",
        width="100%",
        align="start",
    )


def public_card(*content: rx.Component, title: str) -> rx.Component:
    """Centred card for /setup and /login, with a language switch."""
    return rx.center(
        rx.vstack(
            rx.hstack(
                rx.icon("circle_dot", size=26, color=rx.color("accent", 9)),
                rx.text("CRM", size="6", weight="bold"),
                rx.spacer(),
                rx.select.root(
                    rx.select.trigger(aria_label=t("Language")),
                    rx.select.content(
                        *[rx.select.item(name, value=code) for code, name in LANGUAGES.items()]
                    ),
                    value=SessionState.lang,
                    on_change=SessionState.set_language,
                    size="1",
                ),
                align="center",
                width="100%",
            ),
            rx.card(
                rx.vstack(rx.heading(t(title), size="5", as_="h1"), *content, spacing="4", width="100%"),
                width="100%",
                size="3",
            ),
            width="26rem",
            max_width="95vw",
            spacing="4",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )
