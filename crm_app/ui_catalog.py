"""The UI's view of the translation catalogue (no Reflex import, so tests can use it)."""

from __future__ import annotations

from functools import cache

from crm_app.services.i18n import LANGUAGES, catalog, plural_catalog


@cache
def all_msgids() -> frozenset[str]:
    """Every msgid the code marks (so English never shows a blank) plus every catalogued one."""
    from crm_app.i18n_extract import extract

    ids: set[str] = set(extract())
    for lang in LANGUAGES:
        ids.update(catalog(lang))
    return frozenset(ids)


@cache
def all_plurals() -> frozenset[tuple[str, str]]:
    """Every (singular, plural) msgid pair the code marks (tn() in components, Msg(plural=))."""
    from crm_app.i18n_extract import extract_plurals

    return frozenset(extract_plurals())


@cache
def full_catalog(lang: str) -> dict[str, str]:
    """Every known msgid mapped to its translation, or to itself where none exists.

    A counted message's two forms sit under its two English ids (singular, plural): tn() picks one
    by the language's rule (components/i18n.py)."""
    translated = catalog(lang)
    full = {msgid: translated.get(msgid, msgid) for msgid in all_msgids()}
    forms = plural_catalog(lang)
    for singular, plural in all_plurals():
        full[singular], full[plural] = forms.get(singular, (singular, plural))
    return full
