"""The translation catalogue: gettext .po files under crm_app/locales/<lang>/LC_MESSAGES, read with Babel.

Each area of the app may keep its own .po file there; a language's catalogue is all of them.

English strings are the message ids. The UI reads the catalogue through `catalog(lang)`;
services return `Msg` objects that are translated where they are shown.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE = "en"


class Msg:
    """A translatable message with named parameters: Msg("Hello {name}", name="Ann")."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params) -> None:
        self.msgid = msgid
        self.params = params

    def translate(self, lang: str) -> str:
        params = {k: v.translate(lang) if isinstance(v, Msg) else v for k, v in self.params.items()}
        return gettext(lang, self.msgid, **params)

    def __str__(self) -> str:
        return self.translate(DEFAULT_LANGUAGE)

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention
    """Marks a string for the catalogue where it is stored, to be translated where it is shown."""
    return msgid


def normalize_language(lang: str | None) -> str:
    lang = (lang or "").split("-")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> translation for one language, from every .po file of that language."""
    lang = normalize_language(lang)
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as f:
            cat = read_po(f, locale=lang)
        # plural entries (tuple ids) have no place in a msgid -> text map
        merged.update(
            {
                m.id: m.string
                for m in cat
                if isinstance(m.id, str) and isinstance(m.string, str) and m.id and m.string and not m.fuzzy
            }
        )
    return merged


def gettext(lang: str, msgid: str, **params) -> str:
    text = catalog(normalize_language(lang)).get(msgid) or msgid
    return text.format(**params) if params else text


def tr(lang: str, message: Msg | str) -> str:
    if isinstance(message, Msg):
        return message.translate(lang)
    return gettext(lang, message)
