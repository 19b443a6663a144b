"""Duplicates: matching, groups of duplicate leads, merging leads and undoing a merge."""

from decimal import Decimal

import pytest
from sqlmodel import select

from crm_app.models import (
    Activity,
    Communication,
    EntityType,
    Lead,
    LeadMerge,
    LeadResult,
    Role,
    TimelineEntry,
    TimelineKind,
)
from crm_app.models.base import utcnow
from crm_app.services import duplicates, leads, timeline
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_activity, create_company, create_contact, create_user


def _lead(session, user, **data):
    data.setdefault("last_name", "Martin")
    return leads.create_lead(session=session, user=user, data=data)


def _comms(session, entity_type, entity_id):
    return sorted(
        (c.id, c.entity_id, c.kind.value, c.value, c.normalized, c.is_primary)
        for c in session.exec(
            select(Communication).where(
                Communication.entity_type == entity_type, Communication.entity_id == entity_id
            )
        ).all()
    )


def _owners(session, model, ids):
    return {r.id: r.entity_id for r in session.exec(select(model).where(model.id.in_(ids))).all()}


def _activity(session, user, lead_id, subject):
    return create_activity(
        session, entity_type=EntityType.LEAD, entity_id=lead_id, responsible_id=user.id, subject=subject
    )


def _state(session, lead_id):
    """Everything a merge may change about a lead, to compare before and after an undo."""
    session.expire_all()
    lead = session.get(Lead, lead_id)
    fields = {name: getattr(lead, name) for name in duplicates._SNAPSHOT_FIELDS}
    return {
        "fields": fields,
        "deleted": lead.deleted_at is not None,
        "comms": _comms(session, EntityType.LEAD, lead_id),
        "activities": sorted(
            a.id
            for a in session.exec(
                select(Activity).where(Activity.entity_type == "lead", Activity.entity_id == lead_id)
            )
        ),
    }


# --- find_matches --------------------------------------------------------------------------------


def test_it_finds_leads_contacts_and_companies_by_email_phone_and_company_name(session):
    user = create_user(session)
    lead = _lead(session, user, company_name="Acme Industries", emails="ann@acme.io", phones="+33123456789")
    contact = create_contact(
        session, first_name="Bob", last_name="Stone", emails="Bob@Stone.io", responsible_id=user.id
    )
    company = create_company(
        session, name="Zenith Trading", phones="+33 1 99 00 00 01", responsible_id=user.id
    )

    found = duplicates.find_matches(session=session, emails=["ann@acme.io", "bob@stone.io"])
    assert {(m.entity_type, m.id, m.reason) for m in found} == {
        ("lead", lead.id, "email"),
        ("contact", contact.id, "email"),
    }
    [match] = duplicates.find_matches(session=session, phones=["+33199000001"])
    assert (match.entity_type, match.id, match.reason, match.title) == (
        "company",
        company.id,
        "phone",
        "Zenith Trading",
    )
    # close company names, in any letter case, among companies and leads
    assert {
        (m.entity_type, m.id) for m in duplicates.find_matches(session=session, company_name="ZENITH trading")
    } == {("company", company.id)}
    assert [m.id for m in duplicates.find_matches(session=session, company_name="acme industries")] == [
        lead.id
    ]
    assert [m.id for m in duplicates.find_matches(session=session, company_name="Acme Industrie")] == [
        lead.id
    ]
    assert duplicates.find_matches(session=session, company_name="Acme Foods") == []
    dupont = _lead(session, user, company_name="DuPont de Nemours")
    assert [m.id for m in duplicates.find_matches(session=session, company_name="Dupont de nemours")] == [
        dupont.id
    ]
    # the record being edited, and deleted records, never match
    assert duplicates.find_matches(session=session, emails=["ann@acme.io"], exclude=("lead", lead.id)) == []
    company.deleted_at = utcnow()
    session.add(company)
    session.commit()
    assert duplicates.find_matches(session=session, phones=["+33199000001"]) == []


def test_the_batch_matcher_gives_each_candidate_what_the_single_one_gives(session):
    """find_matches_batch (the import, create_leads) and find_matches (the form, the API) are
    one rule: the same matches, in the same order, for every candidate of a batch."""
    user = create_user(session)
    a = _lead(session, user, company_name="Acme Industries", emails="ann@acme.io", phones="+33123456789")
    b = _lead(session, user, last_name="Bee", emails="bee@acme.io, ann@acme.io")
    _lead(session, user, company_name="Zenith Trading", phones="+33199000001")
    gone = _lead(session, user, last_name="Gone", emails="gone@acme.io")
    leads.bulk_delete(session=session, user=user, ids=[gone.id])
    candidates = [
        duplicates.Candidate(emails=("ann@acme.io",)),
        duplicates.Candidate(
            emails=("bee@acme.io",), phones=("+33123456789",), company_name="ACME industrie"
        ),
        duplicates.Candidate(phones=("+33199000001",), company_name="zenith trading"),
        duplicates.Candidate(emails=("gone@acme.io", "nobody@acme.io")),
        duplicates.Candidate(emails=("ann@acme.io",), exclude=("lead", a.id)),
        duplicates.Candidate(company_name="Acme Foods"),
    ]
    batch = duplicates.find_matches_batch(session, candidates)
    for index, cand in enumerate(candidates):
        single = duplicates.find_matches(
            session=session,
            emails=cand.emails,
            phones=cand.phones,
            company_name=cand.company_name,
            exclude=cand.exclude,
        )
        assert batch.get(index, []) == single
    assert [(m.id, m.reason) for m in batch[0]] == [(b.id, "email"), (a.id, "email")]
    assert {(m.id, m.reason) for m in batch[1]} == {(b.id, "email"), (a.id, "phone")}
    assert 3 not in batch and 5 not in batch and [m.id for m in batch[4]] == [b.id]


# --- groups --------------------------------------------------------------------------------------


def test_groups_join_leads_sharing_an_email_a_phone_or_a_close_company_name(session):
    user = create_user(session)
    a = _lead(session, user, first_name="Ann", emails="ann@acme.io")
    b = _lead(session, user, first_name="Annie", emails="ANN@acme.io", phones="+33 1 23 45 67 89")
    c = _lead(session, user, first_name="A.", phones="01 23 45 67 89")  # same phone as b: joins a+b
    d = _lead(session, user, company_name="Globex Corporation")
    e = _lead(session, user, company_name="GLOBEX Corporation.")
    u1 = _lead(session, user, company_name="Umbrella Holdings")
    u2 = _lead(session, user, company_name="Umbrela Holding")  # a typo away
    _lead(session, user, company_name="Umbrella")  # too different
    _lead(session, user, emails="solo@x.io")  # alone

    groups, total = duplicates.duplicate_groups(session=session, user=user)
    assert total == 3
    by_ids = {tuple(group.lead_ids): group for group in groups}
    assert set(by_ids) == {(a.id, b.id, c.id), (d.id, e.id), (u1.id, u2.id)}
    assert [(r.reason, r.value) for r in by_ids[(u1.id, u2.id)].reasons] == [
        ("company", "Umbrela Holding / Umbrella Holdings")
    ]
    first = by_ids[(a.id, b.id, c.id)]
    assert {(r.reason, r.value) for r in first.reasons} == {
        ("email", "ann@acme.io"),
        ("phone", "+33 1 23 45 67 89"),
    }
    assert [x.name for x in first.leads] == ["Ann Martin", "Annie Martin", "A. Martin"]
    assert first.leads[1].emails == ["ann@acme.io"] and first.leads[1].phones == ["+33 1 23 45 67 89"]
    assert [r.reason for r in by_ids[(d.id, e.id)].reasons] == ["company"]
    # the group with the newest lead first
    assert [group.lead_ids for group in groups] == [[u1.id, u2.id], [d.id, e.id], [a.id, b.id, c.id]]
    # a page past the end shows the last one
    page, total = duplicates.duplicate_groups(session=session, user=user, page=5, page_size=10)
    assert total == 3 and [x.lead_ids for x in page] == [x.lead_ids for x in groups]


def test_groups_leave_out_deleted_and_finalised_leads_and_too_common_values(session):
    user = create_user(session)
    a = _lead(session, user, emails="x@acme.io")
    b = _lead(session, user, emails="x@acme.io")
    c = _lead(session, user, emails="x@acme.io")
    b.result = LeadResult.JUNK
    c.deleted_at = utcnow()
    session.add_all([b, c])
    session.commit()
    assert duplicates.duplicate_groups(session=session, user=user) == ([], 0)
    # a switchboard number on more leads than MAX_KEY_LEADS is no sign of a duplicate
    for _ in range(duplicates.MAX_KEY_LEADS + 1):
        _lead(session, user, phones="+33 1 40 00 00 00")
    assert duplicates.duplicate_groups(session=session, user=user)[1] == 0
    d = _lead(session, user, emails="X@acme.io")
    groups, _ = duplicates.duplicate_groups(session=session, user=user)
    assert [g.lead_ids for g in groups] == [[a.id, d.id]]


# --- merge ---------------------------------------------------------------------------------------


@pytest.fixture
def trio(session):
    user = create_user(session)
    other = create_user(session, name="Other Rep")
    keep = _lead(
        session, user, first_name="Ann", last_name="Lee", company_name="Acme", emails="ann@acme.io",
        phones="+33 1 23 45 67 89", amount="100", comment="",
    )  # fmt: skip
    second = _lead(
        session, user, first_name="Anne", last_name="Lee", company_name="ACME Industries",
        emails="ANN@acme.io, anne@home.fr", phones="+33 6 12 34 56 78", amount="2500", currency_code="USD",
        comment="Met at the fair", responsible_id=other.id,
    )  # fmt: skip
    third = _lead(session, user, last_name="Lee", position="CEO", emails="lee@acme.io")
    return user, other, keep, second, third


def test_merge_takes_chosen_values_moves_everything_and_writes_history(session, trio):
    user, _, keep, second, third = trio
    act_keep = _activity(session, user, keep.id, "Call Ann")
    act2 = _activity(session, user, second.id, "Send quote")
    act3 = _activity(session, user, third.id, "Meet Lee")
    note = timeline.add_comment(
        session=session, user=user, entity_type=EntityType.LEAD, entity_id=second.id, text="Prefers e-mail"
    )

    merge = duplicates.merge_leads(
        session=session,
        user=user,
        keep_id=keep.id,
        merge_ids=[second.id, third.id],
        choices={"first_name": second.id, "company_name": second.id, "amount": second.id},
    )
    session.expire_all()
    kept = session.get(Lead, keep.id)
    # chosen values, the kept lead's own, and the first non-empty one where the kept lead has none
    assert (kept.first_name, kept.last_name, kept.company_name) == ("Anne", "Lee", "ACME Industries")
    assert (kept.amount, kept.currency_code) == (Decimal("2500.00"), "USD")
    assert kept.comment == "Met at the fair" and kept.position == "CEO"
    assert kept.responsible_id == user.id  # the kept lead's own value by default
    # phones and e-mails: the union, without repeats, the kept lead's first
    assert leads.communications(session, "lead", [keep.id])[keep.id] == {
        "phones": ["+33123456789", "+33612345678"],
        "emails": ["ann@acme.io", "anne@home.fr", "lee@acme.io"],
    }
    primaries = [c for c in _comms(session, "lead", keep.id) if c[5]]
    assert [c[4] for c in primaries] == ["+33123456789", "ann@acme.io"]
    # activities and history moved; merged leads deleted
    assert set(_owners(session, Activity, [act_keep.id, act2.id, act3.id]).values()) == {keep.id}
    assert _owners(session, TimelineEntry, [note.id]) == {note.id: keep.id}
    assert session.get(Lead, second.id).deleted_at and session.get(Lead, third.id).deleted_at
    history = timeline.list_entries(
        session=session, user=user, entity_type=EntityType.LEAD, entity_id=keep.id
    )
    entry = next(e for e in history if e.kind == "merge")
    assert entry.payload["merged_ids"] == [second.id, third.id] and entry.payload["merge_id"] == merge.id
    assert {
        "first_name",
        "company_name",
        "amount",
        "currency_code",
        "comment",
        "position",
        "emails",
        "phones",
    } == set(entry.payload["fields"])
    assert sum(1 for e in history if e.kind == "created") == 3  # their history came along
    on_second = timeline.list_entries(
        session=session, user=user, entity_type=EntityType.LEAD, entity_id=second.id
    )
    assert [(e.kind, e.text, e.payload) for e in on_second] == [
        ("merge", f"→ #{keep.id}", {"action": "merged_into", "merge_id": merge.id, "kept_id": keep.id})
    ]
    # merged leads no longer show up as duplicates or matches
    assert duplicates.find_matches(session=session, emails=["anne@home.fr"])[0].id == keep.id
    assert merge.merged_lead_ids == [second.id, third.id] and merge.user_id == user.id


def test_merge_keeps_only_the_checked_phones_and_emails(session, trio):
    user, _, keep, second, third = trio
    duplicates.merge_leads(
        session=session,
        user=user,
        keep_id=second.id,
        merge_ids=[keep.id],
        choices={"emails": ["anne@home.fr"], "phones": keep.id},
    )
    assert leads.communications(session, "lead", [second.id])[second.id] == {
        "phones": ["+33123456789"],
        "emails": ["anne@home.fr"],
    }
    with pytest.raises(ValidationError) as err:
        duplicates.merge_leads(
            session=session, user=user, keep_id=second.id, merge_ids=[third.id], choices={"emails": ["x@y.z"]}
        )
    assert set(err.value.errors) == {"emails"}


def test_undo_restores_everything_exactly(session, trio):
    user, _, keep, second, third = trio
    acts = [_activity(session, user, lead.id, f"Task {lead.id}") for lead in (keep, second, third)]
    entries = {
        lead.id: [e.id for e in session.exec(select(TimelineEntry).where(TimelineEntry.entity_id == lead.id))]
        for lead in (keep, second, third)
    }
    before = {lead.id: _state(session, lead.id) for lead in (keep, second, third)}

    merge = duplicates.merge_leads(
        session=session,
        user=user,
        keep_id=keep.id,
        merge_ids=[second.id, third.id],
        choices={"last_name": third.id, "source_id": second.id, "emails": ["anne@home.fr"]},
    )
    # the kept lead is edited after the merge: the undo still goes back to before the merge
    leads.update_lead(session=session, user=user, lead_id=keep.id, data={"phones": "+33 9 99 99 99 99"})
    kept = duplicates.undo_merge(session=session, user=user, merge_id=merge.id)

    assert kept.id == keep.id
    for lead in (keep, second, third):
        assert _state(session, lead.id) == before[lead.id], lead.id
        moved_back = _owners(session, TimelineEntry, entries[lead.id])
        assert set(moved_back.values()) == {lead.id}
    assert _owners(session, Activity, [a.id for a in acts]) == {a.id: a.entity_id for a in acts}
    session.expire_all()
    assert session.get(LeadMerge, merge.id).undone_at is not None
    history = timeline.list_entries(
        session=session, user=user, entity_type=EntityType.LEAD, entity_id=keep.id
    )
    assert history[0].kind == "merge" and history[0].payload["action"] == "undo"
    assert history[0].payload["restored_ids"] == [second.id, third.id]
    assert (
        timeline.list_entries(session=session, user=user, entity_type=EntityType.LEAD, entity_id=second.id)[
            0
        ].kind
        == TimelineKind.RESTORED.value
    )
    assert {tuple(g.lead_ids) for g in duplicates.duplicate_groups(session=session, user=user)[0]} == {
        (keep.id, second.id)  # the same e-mail again; the third shares nothing with them
    }
    with pytest.raises(Conflict, match="already undone"):
        duplicates.undo_merge(session=session, user=user, merge_id=merge.id)


def test_merge_refusals_change_nothing(session, trio):
    user, _, keep, second, third = trio
    snapshot = {lead.id: _state(session, lead.id) for lead in (keep, second, third)}
    cases = [
        (Conflict, dict(keep_id=keep.id, merge_ids=[])),
        (Conflict, dict(keep_id=keep.id, merge_ids=[keep.id])),
        (NotFound, dict(keep_id=keep.id, merge_ids=[999_999])),
        (ValidationError, dict(keep_id=keep.id, merge_ids=[second.id], choices={"last_name": third.id})),
        (ValidationError, dict(keep_id=keep.id, merge_ids=[second.id], choices={"password": second.id})),
        (StaleRecord, dict(keep_id=keep.id, merge_ids=[second.id], expected_versions={second.id: 0})),
        (Conflict, dict(keep_id=keep.id, merge_ids=list(range(1000, 1000 + duplicates.MAX_MERGE)))),
    ]
    for error, kwargs in cases:
        with pytest.raises(error):
            duplicates.merge_leads(session=session, user=user, **kwargs)
    third.result = LeadResult.CONVERTED
    session.add(third)
    session.commit()
    with pytest.raises(Conflict, match="finalised"):
        duplicates.merge_leads(session=session, user=user, keep_id=keep.id, merge_ids=[second.id, third.id])
    leads.bulk_delete(session=session, user=user, ids=[second.id])
    with pytest.raises(NotFound, match="deleted"):
        duplicates.merge_leads(session=session, user=user, keep_id=keep.id, merge_ids=[second.id])
    assert _state(session, keep.id) == snapshot[keep.id]
    assert session.exec(select(LeadMerge)).all() == []


def test_undo_is_for_the_author_or_a_manager(session, trio):
    user, other, keep, second, _ = trio
    merge = duplicates.merge_leads(session=session, user=user, keep_id=keep.id, merge_ids=[second.id])
    assert [m.id for m in duplicates.recent_merges(session=session, user=other)] == []
    with pytest.raises(PermissionDenied):
        duplicates.undo_merge(session=session, user=other, merge_id=merge.id)
    manager = create_user(session, role=Role.MANAGER)
    [summary] = duplicates.recent_merges(session=session, user=manager)
    assert summary.kept_lead_id == keep.id and summary.merged_count == 1 and summary.can_undo
    duplicates.undo_merge(session=session, user=manager, merge_id=merge.id)
    assert duplicates.recent_merges(session=session, user=manager) == []
    with pytest.raises(NotFound):
        duplicates.undo_merge(session=session, user=manager, merge_id=999_999)


def test_undo_is_refused_once_the_kept_lead_was_merged_again(session, trio):
    user, _, keep, second, third = trio
    first = duplicates.merge_leads(session=session, user=user, keep_id=keep.id, merge_ids=[second.id])
    duplicates.merge_leads(session=session, user=user, keep_id=third.id, merge_ids=[keep.id])
    with pytest.raises(Conflict, match="merged again"):
        duplicates.undo_merge(session=session, user=user, merge_id=first.id)


def test_merge_candidates_show_each_field_as_text(session, trio):
    user, _, keep, second, _ = trio
    first, other_lead = duplicates.merge_candidates(session=session, user=user, ids=[keep.id, second.id])
    assert first.id == keep.id and other_lead.values["responsible_id"] == "Other Rep"
    assert other_lead.values["amount"] == "$2,500.00" and first.values["status_id"] == "New"
    assert other_lead.phones == [("+33612345678", "+33 6 12 34 56 78")]
    with pytest.raises(Conflict):
        duplicates.merge_candidates(session=session, user=user, ids=[keep.id])


def test_a_sales_rep_cannot_merge_away_someone_elses_lead(session):
    owner = create_user(session, email="owner@example.com")
    rep = create_user(session, email="rep@example.com")
    mine = leads.create_lead(session=session, user=rep, data={"last_name": "Mine", "emails": "x@example.com"})
    theirs = leads.create_lead(
        session=session, user=owner, data={"last_name": "Theirs", "emails": "x@example.com"}
    )
    with pytest.raises(PermissionDenied):
        duplicates.merge_leads(session=session, user=rep, keep_id=mine.id, merge_ids=[theirs.id])
    session.expire_all()
    assert session.get(Lead, theirs.id).deleted_at is None
    # keeping their lead changes it: that needs the right to edit it (issue 6: edit own by default)
    with pytest.raises(PermissionDenied):
        duplicates.merge_leads(session=session, user=rep, keep_id=theirs.id, merge_ids=[mine.id])
    session.expire_all()
    assert session.get(Lead, mine.id).deleted_at is None
