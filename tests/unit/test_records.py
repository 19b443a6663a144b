"""Contacts, companies and deals: validation shared with leads, creation with history, search."""

from decimal import Decimal

import pytest
from sqlmodel import select

from crm_app.models import (
    Communication,
    Company,
    Contact,
    ContactCompany,
    Deal,
    Pipeline,
    PipelineKind,
    Stage,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
)
from crm_app.services import records
from crm_app.services.errors import NotAuthenticated, NotFound, ValidationError
from tests.factories import create_user


def _history(session, entity_type, entity_id):
    return session.exec(
        select(TimelineEntry)
        .where(TimelineEntry.entity_type == entity_type, TimelineEntry.entity_id == entity_id)
        .order_by(TimelineEntry.id)
    ).all()


def _comms(session, entity_type, entity_id):
    rows = session.exec(
        select(Communication)
        .where(Communication.entity_type == entity_type, Communication.entity_id == entity_id)
        .order_by(Communication.id)
    ).all()
    return [(r.kind.value, r.normalized, r.is_primary) for r in rows]


def test_create_contact_normalises_like_leads_and_writes_history(session):
    user = create_user(session)
    contact = records.create_contact(
        session=session,
        user=user,
        data={
            "first_name": " Zoé ",
            "last_name": "<b>Martin</b>",
            "position": "CEO",
            "phones": "01 23 45 67 89; +1 (212) 555-0100",
            "emails": ["Zoe@Example.COM", "zoe@example.com"],
        },
    )
    assert (contact.first_name, contact.last_name) == ("Zoé", "<b>Martin</b>")
    assert contact.responsible_id == user.id and contact.created_by_id == user.id
    assert _comms(session, "contact", contact.id) == [
        ("phone", "+33123456789", True),
        ("phone", "+12125550100", False),
        ("email", "zoe@example.com", True),
    ]
    [created] = _history(session, "contact", contact.id)
    assert created.kind == TimelineKind.CREATED and created.payload == {"origin": "form"}
    assert created.author_id == user.id


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "last_name"),
        ({"first_name": "  ", "last_name": ""}, "last_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"last_name": "A", "position": "p" * 256}, "position"),
        ({"last_name": "A", "emails": "not an email"}, "emails"),
        ({"last_name": "A", "phones": "12"}, "phones"),
        ({"last_name": "A", "responsible_id": 999_999}, "responsible_id"),
        ({"last_name": "A", "source_id": "abc"}, "source_id"),
        ({"last_name": "A", "birthdate": "31/12/1990"}, "birthdate"),
        ({"last_name": "A\x00"}, "last_name"),
    ],
)
def test_contact_validation(session, data, field):
    user = create_user(session)
    with pytest.raises(ValidationError) as exc:
        records.create_contact(session=session, user=user, data=data)
    assert field in exc.value.errors
    assert session.exec(select(Contact)).all() == []


def test_create_company_with_contact_link(session):
    user = create_user(session)
    company = records.create_company(
        session=session,
        user=user,
        data={
            "name": "Acme",
            "website": "acme.example",
            "emails": "Sales@Acme.example",
            "phones": "0145678900",
        },
        origin="conversion",
        lead_id=None,
    )
    assert company.name == "Acme" and company.website == "acme.example"
    assert _comms(session, "company", company.id) == [
        ("phone", "+33145678900", True),
        ("email", "sales@acme.example", True),
    ]
    [created] = _history(session, "company", company.id)
    assert created.payload == {"origin": "conversion"}
    contact = records.create_contact(
        session=session, user=user, data={"last_name": "Roe", "company_id": company.id}
    )
    other = records.create_company(session=session, user=user, data={"name": "Other"})
    assert records.link_contact_company(session, contact_id=contact.id, company_id=other.id)
    assert not records.link_contact_company(session, contact_id=contact.id, company_id=company.id)
    session.commit()
    links = session.exec(select(ContactCompany).where(ContactCompany.contact_id == contact.id)).all()
    assert {(link.company_id, link.is_primary) for link in links} == {(company.id, True), (other.id, False)}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 256}, "name"),
        ({"name": "A", "website": "javascript:alert(1)"}, "website"),
        ({"name": "A", "website": "not a site"}, "website"),
        ({"name": "A", "emails": "a@b"}, "emails"),
    ],
)
def test_company_validation(session, data, field):
    user = create_user(session)
    with pytest.raises(ValidationError) as exc:
        records.create_company(session=session, user=user, data=data)
    assert field in exc.value.errors
    assert session.exec(select(Company)).all() == []


def test_contact_with_unknown_company_is_refused(session):
    user = create_user(session)
    with pytest.raises(ValidationError) as exc:
        records.create_contact(session=session, user=user, data={"last_name": "A", "company_id": 4242})
    assert set(exc.value.errors) == {"company_id"}


def test_create_deal_goes_to_first_stage_in_progress_of_default_pipeline(session):
    user = create_user(session)
    company = records.create_company(session=session, user=user, data={"name": "Acme"})
    deal = records.create_deal(
        session=session,
        user=user,
        data={"title": "Big sale", "amount": "1 234,5", "company_id": company.id},
        origin="conversion",
        lead_id=None,
    )
    pipeline = session.get(Pipeline, deal.pipeline_id)
    stage = session.get(Stage, deal.stage_id)
    assert pipeline.kind == PipelineKind.DEAL and pipeline.is_default
    assert stage.semantic == StageSemantic.IN_PROGRESS and stage.name == "New"
    assert deal.amount == Decimal("1234.50") and isinstance(deal.amount, Decimal)
    assert deal.currency_code == "EUR" and deal.company_id == company.id and deal.contact_id is None
    assert not deal.closed and deal.result is None
    [created] = _history(session, "deal", deal.id)
    assert created.kind == TimelineKind.CREATED and created.payload == {"origin": "conversion"}


def test_deal_in_another_pipeline_starts_at_its_first_stage_in_progress(session):
    user = create_user(session)
    pipeline = Pipeline(name="Partners", kind=PipelineKind.DEAL, sort=5)
    session.add(pipeline)
    session.flush()
    session.add(Stage(pipeline_id=pipeline.id, name="Lost early", sort=1, semantic=StageSemantic.FAILURE))
    session.add(Stage(pipeline_id=pipeline.id, name="Second", sort=20))
    session.add(Stage(pipeline_id=pipeline.id, name="First", sort=10))
    session.commit()
    deal = records.create_deal(
        session=session,
        user=user,
        data={"title": "P", "pipeline_id": str(pipeline.id), "currency_code": "usd"},
    )
    assert session.get(Stage, deal.stage_id).name == "First"
    assert deal.amount == Decimal("0") and deal.currency_code == "USD"
    assert records.default_deal_pipeline(session).name == "Sales"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 256}, "title"),
        ({"title": "T", "amount": "abc"}, "amount"),
        ({"title": "T", "amount": "-1"}, "amount"),
        ({"title": "T", "currency_code": "XXX"}, "currency_code"),
        ({"title": "T", "pipeline_id": 999}, "pipeline_id"),
        ({"title": "T", "pipeline_id": "x"}, "pipeline_id"),
        ({"title": "T", "contact_id": 999}, "contact_id"),
        ({"title": "T", "company_id": 999}, "company_id"),
        ({"title": "T", "close_date": "tomorrow"}, "close_date"),
    ],
)
def test_deal_validation(session, data, field):
    user = create_user(session)
    with pytest.raises(ValidationError) as exc:
        records.create_deal(session=session, user=user, data=data)
    assert field in exc.value.errors
    assert session.exec(select(Deal)).all() == []


def test_lead_pipeline_is_not_a_deal_pipeline(session):
    user = create_user(session)
    lead_pipeline = session.exec(select(Pipeline).where(Pipeline.kind == PipelineKind.LEAD)).one()
    with pytest.raises(ValidationError) as exc:
        records.create_deal(session=session, user=user, data={"title": "T", "pipeline_id": lead_pipeline.id})
    assert set(exc.value.errors) == {"pipeline_id"}


def test_commit_false_leaves_the_transaction_to_the_caller(session):
    user = create_user(session)
    records.create_contact(session=session, user=user, data={"last_name": "Temp"}, commit=False)
    session.rollback()
    assert session.exec(select(Contact)).all() == []
    assert session.exec(select(TimelineEntry).where(TimelineEntry.entity_type == "contact")).all() == []


def test_search_contacts_by_name_email_and_phone(session):
    user = create_user(session)
    zoe = records.create_contact(
        session=session,
        user=user,
        data={"first_name": "Zoé", "last_name": "Martin", "position": "CEO", "emails": "zoe@acme.example",
              "phones": "06 12 34 56 78"},
    )  # fmt: skip
    records.create_contact(session=session, user=user, data={"first_name": "Paul", "last_name": "Martinez"})
    gone = records.create_contact(session=session, user=user, data={"last_name": "Martin-Deleted"})
    gone.deleted_at = gone.created_at
    session.add(gone)
    session.commit()

    # in the order the contacts list shows names ("first last")
    assert [h.name for h in records.search_contacts(session=session, user=user, text="martin")] == [
        "Paul Martinez",
        "Zoé Martin",
    ]
    [hit] = records.search_contacts(session=session, user=user, text="zoé mart")
    assert hit.id == zoe.id and hit.detail == "CEO · zoe@acme.example · +33612345678"
    assert [h.id for h in records.search_contacts(session=session, user=user, text="ACME.example")] == [
        zoe.id
    ]
    assert [h.id for h in records.search_contacts(session=session, user=user, text="06-12 34")] == [zoe.id]
    assert records.search_contacts(session=session, user=user, text="m") == []
    assert records.search_contacts(session=session, user=user, text="100%_") == []
    assert len(records.search_contacts(session=session, user=user, text="mart", limit=1)) == 1


def test_search_companies(session):
    user = create_user(session)
    acme = records.create_company(
        session=session,
        user=user,
        data={"name": "Acme Corp", "industry": "Tools", "phones": "+44 20 7946 0000"},
    )
    records.create_company(session=session, user=user, data={"name": "Globex"})
    [hit] = records.search_companies(session=session, user=user, text="acme")
    assert (hit.id, hit.name, hit.detail) == (acme.id, "Acme Corp", "Tools · +442079460000")
    # the national format (leading 0) finds the international number
    assert [h.id for h in records.search_companies(session=session, user=user, text="020 7946")] == [acme.id]
    assert [h.id for h in records.search_companies(session=session, user=user, text="7946 0000")] == [acme.id]
    assert records.search_companies(session=session, user=user, text="initech") == []


def test_services_need_a_user_and_live_records(session):
    user = create_user(session)
    with pytest.raises(NotAuthenticated):
        records.create_contact(session=session, user=None, data={"last_name": "A"})
    with pytest.raises(NotAuthenticated):
        records.search_companies(session=session, user=None, text="acme")
    with pytest.raises(NotFound):
        records.get_contact(session=session, user=user, contact_id=123)
    with pytest.raises(NotFound):
        records.get_company(session=session, user=user, company_id=123)
