"""Contacts and companies: lists (search, sort, filters, scope, keyset), changes with history,
stale edits, bulk actions, the links between them and their cards."""

from datetime import timedelta

import pytest
from sqlmodel import select

from crm_app.models import Company, Contact, ContactCompany, TimelineEntry, TimelineKind
from crm_app.models.base import utcnow
from crm_app.services import parties, party_links, records
from crm_app.services.errors import NotFound, PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_admin, create_deal, create_lead, create_user

C, CO = parties.CONTACTS, parties.COMPANIES


def _contact(session, user, **data):
    return records.create_contact(session=session, user=user, data=data)


def _company(session, user, **data):
    return records.create_company(session=session, user=user, data={"name": "Acme", **data})


def _names(page):
    return [r.name for r in page.rows]


def _history(session, entity, entity_id, kind=TimelineKind.FIELD_CHANGE):
    return [
        e.payload
        for e in session.exec(
            select(TimelineEntry)
            .where(
                TimelineEntry.entity_type == entity,
                TimelineEntry.entity_id == entity_id,
                TimelineEntry.kind == kind,
            )
            .order_by(TimelineEntry.id)
        ).all()
    ]


def test_search_and_sort_columns_follow_every_write(session):
    user = create_user(session)
    zoe = _contact(
        session, user, first_name="Zoé", last_name="Martin", emails="zoe@example.com", phones="01 23 45 67 89"
    )
    assert (zoe.sort_name, zoe.primary_email, zoe.primary_phone) == (
        "zoe martin",
        "zoe@example.com",
        "+33123456789",
    )
    assert zoe.search_phones == " 33123456789 "
    parties.update(
        C,
        session=session,
        user=user,
        record_id=zoe.id,
        data={"last_name": "Dupont", "emails": "z@x.org, zoe@example.com"},
    )
    session.refresh(zoe)
    assert (zoe.sort_name, zoe.primary_email) == ("zoe dupont", "z@x.org")
    assert " dupont " in zoe.search_text and "martin" not in zoe.search_text
    acme = _company(session, user, name="Éclair SARL", industry="Bakery")
    assert acme.sort_name == "eclair sarl" and "bakery" in acme.search_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mart", ["Anna Martin"]),
        ("MARTÍN", ["Anna Martin"]),
        ("an", ["Anna Martin"]),  # two characters: the start of a word only
        ("example", ["Bob Stone", "Anna Martin"]),
        ("06 12", ["Bob Stone"]),
        ("%", []),
        ("_", []),
        ("' or 1=1 --", []),
        ("Иван", ["Иван Петров"]),
    ],
)
def test_contact_search(session, text, expected):
    user = create_user(session)
    _contact(session, user, first_name="Anna", last_name="Martin", emails="anna@example.com")
    _contact(
        session, user, first_name="Bob", last_name="Stone", emails="bob@example.com", phones="06 12 34 56 78"
    )
    _contact(session, user, first_name="Иван", last_name="Петров")
    page = parties.browse(C, session=session, user=user, filters=parties.PartyFilters(text=text))
    assert _names(page) == expected


def test_lists_sort_page_filter_and_recycle_bin(session):
    user = create_user(session)
    other = create_user(session)
    for i, name in enumerate(["Delta", "alpha", "Charlie", "Bravo", "Écho"]):
        _company(session, user if i % 2 == 0 else other, name=name, industry=f"I{i}")
    by_name = parties.browse(CO, session=session, user=user, sort="name", descending=False, page_size=10)
    assert _names(by_name) == ["alpha", "Bravo", "Charlie", "Delta", "Écho"]
    first = parties.browse(CO, session=session, user=user, sort="name", descending=False, page_size=10)
    assert first.total == 5 and not first.has_next
    mine = parties.browse(CO, session=session, user=user, filters=parties.PartyFilters(mine=True))
    assert sorted(_names(mine)) == ["Charlie", "Delta", "Écho"]
    theirs = parties.browse(
        CO, session=session, user=user, filters=parties.PartyFilters(responsible_ids=[other.id])
    )
    assert sorted(_names(theirs)) == ["Bravo", "alpha"]
    ids = [r.id for r in mine.rows]
    assert parties.bulk_delete(CO, session=session, user=user, ids=ids) == 3
    assert sorted(_names(parties.browse(CO, session=session, user=user))) == ["Bravo", "alpha"]
    binned = parties.browse(CO, session=session, user=user, filters=parties.PartyFilters(deleted=True))
    assert sorted(_names(binned)) == ["Charlie", "Delta", "Écho"]
    assert parties.bulk_restore(CO, session=session, user=user, ids=ids) == 3
    assert parties.browse(CO, session=session, user=user).total == 5
    assert len(_history(session, "company", ids[0], TimelineKind.DELETED)) == 1
    assert len(_history(session, "company", ids[0], TimelineKind.RESTORED)) == 1


def test_keyset_pages_through_every_row(session):
    user = create_user(session)
    for i in range(25):
        _contact(session, user, first_name=f"P{i:02d}", last_name="Test")
    seen, page = (
        [],
        parties.browse(C, session=session, user=user, sort="name", descending=False, page_size=10),
    )
    while True:
        seen += _names(page)
        if not page.has_next:
            break
        page = parties.browse(
            C, session=session, user=user, sort="name", descending=False, page_size=10, after=page.last
        )
    assert seen == [f"P{i:02d} Test" for i in range(25)]
    last = parties.browse(
        C, session=session, user=user, sort="name", descending=False, page_size=10, last=True
    )
    assert _names(last) == [f"P{i:02d} Test" for i in range(15, 25)]  # the last full page


def test_a_representative_sees_only_their_own_when_scoped(session):
    from crm_app.services import permissions

    admin = create_admin(session)
    rep = create_user(session)
    other = create_user(session)
    permissions.set_matrix(session, actor=admin, cells={("sales", "contact", "view"): "own"})
    _contact(session, rep, first_name="Mine")
    theirs = _contact(session, other, first_name="Theirs")
    assert _names(parties.browse(C, session=session, user=rep)) == ["Mine"]
    with pytest.raises(PermissionDenied):
        parties.get(C, session=session, user=rep, record_id=theirs.id)
    assert len(parties.browse(C, session=session, user=admin).rows) == 2


def test_update_records_each_change_and_refuses_stale_and_bad_input(session):
    user = create_user(session)
    zoe = _contact(session, user, first_name="Zoé", last_name="Martin", phones="01 23 45 67 89")
    version = zoe.version
    parties.update(
        C,
        session=session,
        user=user,
        record_id=zoe.id,
        data={"position": "CEO", "birthdate": "1990-05-01", "phones": "01 23 45 67 89"},
        expected_version=version,
    )
    changes = _history(session, "contact", zoe.id)
    assert [c["field"] for c in changes] == ["position", "birthdate"]
    assert changes[1] == {"field": "birthdate", "old": None, "new": "1990-05-01"}
    with pytest.raises(StaleRecord):
        parties.update(
            C,
            session=session,
            user=user,
            record_id=zoe.id,
            data={"position": "CTO"},
            expected_version=version,
        )
    with pytest.raises(ValidationError) as bad:
        parties.update(
            C,
            session=session,
            user=user,
            record_id=zoe.id,
            data={"emails": "not an e-mail", "first_name": "", "last_name": "", "comment": "x" * 10_001},
        )
    assert {"emails", "last_name", "comment"} <= set(bad.value.errors)
    session.refresh(zoe)
    assert (zoe.first_name, zoe.position) == ("Zoé", "CEO")  # nothing of the refused change stored


def test_company_numbers_are_checked(session):
    user = create_user(session)
    acme = _company(session, user, employees="1 200", revenue="1 500 000,50")
    assert (acme.employees, str(acme.revenue)) == (1200, "1500000.50")
    with pytest.raises(ValidationError) as bad:
        parties.update(
            CO, session=session, user=user, record_id=acme.id, data={"employees": "-3", "revenue": "lots"}
        )
    assert set(bad.value.errors) == {"employees", "revenue"}


def test_bulk_assign_is_all_or_nothing(session):
    from crm_app.services import permissions

    admin = create_admin(session)
    rep = create_user(session)
    other = create_user(session)
    permissions.set_matrix(session, actor=admin, cells={("sales", "contact", "edit"): "own"})
    mine = _contact(session, rep, first_name="Mine")
    theirs = _contact(session, other, first_name="Theirs")
    with pytest.raises(PermissionDenied):
        parties.bulk_assign(C, session=session, user=rep, ids=[mine.id, theirs.id], responsible_id=rep.id)
    assert (
        parties.bulk_assign(C, session=session, user=admin, ids=[mine.id, theirs.id], responsible_id=rep.id)
        == 1
    )
    session.refresh(theirs)
    assert theirs.responsible_id == rep.id
    with pytest.raises(ValidationError):
        parties.bulk_assign(C, session=session, user=admin, ids=[mine.id], responsible_id=999_999)


def test_links_primary_company_and_history_on_both_sides(session):
    user = create_user(session)
    zoe = _contact(session, user, first_name="Zoé", last_name="Martin")
    acme = _company(session, user, name="Acme")
    globex = _company(session, user, name="Globex")
    assert party_links.link(session=session, user=user, contact_id=zoe.id, company_id=acme.id)
    assert not party_links.link(session=session, user=user, contact_id=zoe.id, company_id=acme.id)
    assert party_links.link(session=session, user=user, contact_id=zoe.id, company_id=globex.id)
    card = party_links.card(C, session=session, user=user, record_id=zoe.id)
    assert [(r.name, r.primary) for r in card.related] == [("Acme", True), ("Globex", False)]
    assert party_links.make_primary(session=session, user=user, contact_id=zoe.id, company_id=globex.id)
    page = parties.browse(C, session=session, user=user)
    assert page.rows[0].related == "Globex"
    assert party_links.unlink(session=session, user=user, contact_id=zoe.id, company_id=globex.id)
    card = party_links.card(C, session=session, user=user, record_id=zoe.id)
    assert [(r.name, r.primary) for r in card.related] == [("Acme", True)]
    company_card = party_links.card(CO, session=session, user=user, record_id=acme.id)
    assert [r.name for r in company_card.related] == ["Zoé Martin"]
    assert (
        parties.browse(CO, session=session, user=user, sort="name", descending=False).rows[0].related == "1"
    )
    contact_changes = _history(session, "contact", zoe.id)
    assert contact_changes[0] == {"field": "companies", "old": [], "new": ["Acme"]}
    assert contact_changes[-1] == {"field": "companies", "old": ["Globex", "Acme"], "new": ["Acme"]}
    assert _history(session, "company", acme.id)[0] == {"field": "contacts", "old": [], "new": ["Zoé Martin"]}


def test_links_need_the_right_to_change_one_side(session):
    from crm_app.services import permissions

    admin = create_admin(session)
    rep = create_user(session)
    other = create_user(session)
    permissions.set_matrix(
        session, actor=admin, cells={("sales", "contact", "edit"): "own", ("sales", "company", "edit"): "own"}
    )
    theirs = _contact(session, other, first_name="Theirs")
    their_company = _company(session, other, name="Theirs Inc")
    mine = _company(session, rep, name="Mine Inc")
    with pytest.raises(PermissionDenied):
        party_links.link(session=session, user=rep, contact_id=theirs.id, company_id=their_company.id)
    assert party_links.link(session=session, user=rep, contact_id=theirs.id, company_id=mine.id)


def test_card_lists_deals_and_the_origin_lead(session):
    user = create_user(session)
    lead = create_lead(session, first_name="Origin")
    zoe = records.create_contact(session=session, user=user, data={"first_name": "Zoé"}, lead_id=lead.id)
    acme = _company(session, user)
    create_deal(session, title="Big deal", contact_id=zoe.id, company_id=acme.id)
    card = party_links.card(C, session=session, user=user, record_id=zoe.id)
    assert [d.title for d in card.deals] == ["Big deal"]
    assert card.lead is not None and card.lead.id == lead.id
    assert [d.title for d in party_links.card(CO, session=session, user=user, record_id=acme.id).deals] == [
        "Big deal"
    ]


def test_deleted_and_missing_records_are_not_found(session):
    user = create_user(session)
    zoe = _contact(session, user, first_name="Zoé")
    parties.delete(C, session=session, user=user, record_id=zoe.id)
    with pytest.raises(NotFound):
        parties.get(C, session=session, user=user, record_id=zoe.id)
    with pytest.raises(NotFound):
        parties.get(CO, session=session, user=user, record_id=123_456)


def test_created_filters_use_the_crm_day(session):
    user = create_user(session)
    old = _contact(session, user, first_name="Old")
    old.created_at = utcnow() - timedelta(days=10)
    session.add(old)
    session.commit()
    _contact(session, user, first_name="New")
    today = utcnow().date()
    recent = parties.browse(
        C, session=session, user=user, filters=parties.PartyFilters(created_from=today - timedelta(days=1))
    )
    assert _names(recent) == ["New"]


def test_links_survive_as_rows(session):
    user = create_user(session)
    zoe = _contact(session, user, first_name="Zoé")
    acme = _company(session, user)
    party_links.link(session=session, user=user, contact_id=zoe.id, company_id=acme.id)
    assert session.exec(select(ContactCompany)).one().is_primary
    assert session.get(Contact, zoe.id) is not None and session.get(Company, acme.id) is not None


def test_the_search_index_gives_the_rows_of_a_plain_scan_and_follows_changes(session):
    import random

    from crm_app.services import search_index

    rng = random.Random(7)
    user = create_user(session)
    names = ["Martin", "Marie", "Émile", "Durand", "Maréchal", "Lemaire", "Amar", "Ma", "Tom"]
    made = [
        _contact(
            session,
            user,
            first_name=rng.choice(names),
            last_name=rng.choice(names),
            phones=f"06 {rng.randrange(10, 99)} 34 56 {rng.randrange(10, 99)}",
        )
        for _ in range(40)
    ]
    parties.update(C, session=session, user=user, record_id=made[0].id, data={"last_name": "Zyxwv"})
    parties.delete(C, session=session, user=user, record_id=made[1].id)

    def scan(text):  # the same rules, read from the stored columns without the index
        q = search_index.parse(text)
        out = []
        for c in session.exec(select(Contact).where(Contact.deleted_at.is_(None))).all():
            words = all(search_index._needle(w) in c.search_text for w in q.words) and bool(q.words)
            phone = bool(q.phone) and q.phone in c.search_phones
            if words or phone:
                out.append(c.id)
        return sorted(out)

    for text in ["mar", "ma", "MARIE", "emile", "zyxwv", "martin", "06 12", "34 56", "xx", "amar ma"]:
        page = parties.browse(
            C, session=session, user=user, filters=parties.PartyFilters(text=text), page_size=100
        )
        assert sorted(r.id for r in page.rows) == scan(text), text
    assert (
        parties.browse(C, session=session, user=user, filters=parties.PartyFilters(text="zyxwv")).total == 1
    )


def test_a_new_contact_cannot_join_a_company_its_user_may_not_see(session):
    from crm_app.services import permissions

    admin = create_admin(session)
    rep = create_user(session)
    other = create_user(session)
    permissions.set_matrix(session, actor=admin, cells={("sales", "company", "view"): "own"})
    hidden = _company(session, other, name="Hidden Inc")
    mine = _company(session, rep, name="Mine Inc")
    assert parties.visible_company(session, rep, hidden.id) is None
    with pytest.raises(ValidationError) as bad:
        parties.create(C, session=session, user=rep, data={"first_name": "Zoé", "company_id": hidden.id})
    assert set(bad.value.errors) == {"company_id"}
    assert session.exec(select(Contact)).first() is None
    zoe = parties.create(C, session=session, user=rep, data={"first_name": "Zoé", "company_id": mine.id})
    assert session.get(ContactCompany, (zoe.id, mine.id)) is not None
