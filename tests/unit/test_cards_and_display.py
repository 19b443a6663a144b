"""One display name per entity (services/display) and the lead card's view model (services/cards)."""

import pytest
from sqlmodel import select

from crm_app.models import Company, Contact, Deal, EntityType, Lead, LeadResult, LostReason, Role, Source
from crm_app.services import cards, conversion, display, duplicates, leads, search
from crm_app.services.errors import NotFound
from tests.factories import create_user


def test_one_name_rule_on_rows_values_and_sql_rows(session):
    lead = Lead(id=7, first_name="Ann", second_name="B.", last_name="Smith", company_name="Acme", title="Web")
    assert display.lead_name(lead) == "Ann B. Smith" == display.lead_person(lead)
    assert display.lead_name(company_name="Acme", title="Web") == "Acme"
    assert display.lead_name(title="Web request") == "Web request"
    assert display.lead_name(id=9) == "#9"
    assert display.contact_name(Contact(first_name="Léa", last_name="Roy")) == "Léa Roy"
    assert display.company_name(Company(name="Globex")) == "Globex"
    assert display.deal_name(Deal(title="Roll-out")) == "Roll-out"
    assert display.name_of(Company(name="Initech")) == "Initech"
    with pytest.raises(TypeError):
        display.name_of(object())
    user = create_user(session)
    made = leads.create_lead(session=session, user=user, data={"company_name": "Nimbus", "title": "Quote"})
    row = session.exec(select(*display.LEAD_COLUMNS).where(Lead.id == made.id)).one()
    assert display.lead_name(row) == "Nimbus"


def test_list_search_merge_and_conversion_name_a_lead_alike(session):
    user = create_user(session)
    lead = leads.create_lead(
        session=session, user=user, data={"company_name": "Nimbus Works", "title": "Website request"}
    )
    expected = "Nimbus Works"
    [row] = leads.search_leads(session=session, user=user).rows
    [hit] = [
        h for h in search.global_search(session=session, user=user, text="nimbus") if h.entity_type == "lead"
    ]
    assert row.name == hit.title == expected
    assert conversion.lead_summary(session, lead)["name"] == expected
    names = duplicates.matching._names(session, EntityType.LEAD, {lead.id})
    assert names[lead.id] == expected
    assert cards.lead_card(session=session, user=user, lead_id=lead.id).name == expected


def test_the_lead_card_in_one_call(session):
    owner = create_user(session)
    rep = create_user(session, email="rep@example.com", name="Rep")
    boss = create_user(session, role=Role.MANAGER, email="boss@example.com")
    source = Source(code="fair_test", name="Fair")
    session.add(source)
    session.commit()
    lead = leads.create_lead(
        session=session,
        user=owner,
        data={
            "first_name": "Ann",
            "last_name": "Smith",
            "source_id": source.id,
            "amount": "12.5",
            "emails": "a@b.io",
        },
    )
    card = cards.lead_card(session=session, user=owner, lead_id=lead.id)
    assert (card.name, card.source_name, card.responsible_name) == ("Ann Smith", "Fair", owner.name)
    assert card.values["emails"] == ["a@b.io"] and str(card.amount) == "12.50"
    assert sum(st.current for st in card.statuses) == 1 and card.statuses[0].current
    assert card.statuses[0].reached and not card.statuses[0].final and card.statuses[-1].final
    assert card.result == "" and card.links == []
    assert (card.can.edit, card.can.delete, card.can.convert) == (True, True, True)
    # another sales representative: the default matrix lets them view but not edit or delete
    other = cards.lead_card(session=session, user=rep, lead_id=lead.id)
    assert (other.can.edit, other.can.delete, other.can.convert) == (False, False, False)
    assert cards.lead_card(session=session, user=boss, lead_id=lead.id).can.edit
    # a finalised lead: its links, its reason, and nothing left to convert
    company = Company(name="Acme", responsible_id=owner.id)
    reason = LostReason(name="Spam")
    session.add_all([company, reason])
    session.commit()
    lead.result, lead.company_id, lead.junk_reason_id = LeadResult.JUNK, company.id, reason.id
    session.add(lead)
    session.commit()
    card = cards.lead_card(session=session, user=owner, lead_id=lead.id)
    assert card.result == "junk" and card.junk_reason == "Spam" and not card.can.convert
    assert [(link.kind, link.id, link.name) for link in card.links] == [("company", company.id, "Acme")]
    with pytest.raises(NotFound):
        cards.lead_card(session=session, user=owner, lead_id=lead.id + 100)
