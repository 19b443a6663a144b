"""The UI's view of the translation catalogue (no Reflex import, so tests can use it)."""

from __future__ import annotations

from functools import cache

from crm_app.services.i18n import LANGUAGES, catalog


@cache
def all_msgids() -> frozenset[str]:
    ids: set[str] = set()
    for lang in LANGUAGES:
        ids.update(catalog(lang))
    return frozenset(ids)


@cache
def full_catalog(lang: str) -> dict[str, str]:
    """Every known msgid mapped to its translation, or to itself where none exists."""
    translated = catalog(lang)
    return {msgid: translated.get(msgid, msgid) for msgid in all_msgids()}
