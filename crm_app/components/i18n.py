"""`t("English text")`: a UI string through the translation catalogue, in the user's language;
`tn(singular, plural, count)` the form of a counted one that `count` takes."""

from __future__ import annotations

import reflex as rx

from crm_app.services.i18n import COLON
from crm_app.state.session import SessionState


def t(msgid: str) -> rx.Var:
    return SessionState.tr[msgid]


def page_title(msgid: str, *, brand: bool = True) -> rx.Var:
    """A browser tab's title, "CRM · Leads", in the user's language: a Var, so the tab follows a
    language switch (Reflex renders add_page's title as a <title> that React keeps in the head)."""
    return rx.Var.create(f"CRM · {t(msgid)}" if brand else f"{t(msgid)}").to(str)


def colon() -> rx.Var:
    """The ": " between a label and its value, in the user's language (French "\u00a0: ")."""
    return t(COLON)


def tn(singular: str, plural: str, count: rx.Var | int, **params: rx.Var | int | str) -> rx.Var:
    """`{count}` (and any `{name}` in params) filled in, in the browser. Every language here has
    two forms that differ only on 0 (services/i18n.PLURAL_FORMS), so the rule is "1, or 0 where
    0 is singular"."""
    count = rx.Var.create(count).to(int)
    singular_form = (count == 1) | ((count == 0) & SessionState.zero_is_singular)
    text = rx.cond(singular_form, SessionState.tr[singular], SessionState.tr[plural]).to(str)
    text = text.replace("{count}", count.to_string())
    for name, value in params.items():
        text = text.replace("{" + name + "}", rx.Var.create(value).to_string())
    return text
