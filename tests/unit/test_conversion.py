"""Finalising a lead: every conversion variant, junk, refusals, one transaction, read-only after."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from crm_app import db
from crm_app.models import (
    Company,
    Contact,
    ContactCompany,
    Deal,
    Lead,
    LeadResult,
    LostReason,
    ReasonKind,
    Role,
    Source,
    Stage,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.services import conversion, leads, records
from crm_app.services.errors import Conflict, NotFound, StaleRecord, ValidationError
from tests.factories import create_user


def _lead(session, user, **data):
    data.setdefault("first_name", "Zoé")
    data.setdefault("last_name", "Martin")
    return leads.create_lead(session=session, user=user, data=data)


def _history(session, entity_type, entity_id):
    return session.exec(
        select(TimelineEntry)
        .where(TimelineEntry.entity_type == entity_type, TimelineEntry.entity_id == entity_id)
        .order_by(TimelineEntry.id)
    ).all()


def _count(session, model):
    return len(session.exec(select(model)).all())


def _status(session, lead):
    return session.get(Stage, lead.status_id)


def _junk_reason(session, kind=ReasonKind.LEAD_JUNK):
    return session.exec(select(LostReason).where(LostReason.kind == kind).order_by(LostReason.sort)).first()


def _fresh(session, model, row_id):
    return session.exec(
        select(model).where(model.id == row_id).execution_options(populate_existing=True)
    ).one()


# --- defaults ---------------------------------------------------------------------------------


def test_defaults_carry_the_person_to_the_contact(session):
    user = create_user(session)
    lead = _lead(
        session,
        user,
        honorific="Mrs",
        position="CEO",
        company_name="Acme",
        website="acme.example",
        address="1 rue de la Paix",
        phones="01 23 45 67 89",
        emails="Zoe@Acme.example",
        amount="1500",
        currency_code="USD",
    )
    d = conversion.conversion_defaults(session=session, user=user, lead_id=lead.id)
    assert d["contact"] == {
        "honorific": "Mrs",
        "first_name": "Zoé",
        "second_name": "",
        "last_name": "Martin",
        "position": "CEO",
        "address": "1 rue de la Paix",
        "phones": ["+33 1 23 45 67 89"],
        "emails": ["zoe@acme.example"],
    }
    # the person keeps the phones; the company gets its name and website
    assert d["company"] == {
        "name": "Acme",
        "website": "acme.example",
        "address": "",
        "phones": [],
        "emails": [],
    }
    assert d["deal"]["title"] == "Acme deal"
    assert d["deal"]["amount"] == "1500.00" and d["deal"]["currency_code"] == "USD"
    assert d["deal"]["pipeline_id"] == records.default_deal_pipeline(session).id
    assert d["suggest"] == {"contact": True, "company": True, "deal": True}
    assert (
        d["lead"]["name"] == "Zoé Martin"
        and d["lead"]["result"] == ""
        and d["lead"]["version"] == lead.version
    )
    assert [p["name"] for p in d["pipelines"]] == ["Sales"]
    assert [r["name"] for r in d["junk_reasons"]][:2] == ["Duplicate", "Wrong contact details"]


def test_defaults_of_a_company_only_lead(session):
    user = create_user(session)
    user.language = "fr"
    lead = leads.create_lead(
        session=session,
        user=user,
        data={"company_name": "Globex", "phones": "+44 20 7946 0000", "emails": "info@globex.example",
              "address": "Main St"},
    )  # fmt: skip
    d = conversion.conversion_defaults(session=session, user=user, lead_id=lead.id)
    assert d["company"]["phones"] == ["+44 20 7946 0000"] and d["company"]["emails"] == [
        "info@globex.example"
    ]
    assert d["company"]["address"] == "Main St"
    assert d["suggest"] == {"contact": False, "company": True, "deal": True}
    assert d["deal"]["title"] == "Transaction Globex"  # in the user's language
    assert d["deal"]["amount"] == "" and d["deal"]["currency_code"] == "EUR"
    titled = _lead(session, user, title="Website redesign")
    assert conversion.conversion_defaults(session=session, user=user, lead_id=titled.id)["deal"]["title"] == (
        "Website redesign"
    )


def test_defaults_suggest_existing_lookalikes(session):
    user = create_user(session)
    known = records.create_contact(
        session=session, user=user, data={"last_name": "Known", "emails": "z@a.example"}
    )
    acme = records.create_company(session=session, user=user, data={"name": "Acme Industries"})
    lead = _lead(session, user, emails="Z@A.example", company_name="Acme Industries")
    d = conversion.conversion_defaults(session=session, user=user, lead_id=lead.id)
    assert d["matches"]["contact"] == [{"id": known.id, "name": "Known", "reason": "email"}]
    assert [m["id"] for m in d["matches"]["company"]] == [acme.id]


def test_defaults_of_a_missing_lead(session):
    user = create_user(session)
    with pytest.raises(NotFound):
        conversion.conversion_defaults(session=session, user=user, lead_id=4242)


# --- convert: each variant ----------------------------------------------------------------------


def test_convert_into_contact_only(session):
    user = create_user(session)
    lead = _lead(session, user, phones="0612345678", emails="zoe@example.com")
    before = _status(session, lead)
    result = conversion.convert_lead(
        session=session,
        user=user,
        lead_id=lead.id,
        contact={"first_name": "Zoé", "last_name": "Martin-Dupont", "phones": ["06 12 34 56 78"],
                 "emails": "zoe@example.com"},
    )  # fmt: skip
    assert result.created == ["contact"] and result.company_id is None and result.deal_id is None
    lead = _fresh(session, Lead, lead.id)
    contact = session.get(Contact, result.contact_id)
    assert contact.last_name == "Martin-Dupont" and contact.lead_id == lead.id
    assert lead.result == LeadResult.CONVERTED and lead.closed_at is not None
    assert lead.contact_id == contact.id and lead.company_id is None and lead.deal_id is None
    assert _status(session, lead).semantic == StageSemantic.SUCCESS
    assert leads.communications(session, "contact", [contact.id])[contact.id] == {
        "phones": ["+33612345678"],
        "emails": ["zoe@example.com"],
    }
    entry = _history(session, "lead", lead.id)[-1]
    assert entry.kind == TimelineKind.CONVERSION and entry.author_id == user.id
    assert entry.payload == {
        "contact_id": contact.id,
        "company_id": None,
        "deal_id": None,
        "created": ["contact"],
        "linked": [],
        "contact_name": "Zoé Martin-Dupont",
        "company_name": "",
        "deal_title": "",
        "old": before.name,
        "new": "Converted",
        "old_id": before.id,
        "new_id": lead.status_id,
    }
    [created] = _history(session, "contact", contact.id)
    assert created.kind == TimelineKind.CREATED
    assert created.payload == {"origin": "conversion", "lead_id": lead.id}


def test_convert_into_company_only(session):
    user = create_user(session)
    lead = leads.create_lead(session=session, user=user, data={"company_name": "Globex"})
    result = conversion.convert_lead(
        session=session,
        user=user,
        lead_id=lead.id,
        company={"name": "Globex SA", "website": "globex.example"},
    )
    company = session.get(Company, result.company_id)
    assert company.name == "Globex SA" and company.lead_id == lead.id
    assert _fresh(session, Lead, lead.id).company_id == company.id
    assert _count(session, Contact) == 0 and _count(session, Deal) == 0
    assert _history(session, "company", company.id)[0].payload == {"origin": "conversion", "lead_id": lead.id}


def test_convert_into_contact_company_and_deal(session):
    user = create_user(session)
    other = create_user(session, name="Owner")
    source = session.exec(select(Source).where(Source.code == "referral")).one()
    lead = _lead(
        session, user, company_name="Acme", amount="2500", responsible_id=other.id, source_id=source.id
    )
    d = conversion.conversion_defaults(session=session, user=user, lead_id=lead.id)
    result = conversion.convert_lead(
        session=session,
        user=user,
        lead_id=lead.id,
        contact=d["contact"],
        company=d["company"],
        deal={**d["deal"], "amount": "2 750,40"},
        expected_version=d["lead"]["version"],
    )
    assert result.created == ["company", "contact", "deal"] and result.linked == []
    contact, company, deal = (
        session.get(Contact, result.contact_id),
        session.get(Company, result.company_id),
        session.get(Deal, result.deal_id),
    )
    # links both ways
    lead = _fresh(session, Lead, lead.id)
    assert (lead.contact_id, lead.company_id, lead.deal_id) == (contact.id, company.id, deal.id)
    assert contact.lead_id == company.lead_id == deal.lead_id == lead.id
    assert (deal.contact_id, deal.company_id) == (contact.id, company.id)
    assert session.get(ContactCompany, (contact.id, company.id)).is_primary
    # the deal: first stage in progress of the default pipeline, the amount as Decimal
    stage = session.get(Stage, deal.stage_id)
    assert stage.semantic == StageSemantic.IN_PROGRESS and stage.name == "New"
    assert deal.pipeline_id == records.default_deal_pipeline(session).id
    assert deal.amount == Decimal("2750.40") and deal.currency_code == "EUR" and deal.title == "Acme deal"
    # responsible and source carry over from the lead
    for row in (contact, company, deal):
        assert row.responsible_id == other.id and row.source_id == source.id and row.created_by_id == user.id
    # history on every record
    for kind, row in (("contact", contact), ("company", company), ("deal", deal)):
        [entry] = _history(session, kind, row.id)
        assert entry.kind == TimelineKind.CREATED
        assert entry.payload == {"origin": "conversion", "lead_id": lead.id}
    conv = _history(session, "lead", lead.id)[-1]
    assert conv.kind == TimelineKind.CONVERSION
    assert conv.payload["created"] == ["company", "contact", "deal"]
    assert (conv.payload["contact_id"], conv.payload["company_id"], conv.payload["deal_id"]) == (
        contact.id,
        company.id,
        deal.id,
    )


def test_link_existing_contact_and_company_with_a_new_deal(session):
    user = create_user(session)
    known = records.create_contact(session=session, user=user, data={"last_name": "Known"})
    acme = records.create_company(session=session, user=user, data={"name": "Acme"})
    lead = _lead(session, user)
    result = conversion.convert_lead(
        session=session,
        user=user,
        lead_id=lead.id,
        contact_id=known.id,
        company_id=str(acme.id),
        deal={"title": "Renewal", "amount": "10"},
    )
    assert result.created == ["deal"] and result.linked == ["contact", "company"]
    lead = _fresh(session, Lead, lead.id)
    assert (lead.contact_id, lead.company_id) == (known.id, acme.id)
    deal = session.get(Deal, lead.deal_id)
    assert (deal.contact_id, deal.company_id, deal.lead_id) == (known.id, acme.id, lead.id)
    # existing records are linked, not re-created, and their history says so
    assert _count(session, Contact) == 1 and _count(session, Company) == 1
    assert session.get(Contact, known.id).lead_id is None
    assert session.get(ContactCompany, (known.id, acme.id)) is not None
    for kind, row in (("contact", known), ("company", acme)):
        entry = _history(session, kind, row.id)[-1]
        assert entry.kind == TimelineKind.CONVERSION
        assert entry.payload["lead_id"] == lead.id and entry.payload["deal_id"] == deal.id


def test_new_contact_is_linked_to_an_existing_company(session):
    user = create_user(session)
    acme = records.create_company(session=session, user=user, data={"name": "Acme"})
    lead = _lead(session, user)
    result = conversion.convert_lead(
        session=session, user=user, lead_id=lead.id, contact={"last_name": "Martin"}, company_id=acme.id
    )
    assert result.created == ["contact"] and result.linked == ["company"]
    assert session.get(ContactCompany, (result.contact_id, acme.id)) is not None
    assert _fresh(session, Lead, lead.id).company_id == acme.id


def test_a_deal_with_only_a_company(session):
    user = create_user(session)
    lead = leads.create_lead(session=session, user=user, data={"company_name": "Globex"})
    result = conversion.convert_lead(
        session=session, user=user, lead_id=lead.id, company={"name": "Globex"}, deal={"title": "Globex deal"}
    )
    deal = session.get(Deal, result.deal_id)
    assert deal.company_id == result.company_id and deal.contact_id is None


# --- refusals --------------------------------------------------------------------------------------


def test_a_deal_needs_a_contact_or_a_company(session):
    user = create_user(session)
    lead = _lead(session, user)
    with pytest.raises(ValidationError) as exc:
        conversion.convert_lead(session=session, user=user, lead_id=lead.id, deal={"title": "Alone"})
    assert set(exc.value.errors) == {"deal"}
    assert "contact or a company" in str(exc.value.errors["deal"])
    assert _count(session, Deal) == 0 and _fresh(session, Lead, lead.id).result is None


def test_nothing_to_convert_into_is_refused(session):
    user = create_user(session)
    lead = _lead(session, user)
    with pytest.raises(ValidationError) as exc:
        conversion.convert_lead(session=session, user=user, lead_id=lead.id)
    assert set(exc.value.errors) == {""}


def test_new_and_existing_at_once_or_missing_existing_is_refused(session):
    user = create_user(session)
    acme = records.create_company(session=session, user=user, data={"name": "Acme"})
    lead = _lead(session, user)
    with pytest.raises(ValidationError) as exc:
        conversion.convert_lead(
            session=session,
            user=user,
            lead_id=lead.id,
            contact={"last_name": "A"},
            contact_id=999,
            company={"name": "B"},
            company_id=acme.id,
        )
    assert set(exc.value.errors) == {"contact_id", "company_id"}
    with pytest.raises(ValidationError) as exc:
        conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact_id=999, company_id="x")
    assert set(exc.value.errors) == {"contact_id", "company_id"}
    assert _count(session, Contact) == 0 and _count(session, Company) == 1


def test_all_field_errors_come_at_once_and_nothing_is_written(session):
    user = create_user(session)
    lead = _lead(session, user)
    version = lead.version
    with pytest.raises(ValidationError) as exc:
        conversion.convert_lead(
            session=session,
            user=user,
            lead_id=lead.id,
            contact={"first_name": "", "last_name": "", "emails": "nope"},
            company={"name": "Acme"},
            deal={"title": "", "amount": "lots", "currency_code": "XXX"},
        )
    assert set(exc.value.errors) == {
        "contact.last_name",
        "contact.emails",
        "deal.title",
        "deal.amount",
        "deal.currency_code",
    }
    assert _count(session, Contact) == _count(session, Company) == _count(session, Deal) == 0
    lead = _fresh(session, Lead, lead.id)
    assert lead.result is None and lead.version == version and lead.closed_at is None
    assert [e.kind for e in _history(session, "lead", lead.id)] == [TimelineKind.CREATED]


def test_an_error_midway_rolls_everything_back(session, monkeypatch):
    user = create_user(session)
    lead = _lead(session, user)

    def broken_deal(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(records, "create_deal", broken_deal)
    with pytest.raises(RuntimeError):
        conversion.convert_lead(
            session=session,
            user=user,
            lead_id=lead.id,
            contact={"last_name": "Martin"},
            company={"name": "Acme"},
            deal={"title": "Deal"},
        )
    assert _count(session, Contact) == _count(session, Company) == _count(session, ContactCompany) == 0
    assert session.exec(select(TimelineEntry).where(TimelineEntry.entity_type != "lead")).all() == []
    lead = _fresh(session, Lead, lead.id)
    assert lead.result is None and lead.contact_id is None
    assert _status(session, lead).semantic == StageSemantic.IN_PROGRESS


def test_converting_twice_is_refused(session):
    user = create_user(session)
    lead = _lead(session, user)
    conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact={"last_name": "Martin"})
    with pytest.raises(Conflict) as exc:
        conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact={"last_name": "Again"})
    assert str(exc.value.message) == (
        "This lead is already converted. Open the records it was converted into."
    )
    with pytest.raises(Conflict):
        conversion.close_as_junk(
            session=session, user=user, lead_id=lead.id, reason_id=_junk_reason(session).id, comment=""
        )
    assert _count(session, Contact) == 1


def test_a_stale_version_is_refused(session):
    user = create_user(session)
    lead = _lead(session, user)
    leads.update_lead(session=session, user=user, lead_id=lead.id, data={"position": "CTO"})
    with pytest.raises(StaleRecord):
        conversion.convert_lead(
            session=session, user=user, lead_id=lead.id, contact={"last_name": "M"}, expected_version=1
        )
    assert _count(session, Contact) == 0


def test_two_conversions_racing_make_one(session, db_url, monkeypatch):
    """Someone converts the lead while our conversion is half-way: ours is refused, nothing of it
    stays. On PostgreSQL the row lock makes the other one wait instead."""
    user = create_user(session)
    lead = _lead(session, user)
    real_create_contact = records.create_contact
    other_outcome = {}

    def create_contact_while_someone_converts(**kwargs):
        with db.session(db_url) as other:
            if other.bind.dialect.name == "postgresql":
                other.exec(sa.text("SET LOCAL lock_timeout = '300ms'"))
            try:
                conversion.convert_lead(
                    session=other,
                    user=other.get(User, user.id),
                    lead_id=lead.id,
                    company={"name": "Their company"},
                )
                other_outcome["converted"] = True
            except sa.exc.OperationalError:
                other_outcome["converted"] = False  # waited for our lock
        return real_create_contact(**kwargs)

    monkeypatch.setattr(records, "create_contact", create_contact_while_someone_converts)
    if session.bind.dialect.name == "postgresql":
        result = conversion.convert_lead(
            session=session, user=user, lead_id=lead.id, contact={"last_name": "Ours"}
        )
        assert other_outcome == {"converted": False}
        assert result.contact_id and _count(session, Company) == 0
    else:
        with pytest.raises(Conflict) as exc:
            conversion.convert_lead(
                session=session, user=user, lead_id=lead.id, contact={"last_name": "Ours"}
            )
        assert "already converted" in str(exc.value.message)
        assert other_outcome == {"converted": True}
        assert _count(session, Contact) == 0 and _count(session, Company) == 1
        assert _fresh(session, Lead, lead.id).company_id is not None


def test_a_deleted_lead_cannot_be_finalised(session):
    user = create_user(session, role=Role.ADMIN)
    lead = _lead(session, user)
    leads.bulk_delete(session=session, user=user, ids=[lead.id])
    with pytest.raises(NotFound):
        conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact={"last_name": "M"})
    with pytest.raises(NotFound):
        conversion.close_as_junk(session=session, user=user, lead_id=lead.id, reason_id=1)


def test_an_inactive_responsible_does_not_carry_over(session):
    user = create_user(session)
    gone = create_user(session, active=False)
    lead = _lead(session, user)
    lead.responsible_id = gone.id
    session.add(lead)
    session.commit()
    result = conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact={"last_name": "M"})
    assert session.get(Contact, result.contact_id).responsible_id == user.id


# --- junk ------------------------------------------------------------------------------------------


def test_close_as_junk_with_reason_and_comment(session):
    user = create_user(session)
    lead = _lead(session, user)
    before = _status(session, lead)
    reason = _junk_reason(session)
    lead = conversion.close_as_junk(
        session=session,
        user=user,
        lead_id=lead.id,
        reason_id=str(reason.id),
        comment="  Called twice, spam. ",
    )
    assert lead.result == LeadResult.JUNK and lead.junk_reason_id == reason.id and lead.closed_at is not None
    assert _status(session, lead).semantic == StageSemantic.FAILURE
    assert lead.contact_id is None and _count(session, Contact) == 0
    entry = _history(session, "lead", lead.id)[-1]
    assert entry.kind == TimelineKind.CONVERSION and entry.text == "Called twice, spam."
    assert entry.payload == {
        "junk": True,
        "old": before.name,
        "new": "Junk",
        "old_id": before.id,
        "new_id": lead.status_id,
        "result": "junk",
        "reason_id": reason.id,
        "reason": reason.name,
    }
    summary = conversion.lead_summary(session, lead)
    assert summary["result"] == "junk" and summary["junk_reason"] == reason.name
    with pytest.raises(Conflict) as exc:
        conversion.close_as_junk(session=session, user=user, lead_id=lead.id, reason_id=reason.id)
    assert str(exc.value.message) == "This lead is already closed as junk."
    with pytest.raises(Conflict):
        conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact={"last_name": "M"})


@pytest.mark.parametrize("reason", [None, "", "abc", 9999, "deal_lost"])
def test_junk_needs_a_lead_junk_reason(session, reason):
    user = create_user(session)
    lead = _lead(session, user)
    if reason == "deal_lost":
        reason = _junk_reason(session, ReasonKind.DEAL_LOST).id
    with pytest.raises(ValidationError) as exc:
        conversion.close_as_junk(session=session, user=user, lead_id=lead.id, reason_id=reason, comment="x")
    assert set(exc.value.errors) == {"reason_id"}
    assert _fresh(session, Lead, lead.id).result is None


def test_junk_comment_length(session):
    user = create_user(session)
    lead = _lead(session, user)
    with pytest.raises(ValidationError) as exc:
        conversion.close_as_junk(
            session=session,
            user=user,
            lead_id=lead.id,
            reason_id=_junk_reason(session).id,
            comment="x" * 2001,
        )
    assert set(exc.value.errors) == {"comment"}


# --- read-only afterwards ------------------------------------------------------------------------


def test_final_fields_are_read_only_afterwards(session):
    user = create_user(session)
    lead = _lead(session, user)
    result = conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact={"last_name": "M"})
    first = leads.first_status(session)
    with pytest.raises(Conflict):
        leads.change_status(session=session, user=user, lead_id=lead.id, status_id=first.id)
    with pytest.raises(Conflict):
        leads.update_lead(session=session, user=user, lead_id=lead.id, data={"status_id": first.id})
    junk = conversion.final_status(session, StageSemantic.FAILURE)
    with pytest.raises(Conflict):
        leads.change_status(session=session, user=user, lead_id=lead.id, status_id=junk.id)
    assert leads.bulk_set_status(session=session, user=user, ids=[lead.id], status_id=first.id) == 0
    # links and result are not fields the lead form can change
    leads.update_lead(
        session=session,
        user=user,
        lead_id=lead.id,
        data={"contact_id": None, "result": None, "deal_id": 5, "comment": "still editable"},
    )
    lead = _fresh(session, Lead, lead.id)
    assert lead.result == LeadResult.CONVERTED and lead.contact_id == result.contact_id
    assert lead.comment == "still editable"
    assert _status(session, lead).semantic == StageSemantic.SUCCESS


def test_final_status_missing_is_a_clear_error(session):
    user = create_user(session)
    lead = _lead(session, user)
    success = conversion.final_status(session, StageSemantic.SUCCESS)
    success.semantic = StageSemantic.IN_PROGRESS
    session.add(success)
    session.commit()
    with pytest.raises(Conflict):
        conversion.convert_lead(session=session, user=user, lead_id=lead.id, contact={"last_name": "M"})
    assert _count(session, Contact) == 0
