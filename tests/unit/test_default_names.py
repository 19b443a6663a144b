"""Default statuses, sources and reasons show in the user's language until someone renames them."""

from crm_app.services.defaults import LEAD_STATUSES, display_name


def test_a_default_shows_in_the_users_language_whatever_the_language_it_was_created_in():
    assert display_name("New", "fr") == "Nouveau"
    assert display_name("Nouveau", "en") == "New"  # set up by a French administrator
    assert display_name("Nouveau", "fr") == "Nouveau"
    assert display_name("Trade show", "fr") == "Salon professionnel"
    assert display_name("Wrong contact details", "fr") != "Wrong contact details"


def test_a_renamed_default_shows_as_it_was_named():
    assert display_name("Hot leads", "fr") == "Hot leads"
    assert display_name("", "fr") == ""


def test_every_default_status_is_recognised():
    assert [display_name(n, "fr") for n, *_ in LEAD_STATUSES] == [
        "Nouveau",
        "En cours",
        "Traité",
        "Converti",
        "Indésirable",
    ]
