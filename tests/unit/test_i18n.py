"""Every UI string goes through the catalogue, and French ships complete."""

import pytest

from crm_app.i18n_extract import extract, extract_plurals
from crm_app.services.i18n import (
    N_,
    Msg,
    catalog,
    gettext,
    normalize_language,
    plural_catalog,
    plural_index,
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


def test_messages_translate_with_their_parameters():
    msg = Msg("{field} must be at most {max} characters.", field=Msg("Name"), max=200)
    assert str(msg) == "Name must be at most 200 characters."
    assert tr("fr", msg) == "Nom doit comporter au plus 200 caractères."
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
