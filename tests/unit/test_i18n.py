"""Every UI string goes through the catalogue, and French ships complete."""

from crm_app.i18n_extract import extract
from crm_app.services.i18n import N_, Msg, catalog, gettext, normalize_language, tr
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
