"""The top bar's global search."""

from decimal import Decimal

from crm_app.services import formatting, search
from tests.factories import create_company, create_contact, create_deal, create_lead, create_user


def test_it_finds_records_by_name_email_and_ignores_wildcards(session):
    user = create_user(session)
    create_lead(
        session,
        first_name="Zoé",
        last_name="Martin",
        company_name="Acme 100%",
        emails="Z@Acme.io",
        responsible_id=user.id,
    )
    create_contact(session, first_name="Zoe", last_name="Blanc", responsible_id=user.id)
    create_company(session, name="Zenith SARL", responsible_id=user.id)
    kinds = {(h.entity_type, h.title) for h in search.global_search(session=session, user=user, text="zo")}
    assert ("lead", "Zoé Martin") in kinds and ("contact", "Zoe Blanc") in kinds
    assert [h.entity_type for h in search.global_search(session=session, user=user, text="acme.io")] == [
        "lead"
    ]
    assert [h.title for h in search.global_search(session=session, user=user, text="zenith")] == [
        "Zenith SARL"
    ]
    assert search.global_search(session=session, user=user, text="%") == []
    assert [h.entity_type for h in search.global_search(session=session, user=user, text="100%")] == ["lead"]
    assert search.global_search(session=session, user=user, text="x" * 10_000) == []


def test_a_lead_hit_shows_the_person_with_its_title_and_company_below(session):
    user = create_user(session)
    create_lead(
        session,
        first_name="Zoé",
        last_name="Martin",
        title="Website enquiry",
        company_name="Acme",
        responsible_id=user.id,
    )
    create_lead(session, first_name="Zora", last_name="Petit", title="", responsible_id=user.id)
    create_lead(session, first_name="", last_name="", company_name="Zorg SA", title="Zorg quote")
    hits = {h.title: h.subtitle for h in search.global_search(session=session, user=user, text="zo")}
    assert hits["Zoé Martin"] == "Website enquiry · Acme"
    assert hits["Zora Petit"] == ""
    assert hits["Zorg SA"] == "Zorg quote"


def test_a_deal_hit_shows_its_amount_in_the_users_money_format(session):
    user = create_user(session)
    create_deal(session, title="Zodiac upgrade", amount=Decimal("25900"), currency_code="EUR")
    [hit] = search.global_search(session=session, user=user, text="zodiac")
    assert hit.subtitle == formatting.money(Decimal("25900"), "EUR", "en") == "€25,900.00"
    [hit] = search.global_search(session=session, user=user, text="zodiac", lang="fr")
    assert hit.subtitle == formatting.money(Decimal("25900"), "EUR", "fr")
    assert hit.subtitle.replace("\u202f", " ").replace("\xa0", " ") == "25 900,00 €"
