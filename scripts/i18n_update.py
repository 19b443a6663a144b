"""Keep the catalogues in step with the code: `python scripts/i18n_update.py`.

Adds every msgid the code marks (see crm_app/i18n_extract.py) to crm_app/locales/messages.pot and to
each language's messages.po (new entries untranslated), and drops the ones no longer used.
"""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from crm_app.i18n_extract import extract
from crm_app.services.i18n import LANGUAGES, LOCALES_DIR


def main() -> None:
    ids = sorted(extract())
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
            with path.open("rb") as f:
                cat = read_po(f, locale=lang)
        else:
            cat = Catalog(locale=lang, project="crm")
        # msgids kept in the area files (other *.po) stay there; messages.po takes the rest
        elsewhere: set[str] = set()
        for other in path.parent.glob("*.po"):
            if other != path:
                with other.open("rb") as f:
                    elsewhere |= {m.id for m in read_po(f, locale=lang) if m.id}
        own = Catalog(project="crm", fuzzy=False)
        for msgid in ids:
            if msgid not in elsewhere:
                own.add(msgid)
        cat.update(own, no_fuzzy_matching=True)
        with path.open("wb") as f:
            write_po(f, cat, width=100, omit_header=True, ignore_obsolete=True)
        untranslated = [m.id for m in cat if m.id and not m.string]
        untranslated += sorted(elsewhere - set(ids))  # unused entries in area files
        print(f"{lang}: {len(ids)} messages; untranslated or unused: {untranslated or 0}")


if __name__ == "__main__":
    main()
