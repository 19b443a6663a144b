"""The UI's view of the translation catalogue (no Reflex import, so tests can use it)."""

from __future__ import annotations

from functools import cache

from crm_app.services.i18n import LANGUAGES, catalog


@cache
def all_msgids() -> frozenset[str]:
    """Every msgid the code marks (so English never shows a blank) plus every catalogued one."""
    from crm_app.i18n_extract import extract

    ids: set[str] = set(extract())
    for lang in LANGUAGES:
        ids.update(catalog(lang))
    return frozenset(ids)


@cache
def full_catalog(lang: str) -> dict[str, str]:
    """Every known msgid mapped to its translation, or to itself where none exists."""
    translated = catalog(lang)
    return {msgid: translated.get(msgid, msgid) for msgid in all_msgids()}
