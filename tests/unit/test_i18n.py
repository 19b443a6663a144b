"""Every UI string goes through the catalogue, and French ships complete."""

import re

import pytest

from crm_app.i18n_extract import extract, extract_plurals
from crm_app.services.i18n import (
    LOCALES_DIR,
    N_,
    Msg,
    catalog,
    field_catalog,
    gettext,
    normalize_language,
    plural_catalog,
    plural_index,
    read_catalogue,
    tr,
)
from crm_app.ui_catalog import full_catalog


def test_every_marked_string_has_a_french_translation():
    ids = extract()
    assert len(ids) > 50
    fr = catalog("fr")
    missing = sorted(i for i in ids if not fr.get(i))
    assert missing == []


def test_placeholders_survive_translation():
    fr = catalog("fr")
    for msgid, text in fr.items():
        for name in ("{name}", "{max}", "{min}", "{field}", "{seconds}"):
            assert (name in msgid) == (name in text), msgid
    # every form of a counted message keeps the singular's placeholders
    for singular, forms in plural_catalog("fr").items():
        wanted = set(re.findall(r"\{\w+\}", singular))
        assert all(set(re.findall(r"\{\w+\}", form)) == wanted for form in forms), singular


def test_messages_translate_with_their_parameters():
    msg = Msg("{field} must be at most {max} characters.", field=Msg("Name"), max=200)
    assert str(msg) == "Name must be at most 200 characters."
    assert tr("fr", msg) == "Nom\u00a0: 200 caractères au plus."
    assert gettext("fr", "Deals") == "Transactions"
    assert gettext("fr", "an unknown string") == "an unknown string"
    assert N_("Deals") == "Deals"


def test_languages_fall_back_to_english():
    assert normalize_language("fr-FR") == "fr"
    assert normalize_language("de") == "en"
    assert normalize_language(None) == "en"
    assert full_catalog("en")["Deals"] == "Deals"
    assert set(full_catalog("en")) == set(full_catalog("fr"))


BULK = {
    "delete": ("{count} lead moved to the recycle bin.", "{count} leads moved to the recycle bin."),
    "restore": ("{count} lead restored.", "{count} leads restored."),
    "update": ("{count} lead updated.", "{count} leads updated."),
}


def _bulk(kind: str, count: int) -> Msg:
    singular, plural = BULK[kind]
    return Msg(singular, plural=plural, count=count)


def test_counted_messages_take_the_form_of_the_count_in_english():
    assert [tr("en", _bulk("delete", n)) for n in (0, 1, 2)] == [
        "0 leads moved to the recycle bin.",
        "1 lead moved to the recycle bin.",
        "2 leads moved to the recycle bin.",
    ]
    assert [tr("en", _bulk("restore", n)) for n in (1, 2)] == ["1 lead restored.", "2 leads restored."]
    assert [tr("en", _bulk("update", n)) for n in (1, 2)] == ["1 lead updated.", "2 leads updated."]


def test_counted_messages_take_the_french_plural_rule():
    # French: 0 and 1 take the singular
    assert [tr("fr", _bulk("delete", n)) for n in (0, 1, 2)] == [
        "0 prospect mis à la corbeille.",
        "1 prospect mis à la corbeille.",
        "2 prospects mis à la corbeille.",
    ]
    assert [tr("fr", _bulk("restore", n)) for n in (1, 2)] == [
        "1 prospect restauré.",
        "2 prospects restaurés.",
    ]
    assert [tr("fr", _bulk("update", n)) for n in (1, 2, 1234)] == [
        "1 prospect mis à jour.",
        "2 prospects mis à jour.",
        "1234 prospects mis à jour.",
    ]
    assert [plural_index("fr", n) for n in (0, 1, 2)] == [0, 0, 1]
    assert [plural_index("en", n) for n in (0, 1, 2)] == [1, 0, 1]


def test_every_counted_message_has_both_french_forms():
    pairs = extract_plurals()
    assert set(BULK.values()) <= pairs
    forms = plural_catalog("fr")
    assert sorted(s for s, _ in pairs if len(forms.get(s, ())) != 2 or not all(forms[s])) == []
    # the UI keeps the two forms under the two English ids, so they must differ
    assert all(singular != plural for singular, plural in pairs)
    ui = full_catalog("fr")
    assert ui["{count} lead selected"] == "{count} prospect sélectionné"
    assert ui["{count} leads selected"] == "{count} prospects sélectionnés"


def test_a_counted_message_needs_its_count():
    with pytest.raises(TypeError):
        Msg("{count} lead", plural="{count} leads")


def _french_entries():
    """Every entry of the French .po files, as written (fuzzy and empty ones too)."""
    for path in sorted((LOCALES_DIR / "fr" / "LC_MESSAGES").glob("*.po")):
        for m in read_catalogue(path, "fr"):
            if m.id:
                yield path.name, m


def test_every_french_entry_is_translated():
    empty = [
        (name, m.id)
        for name, m in _french_entries()
        if m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert empty == []


# French puts a no-break space (U+00A0, or the narrow U+202F) before : ; ? !
_SPACED = "\u00a0\u202f"
_NOT_PROSE = re.compile(r"\{[^{}]*\}|\b(?:https?|mailto):\S*|\d:\d|Authorization: Bearer")


def typography_faults(text: str) -> list[str]:
    prose = _NOT_PROSE.sub("_", text)
    return [
        prose[max(0, i - 12) : i + 1]
        for i, char in enumerate(prose)
        if char in ":;?!" and (i == 0 or prose[i - 1] not in _SPACED)
    ]


def test_the_typography_check_sees_faults():
    assert typography_faults("Même e-mail: a") == ["Même e-mail:"]
    assert typography_faults("Supprimer ? Oui !") == ["Supprimer ?", "rimer ? Oui !"]
    assert typography_faults("Voir https://x.fr/a?b=1 à 10:30, {value:,}\u00a0: ok\u202f!") == []


def test_french_punctuation_has_its_no_break_space():
    faults = [
        (m.id, fault)
        for _, m in _french_entries()
        for text in (m.string if isinstance(m.string, tuple) else (m.string,))
        for fault in typography_faults(text)
    ]
    assert faults == []


def test_field_messages_take_the_fields_article_in_french():
    def required(label: str) -> str:
        return tr("fr", Msg("{field} is required.", field=Msg(label)))

    assert required("First name") == "Le prénom est obligatoire."
    assert required("E-mail") == "L'e-mail est obligatoire."
    assert required("Team name") == "Le nom de l'équipe est obligatoire."
    assert tr("en", Msg("{field} is required.", field=Msg("First name"))) == "First name is required."
    # a field without its own entry: the generic one, which needs no article
    assert required("Nickname") == "Nickname\u00a0: champ obligatoire."
    assert tr("fr", Msg("{field} changed", field=Msg("E-mails"))) == "E-mails modifiés"
    assert tr("fr", Msg("{field} changed", field=Msg("Address"))) == "Adresse modifiée"


def test_every_field_a_form_requires_or_the_timeline_shows_has_its_french_message():
    from crm_app.services.lead_fields import TEXT_FIELDS
    from crm_app.services.web_forms import FORM_FIELDS

    fields = field_catalog("fr")
    required = {label for label, _ in FORM_FIELDS.values()} | {"Name", "Team name"}
    changed = {label for label, _ in TEXT_FIELDS.values()}
    changed |= {"Status", "Source", "Responsible", "Expected amount", "Currency", "Phones", "E-mails"}
    assert sorted(f for f in required if (f, "{field} is required.") not in fields) == []
    assert sorted(f for f in changed if (f, "{field} changed") not in fields) == []


def test_the_manager_role_and_the_responsible_field_differ_in_french():
    fr = catalog("fr")
    assert fr["Manager"] != fr["Responsible"]


def test_a_throttled_login_counts_its_seconds():
    from crm_app.services.errors import Throttled

    assert str(Throttled(1).message) == "Too many failed attempts. Try again in 1 second."
    assert tr("fr", Throttled(1).message) == "Trop de tentatives échouées. Réessayez dans 1 seconde."
    assert tr("fr", Throttled(30).message) == "Trop de tentatives échouées. Réessayez dans 30 secondes."
