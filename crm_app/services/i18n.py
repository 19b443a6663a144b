"""The translation catalogue: gettext .po files under crm_app/locales/<lang>/LC_MESSAGES, read with Babel.

Each area of the app may keep its own .po file there; a language's catalogue is all of them.

English strings are the message ids. The UI reads the catalogue through `catalog(lang)`;
services return `Msg` objects that are translated where they are shown.

A message with a count has two English forms and as many translated ones as the language has
(gettext's msgid_plural / msgstr[n]): `Msg("{count} lead restored.", plural="{count} leads
restored.", count=n)`. Every language here has two forms, chosen by `PLURAL_FORMS`.

A message about a field ("{field} is required.") may have a translation per field, the entry whose
msgctxt is the field's English label: French needs the field's article and agreement ("Le prénom
est obligatoire.", "E-mails modifiés"). Other fields take the generic entry.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
# gettext's Plural-Forms of each language: French counts 0 and 1 as singular, English only 1
PLURAL_FORMS: dict[str, str] = {"en": "nplurals=2; plural=(n != 1);", "fr": "nplurals=2; plural=(n > 1);"}
NPLURALS = 2


def plural_index(lang: str, n: int) -> int:
    """Which form (0 singular, 1 plural) a count takes in a language, as PLURAL_FORMS says."""
    return int(n > 1) if normalize_language(lang) == "fr" else int(n != 1)


class Msg:
    """A translatable message with named parameters: Msg("Hello {name}", name="Ann"); with a
    count, its plural too: Msg("{count} lead", plural="{count} leads", count=2)."""

    __slots__ = ("msgid", "params", "plural")

    def __init__(self, msgid: str, plural: str | None = None, **params) -> None:
        if plural is not None and not isinstance(params.get("count"), int):
            raise TypeError("a plural message needs an integer `count`")
        self.msgid = msgid
        self.plural = plural
        self.params = params

    def translate(self, lang: str) -> str:
        params = {k: v.translate(lang) if isinstance(v, Msg) else v for k, v in self.params.items()}
        if self.plural is not None:
            return ngettext(lang, self.msgid, self.plural, int(params.pop("count")), **params)
        field = self.params.get("field")
        if isinstance(field, Msg):
            specific = field_catalog(lang).get((field.msgid, self.msgid))
            if specific:
                return specific.format(**params)
        return gettext(lang, self.msgid, **params)

    def __str__(self) -> str:
        return self.translate(DEFAULT_LANGUAGE)

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.msgid, self.plural, self.params) == (
            other.msgid,
            other.plural,
            other.params,
        )

    def __hash__(self) -> int:
        return hash(self.msgid)


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention
    """Marks a string for the catalogue where it is stored, to be translated where it is shown."""
    return msgid


# what goes between a label and its value, and between listed errors ("E-mail: x"); French puts a
# no-break space before ":" and a narrow one before ";"
COLON = N_(": ")
SEMICOLON = N_("; ")


def normalize_language(lang: str | None) -> str:
    lang = (lang or "").split("-")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def read_catalogue(path: Path, lang: str) -> Catalog:
    """One .po file of `lang`, its plural entries with the language's forms of PLURAL_FORMS (the
    files have no header to say so, and Babel's own French rule has three forms)."""
    with path.open("rb") as f:
        cat = read_po(f)  # no locale: Babel's default of two forms, as every language here has
    cat.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
    return cat


@cache
def _messages(lang: str) -> tuple[Message, ...]:
    """Every translated, non-fuzzy entry of one language's .po files."""
    found: list[Message] = []
    for path in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
        found += [m for m in read_catalogue(path, lang) if m.id and m.string and not m.fuzzy]
    return tuple(found)


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> translation for one language, from every .po file of that language."""
    lang = normalize_language(lang)
    return {
        m.id: m.string
        for m in _messages(lang)
        if isinstance(m.id, str) and isinstance(m.string, str) and m.context is None
    }


@cache
def field_catalog(lang: str) -> dict[tuple[str, str], str]:
    """(field's English label, msgid) -> the translation of a field's message for that field (msgctxt)."""
    lang = normalize_language(lang)
    return {
        (m.context, m.id): m.string
        for m in _messages(lang)
        if m.context and isinstance(m.id, str) and isinstance(m.string, str)
    }


@cache
def plural_catalog(lang: str) -> dict[str, tuple[str, ...]]:
    """Singular msgid -> the translated forms (as many as the language has) of the plural entries."""
    lang = normalize_language(lang)
    return {
        m.id[0]: tuple(m.string[:NPLURALS])
        for m in _messages(lang)
        if isinstance(m.id, tuple) and isinstance(m.string, tuple) and all(m.string[:NPLURALS])
    }


def gettext(lang: str, msgid: str, **params) -> str:
    text = catalog(normalize_language(lang)).get(msgid) or msgid
    return text.format(**params) if params else text


def ngettext(lang: str, singular: str, plural: str, count: int, **params) -> str:
    """The form of a counted message that `count` takes in `lang`, with `{count}` filled in."""
    lang = normalize_language(lang)
    forms = plural_catalog(lang).get(singular)
    if forms:
        text = forms[plural_index(lang, count)]
    else:
        text = plural if plural_index(DEFAULT_LANGUAGE, count) else singular
    return text.format(count=count, **params)


def tr(lang: str, message: Msg | str) -> str:
    if isinstance(message, Msg):
        return message.translate(lang)
    return gettext(lang, message)
