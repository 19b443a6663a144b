"""`t("English text")`: a UI string through the translation catalogue, in the user's language."""

from __future__ import annotations

import reflex as rx

from crm_app.state.session import SessionState


def t(msgid: str) -> rx.Var:
    return SessionState.tr[msgid]
