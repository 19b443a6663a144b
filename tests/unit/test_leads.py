"""Leads: validation, create with history, update with history, status moves, the list, bulk actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from crm_app.models import (
    Communication,
    EntityType,
    Lead,
    LeadResult,
    Role,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
)
from crm_app.models.base import utcnow
from crm_app.services import duplicates, leads
from crm_app.services.errors import Conflict, PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_user


def _lead(session, user, **data):
    data.setdefault("last_name", "Martin")
    return leads.create_lead(session=session, user=user, data=data)


def _history(session, lead_id):
    return session.exec(
        select(TimelineEntry)
        .where(TimelineEntry.entity_id == lead_id, TimelineEntry.entity_type == "lead")
        .order_by(TimelineEntry.id)
    ).all()


def test_create_normalises_and_writes_history(session):
    user = create_user(session)
    lead = _lead(
        session,
        user,
        first_name=" Zoé ",
        company_name="<b>Acme</b>",
        phones="01 23 45 67 89, +1 (212) 555-0100",
        emails=["Zoe@Example.COM", "zoe@example.com"],
        amount="1 500,50",
    )
    assert lead.first_name == "Zoé" and lead.company_name == "<b>Acme</b>"
    assert lead.amount == Decimal("1500.50") and lead.currency_code == "EUR"
    assert lead.responsible_id == user.id and lead.status_id == leads.first_status(session).id
    comms = leads.communications(session, "lead", [lead.id])[lead.id]
    assert comms == {"phones": ["+33123456789", "+12125550100"], "emails": ["zoe@example.com"]}
    [created] = _history(session, lead.id)
    assert created.kind == TimelineKind.CREATED and created.payload == {"origin": "form"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"last_name": ""}, "last_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"last_name": "A", "emails": "not an email"}, "emails"),
        ({"last_name": "A", "phones": "12"}, "phones"),
        ({"last_name": "A", "phones": "x" * 60}, "phones"),
        ({"last_name": "A", "amount": "abc"}, "amount"),
        ({"last_name": "A", "amount": "-5"}, "amount"),
        ({"last_name": "A", "amount": "1e30"}, "amount"),
        ({"last_name": "A", "currency_code": "XXX"}, "currency_code"),
        ({"last_name": "A", "status_id": 99999}, "status_id"),
        ({"last_name": "A", "source_id": "abc"}, "source_id"),
        ({"last_name": "A", "responsible_id": 424242}, "responsible_id"),
        ({"last_name": "A", "website": "javascript:alert(1)"}, "website"),
        ({"last_name": "A", "comment": "x" * 10_001}, "comment"),
        ({"last_name": "A\x00B"}, "last_name"),
    ],
)
def test_bad_input_is_refused_per_field(session, data, field):
    user = create_user(session)
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(session=session, user=user, data=data)
    assert field in exc.value.errors
    assert session.exec(select(Lead)).first() is None


def test_a_ten_megabyte_field_is_refused(session):
    user = create_user(session)
    with pytest.raises(ValidationError) as exc:
        leads.create_lead(session=session, user=user, data={"last_name": "A", "comment": "x" * 10_000_000})
    assert "comment" in exc.value.errors


def test_new_leads_cannot_start_final(session):
    user = create_user(session)
    final = next(s for s in leads.lead_statuses(session) if s.semantic == StageSemantic.SUCCESS)
    with pytest.raises(ValidationError):
        _lead(session, user, status_id=final.id)


def test_update_records_each_change_and_checks_the_version(session):
    user = create_user(session)
    lead = _lead(session, user, phones="+33123456789")
    version = lead.version
    leads.update_lead(
        session=session,
        user=user,
        lead_id=lead.id,
        data={"first_name": "Ann", "phones": ["+33 1 23 45 67 89", "+33 6 12 34 56 78"], "comment": "same"},
        expected_version=version,
    )
    changes = [e.payload for e in _history(session, lead.id) if e.kind == TimelineKind.FIELD_CHANGE]
    assert {"field": "first_name", "old": "", "new": "Ann"} in changes
    assert {"field": "phones", "old": ["+33123456789"], "new": ["+33123456789", "+33612345678"]} in changes
    with pytest.raises(StaleRecord):
        leads.update_lead(
            session=session, user=user, lead_id=lead.id, data={"first_name": "Bob"}, expected_version=version
        )
    assert session.get(Lead, lead.id).first_name == "Ann"


def test_update_with_bad_input_loses_nothing(session):
    user = create_user(session)
    lead = _lead(session, user, first_name="Ann", emails="ann@example.com")
    with pytest.raises(ValidationError):
        leads.update_lead(
            session=session, user=user, lead_id=lead.id, data={"first_name": "Bo", "emails": "broken@"}
        )
    session.rollback()
    again = session.get(Lead, lead.id)
    assert again.first_name == "Ann"
    assert session.exec(select(Communication.normalized)).all() == ["ann@example.com"]


def test_status_moves_only_through_statuses_in_progress(session):
    user = create_user(session)
    lead = _lead(session, user)
    statuses = leads.lead_statuses(session)
    second = [s for s in statuses if s.semantic == StageSemantic.IN_PROGRESS][1]
    leads.change_status(session=session, user=user, lead_id=lead.id, status_id=second.id)
    entry = _history(session, lead.id)[-1]
    assert entry.kind == TimelineKind.STAGE_CHANGE and entry.payload["new"] == second.name
    final = next(s for s in statuses if s.semantic == StageSemantic.FAILURE)
    with pytest.raises(Conflict):
        leads.change_status(session=session, user=user, lead_id=lead.id, status_id=final.id)
    lead = session.get(Lead, lead.id)
    lead.result = LeadResult.JUNK
    session.commit()
    with pytest.raises(Conflict):
        leads.change_status(session=session, user=user, lead_id=lead.id, status_id=statuses[0].id)


def test_search_by_name_company_email_and_formatted_phone(session):
    user = create_user(session)
    a = _lead(
        session,
        user,
        first_name="Jean",
        last_name="Dupont",
        company_name="Acme",
        emails="jd@acme.fr",
        phones="06 12 34 56 78",
    )
    b = _lead(session, user, first_name="Anne", last_name="Durand", company_name="Globex 100%")
    _lead(session, user, first_name="Paul", last_name="Martin")

    def ids(text):
        return [
            r.id
            for r in leads.search_leads(session=session, user=user, filters=leads.LeadFilters(text=text)).rows
        ]

    assert ids("jean dupont") == [a.id]
    assert ids("ACME") == [a.id]
    assert ids("jd@acme") == [a.id]
    assert ids("06 12-34") == [a.id]
    assert ids("+33 6 12 34 56 78") == [a.id]
    assert ids("100%") == [b.id]
    assert ids("00%") == [b.id]  # a literal %, not a wildcard
    assert ids("%") == ids("_") == []  # punctuation alone: "type at least two letters or digits"
    assert ids("du") == [b.id, a.id]


def test_filters_sort_pages_and_capped_count(session):
    user = create_user(session)
    other = create_user(session, email="o@example.com", name="Other")
    for i in range(25):
        _lead(session, user if i % 2 else other, last_name=f"Lead {i:02d}", amount=str(i))
    page = leads.search_leads(
        session=session, user=user, sort="last_name", descending=False, page=1, page_size=10
    )
    assert [r.name for r in page.rows] == [f"Lead {i:02d}" for i in range(10, 20)]
    assert page.total == 25 and not page.total_is_capped
    mine = leads.search_leads(session=session, user=user, filters=leads.LeadFilters(mine=True), page_size=50)
    assert mine.total == 12
    by_amount = leads.search_leads(session=session, user=user, sort="amount", page_size=10)
    assert by_amount.rows[0].amount == Decimal("24")
    tomorrow = (utcnow() + timedelta(days=1)).date()
    assert (
        leads.search_leads(session=session, user=user, filters=leads.LeadFilters(created_from=tomorrow)).total
        == 0
    )
    assert (
        leads.search_leads(
            session=session, user=user, filters=leads.LeadFilters(responsible_ids=[other.id])
        ).total
        == 13
    )
    assert leads.search_leads(session=session, user=user, page_size=7).page_size == 50  # only offered sizes


def test_bulk_actions(session):
    user = create_user(session)
    boss = create_user(session, role=Role.MANAGER, email="boss@example.com")
    ids = [_lead(session, user, last_name=f"L{i}").id for i in range(3)]
    assert leads.bulk_assign(session=session, user=user, ids=ids, responsible_id=boss.id) == 3
    second = [s for s in leads.lead_statuses(session) if s.semantic == StageSemantic.IN_PROGRESS][1]
    assert leads.bulk_set_status(session=session, user=user, ids=ids, status_id=second.id) == 3
    stranger = create_user(session, email="s@example.com")
    with pytest.raises(PermissionDenied):  # neither theirs nor made by them
        leads.bulk_delete(session=session, user=stranger, ids=ids)
    assert leads.bulk_delete(session=session, user=boss, ids=ids[:2]) == 2
    assert leads.search_leads(session=session, user=user).total == 1
    leads.restore_lead(session=session, user=boss, lead_id=ids[0])
    assert leads.search_leads(session=session, user=user).total == 2
    binned = leads.search_leads(session=session, user=user, filters=leads.LeadFilters(deleted=True))
    assert [r.id for r in binned.rows] == [ids[1]]
    with pytest.raises(PermissionDenied):
        leads.bulk_restore(session=session, user=stranger, ids=[ids[1]])
    assert leads.bulk_restore(session=session, user=boss, ids=[ids[1]]) == 1
    assert leads.search_leads(session=session, user=user).total == 3


def test_duplicate_matches_by_email_phone_and_company_name(session):
    user = create_user(session)
    lead = _lead(session, user, company_name="Acme Industries", emails="a@acme.io", phones="+33123456789")
    found = duplicates.find_matches(session=session, emails=["a@acme.io"], phones=[], company_name="")
    assert [(m.entity_type, m.id, m.reason) for m in found] == [("lead", lead.id, "email")]
    assert duplicates.find_matches(session=session, phones=["+33123456789"])[0].reason == "phone"
    assert duplicates.find_matches(session=session, company_name="ACME industries")[0].id == lead.id
    assert (
        duplicates.find_matches(session=session, company_name="Acme Industries", exclude=("lead", lead.id))
        == []
    )
    assert duplicates.find_matches(session=session, company_name="Zenith") == []


def test_sort_by_email_and_phone(session):
    user = create_user(session)
    b = _lead(session, user, last_name="B", emails="b@example.com", phones="+33 6 00 00 00 02")
    a = _lead(session, user, last_name="A", emails="a@example.com", phones="+33 6 00 00 00 03")
    c = _lead(session, user, last_name="C", emails="c@example.com", phones="+33 6 00 00 00 01")
    by_email = leads.search_leads(session=session, user=user, sort="email", descending=False)
    assert [r.id for r in by_email.rows] == [a.id, b.id, c.id]
    by_phone = leads.search_leads(session=session, user=user, sort="phone", descending=True)
    assert [r.id for r in by_phone.rows] == [a.id, b.id, c.id]


# --- the one write path --------------------------------------------------------------------------


def test_create_leads_writes_a_batch_with_history_or_nothing(session):
    user = create_user(session)
    rows = [
        {"last_name": "One", "emails": "one@example.com", "phones": "+33 1 23 45 67 89"},
        {"company_name": "Two Co", "amount": "10,5"},
    ]
    made = leads.create_leads(session=session, user=user, rows=rows, origin="api")
    assert len(made) == 2 and all(m.matches == [] for m in made)
    one, two = (session.get(Lead, m.id) for m in made)
    assert (one.last_name, one.responsible_id, one.created_by_id, one.version) == ("One", user.id, user.id, 1)
    assert one.status_id == leads.first_status(session).id
    assert str(two.amount) == "10.50" and two.currency_code
    assert leads.communications(session, EntityType.LEAD, [one.id])[one.id] == {
        "phones": ["+33123456789"],
        "emails": ["one@example.com"],
    }
    entries = session.exec(select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.CREATED)).all()
    assert sorted((e.entity_id, e.payload["origin"]) for e in entries) == sorted(
        [(one.id, "api"), (two.id, "api")]
    )
    with pytest.raises(ValidationError):
        leads.create_leads(
            session=session, user=user, rows=[{"last_name": "Fine"}, {"last_name": "Bad", "emails": "x@"}]
        )
    session.rollback()
    assert session.exec(select(func.count()).select_from(Lead)).one() == 2


def test_fill_values_is_the_one_merge_rule():
    current = {"last_name": "Lee", "company_name": "Old", "status_id": 3,
               "emails": [("a@x.io", "a@x.io")], "phones": []}  # fmt: skip
    given = {
        "company_name": "New",
        "position": "",  # empty: blanks nothing
        "status_id": 4,
        "emails": [("A@x.io", "a@x.io"), ("b@x.io", "b@x.io"), ("b@x.io", "b@x.io")],
        "phones": [(f"+3312345678{i}", f"+3312345678{i}") for i in range(12)],
    }
    changes = leads.fill_values(current, given)
    assert changes["company_name"] == "New" and changes["status_id"] == 4 and "position" not in changes
    assert changes["emails"] == [("a@x.io", "a@x.io"), ("b@x.io", "b@x.io")]
    assert len(changes["phones"]) == leads.MAX_ITEMS
    assert leads.fill_values(current, {"emails": [("a@x.io", "a@x.io")], "last_name": ""}) == {}
