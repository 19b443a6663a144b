"""Keep the catalogues in step with the code: `python scripts/i18n_update.py`.

Adds every msgid the code marks (see crm_app/i18n_extract.py) to crm_app/locales/messages.pot and to
each language's messages.po (new entries untranslated), and drops the ones no longer used. Counted
messages are plural entries (msgid_plural, msgstr[0] / msgstr[1]).
"""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from crm_app.i18n_extract import extract, extract_plurals
from crm_app.services.i18n import LANGUAGES, LOCALES_DIR, PLURAL_FORMS, read_catalogue


def _key(msgid: str | tuple[str, ...]) -> str:
    """A plural entry is known by its singular msgid."""
    return msgid if isinstance(msgid, str) else msgid[0]


def main() -> None:
    ids: list[str | tuple[str, str]] = [*sorted(extract()), *sorted(extract_plurals())]
    keys = {_key(i) for i in ids}
    template = Catalog(project="crm", fuzzy=False)
    for msgid in ids:
        template.add(msgid)
    with (LOCALES_DIR / "messages.pot").open("wb") as f:
        write_po(f, template, width=100, omit_header=True)
    for lang in LANGUAGES:
        if lang == "en":
            continue
        path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            cat = read_catalogue(path, lang)
        else:
            cat = Catalog(locale=lang, project="crm")
            cat.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
        # msgids kept in the area files (other *.po) stay there; messages.po takes the rest (a
        # field's own translation, msgctxt = its label, does not replace the generic entry)
        elsewhere: set[str] = set()
        for other in path.parent.glob("*.po"):
            if other != path:
                elsewhere |= {_key(m.id) for m in read_catalogue(other, lang) if m.id and not m.context}
        own = Catalog(project="crm", fuzzy=False)
        for msgid in ids:
            if _key(msgid) not in elsewhere:
                own.add(msgid)
        cat.update(own, no_fuzzy_matching=True)
        with path.open("wb") as f:
            write_po(f, cat, width=100, omit_header=True, ignore_obsolete=True)
        untranslated = [
            _key(m.id)
            for m in cat
            if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
        ]
        untranslated += sorted(elsewhere - keys)  # unused entries in area files
        print(f"{lang}: {len(ids)} messages; untranslated or unused: {untranslated or 0}")


if __name__ == "__main__":
    main()
