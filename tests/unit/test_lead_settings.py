"""Settings -> Leads: statuses, sources, junk reasons and the phone region, through the service."""

from __future__ import annotations

import pytest
from sqlmodel import select

from crm_app.models import (
    Contact,
    EntityType,
    Lead,
    LeadResult,
    LostReason,
    Role,
    Source,
    Stage,
    TimelineEntry,
    TimelineKind,
    WebForm,
)
from crm_app.services import lead_settings as ls
from crm_app.services import leads, phones, settings_lists
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_user


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, name="Ada Admin")


@pytest.fixture
def sales(session):
    return create_user(session, role=Role.SALES, name="Sam Sales")


def names(rows) -> list[str]:
    return [r.name for r in rows]


def status_id(session, admin, name: str) -> int:
    return next(r.id for r in ls.list_statuses(session=session, user=admin) if r.name == name)


def source_id(session, admin, name: str) -> int:
    return next(r.id for r in ls.list_sources(session=session, user=admin) if r.name == name)


def reason_id(session, admin, name: str) -> int:
    return next(r.id for r in ls.list_junk_reasons(session=session, user=admin) if r.name == name)


def make_lead(session, user, name: str, **data) -> Lead:
    return leads.create_lead(session=session, user=user, data={"last_name": name, **data})


def history(session, lead_id: int, kind: TimelineKind) -> list[TimelineEntry]:
    stmt = select(TimelineEntry).where(
        TimelineEntry.entity_type == EntityType.LEAD,
        TimelineEntry.entity_id == lead_id,
        TimelineEntry.kind == kind,
    )
    return list(session.exec(stmt).all())


# --- statuses: reading and invariants ---------------------------------------------------------


def test_everyone_reads_the_statuses_in_their_groups(session, sales):
    rows = ls.list_statuses(session=session, user=sales)
    assert names(rows) == ["New", "In progress", "Processed", "Converted", "Junk"]
    assert [r.semantic for r in rows] == ["in_progress"] * 3 + ["success", "failure"]
    # moves stay inside a group; the converted status and the last junk status cannot go
    assert [(r.can_up, r.can_down) for r in rows] == [
        (False, True),
        (True, True),
        (True, False),
        (False, False),
        (False, False),
    ]
    assert [r.can_delete for r in rows] == [True, True, True, False, False]
    assert [r.sort for r in rows] == [10, 20, 30, 40, 50]


def test_it_adds_a_status_at_the_end_of_its_group(session, admin):
    ls.add_status(session=session, user=admin, name="Called back", color="#AABBCC", semantic="in_progress")
    ls.add_status(session=session, user=admin, name="Fake", color="#111111", semantic="failure")
    rows = ls.list_statuses(session=session, user=admin)
    assert names(rows) == ["New", "In progress", "Processed", "Called back", "Converted", "Junk", "Fake"]
    assert [r.sort for r in rows] == [10, 20, 30, 40, 50, 60, 70]
    called = next(r for r in rows if r.name == "Called back")
    assert called.color == "#aabbcc"
    assert next(r for r in rows if r.name == "Junk").can_delete  # two junk statuses now
    # the order is the pipeline's order, the one every other screen reads
    assert [s.name for s in leads.lead_statuses(session)] == names(rows)


def test_there_is_exactly_one_success_status(session, admin):
    with pytest.raises(ValidationError) as exc:
        ls.add_status(session=session, user=admin, name="Won", color="#22c55e", semantic="success")
    assert "semantic" in exc.value.errors
    with pytest.raises(Conflict):
        ls.delete_status(session=session, user=admin, status_id=status_id(session, admin, "Converted"))


@pytest.mark.parametrize(
    ("name", "color", "semantic", "field"),
    [
        ("", "#112233", "in_progress", "name"),
        ("x" * 101, "#112233", "in_progress", "name"),
        ("new", "#112233", "in_progress", "name"),  # duplicate, whatever the case
        ("  JUNK ", "#112233", "failure", "name"),
        ("Ok", "red", "in_progress", "color"),
        ("Ok", "#12345", "in_progress", "color"),
        ("Ok", "#1122334", "in_progress", "color"),
        ("Ok", "#112233", "finished", "semantic"),
    ],
)
def test_it_refuses_bad_statuses(session, admin, name, color, semantic, field):
    with pytest.raises(ValidationError) as exc:
        ls.add_status(session=session, user=admin, name=name, color=color, semantic=semantic)
    assert field in exc.value.errors
    assert len(ls.list_statuses(session=session, user=admin)) == 5


def test_a_name_of_100_characters_is_fine(session, admin):
    stage = ls.add_status(session=session, user=admin, name="y" * 100, color="#112233")
    assert stage.name == "y" * 100


def test_the_last_in_progress_and_the_last_junk_status_remain(session, admin):
    for name in ("In progress", "Processed"):
        ls.delete_status(session=session, user=admin, status_id=status_id(session, admin, name))
    with pytest.raises(Conflict, match="At least one status in progress"):
        ls.delete_status(session=session, user=admin, status_id=status_id(session, admin, "New"))
    with pytest.raises(Conflict, match="At least one junk status"):
        ls.delete_status(session=session, user=admin, status_id=status_id(session, admin, "Junk"))
    assert names(ls.list_statuses(session=session, user=admin)) == ["New", "Converted", "Junk"]


# --- statuses: edits and order ------------------------------------------------------------------


def test_it_renames_and_recolours_with_the_version_seen(session, admin):
    stage = session.get(Stage, status_id(session, admin, "Processed"))
    version, updated = stage.version, stage.updated_at
    stage = ls.update_status(
        session=session,
        user=admin,
        status_id=stage.id,
        name="Qualified",
        color="#00FF00",
        expected_version=version,
    )
    assert (stage.name, stage.color) == ("Qualified", "#00ff00")
    assert stage.version == version + 1 and stage.updated_at > updated
    # a second form still showing the old version is refused
    with pytest.raises(StaleRecord):
        ls.update_status(
            session=session, user=admin, status_id=stage.id, name="Other", expected_version=version
        )
    with pytest.raises(ValidationError) as exc:
        ls.update_status(session=session, user=admin, status_id=stage.id, name="NEW", color="nope")
    assert set(exc.value.errors) == {"name", "color"}
    # keeping its own name (another case) is not a duplicate
    ls.update_status(session=session, user=admin, status_id=stage.id, name="QUALIFIED")
    assert session.get(Stage, stage.id).name == "QUALIFIED"


def test_moving_up_and_down_stays_in_the_group_and_sets_the_first_status(session, admin):
    in_progress = status_id(session, admin, "In progress")
    assert ls.move_status(session=session, user=admin, status_id=in_progress, direction="up")
    assert names(ls.list_statuses(session=session, user=admin))[:3] == ["In progress", "New", "Processed"]
    # a new lead starts in the first status in progress
    assert leads.first_status(session).name == "In progress"
    # across groups: nothing moves
    assert not ls.move_status(
        session=session, user=admin, status_id=status_id(session, admin, "Processed"), direction="down"
    )
    assert not ls.move_status(session=session, user=admin, status_id=in_progress, direction="up")
    assert not ls.move_status(
        session=session, user=admin, status_id=status_id(session, admin, "Converted"), direction="up"
    )
    assert names(ls.list_statuses(session=session, user=admin)) == [
        "In progress",
        "New",
        "Processed",
        "Converted",
        "Junk",
    ]
    with pytest.raises(ValidationError):
        ls.move_status(session=session, user=admin, status_id=in_progress, direction="sideways")


def test_it_sets_the_whole_order_but_final_statuses_stay_last(session, admin):
    rows = ls.list_statuses(session=session, user=admin)
    ids = {r.name: r.id for r in rows}
    order = ["Processed", "New", "In progress", "Converted", "Junk"]
    ls.reorder_statuses(session=session, user=admin, ids=[ids[n] for n in order])
    assert names(ls.list_statuses(session=session, user=admin)) == order
    bad = ["Converted", "New", "In progress", "Processed", "Junk"]
    with pytest.raises(ValidationError):
        ls.reorder_statuses(session=session, user=admin, ids=[ids[n] for n in bad])
    with pytest.raises(ValidationError):  # not the same set of statuses
        ls.reorder_statuses(session=session, user=admin, ids=[ids["New"], ids["Junk"]])
    assert names(ls.list_statuses(session=session, user=admin)) == order


# --- statuses: deleting ---------------------------------------------------------------------------


def test_an_unused_status_is_deleted_and_the_order_closes_up(session, admin):
    assert (
        ls.delete_status(session=session, user=admin, status_id=status_id(session, admin, "In progress")) == 0
    )
    rows = ls.list_statuses(session=session, user=admin)
    assert names(rows) == ["New", "Processed", "Converted", "Junk"]
    assert [r.sort for r in rows] == [10, 20, 30, 40]


def test_a_status_in_use_is_not_deleted_silently(session, admin):
    processed = status_id(session, admin, "Processed")
    a = make_lead(session, admin, "Alpha", status_id=processed)
    b = make_lead(session, admin, "Beta", status_id=processed)
    leads.bulk_delete(session=session, user=admin, ids=[b.id])  # the recycle bin still counts
    make_lead(session, admin, "Gamma")
    assert (
        next(r for r in ls.list_statuses(session=session, user=admin) if r.id == processed).record_count == 2
    )
    assert ls.status_usage(session=session, user=admin, status_id=processed) == 2
    with pytest.raises(ls.InUse) as exc:
        ls.delete_status(session=session, user=admin, status_id=processed)
    assert exc.value.count == 2
    assert "2" in str(exc.value.message)
    assert isinstance(exc.value, Conflict)
    assert session.get(Stage, processed) is not None
    assert session.get(Lead, a.id).status_id == processed


def test_deleting_a_status_moves_its_leads_with_history(session, admin):
    processed = status_id(session, admin, "Processed")
    new = status_id(session, admin, "New")
    moved = [make_lead(session, admin, f"Lead {i}", status_id=processed) for i in range(3)]
    other = make_lead(session, admin, "Stays")
    versions = {lead.id: lead.version for lead in moved}
    assert ls.delete_status(session=session, user=admin, status_id=processed, move_to_id=new) == 3
    assert session.get(Stage, processed) is None
    for lead in moved:
        fresh = session.get(Lead, lead.id)
        assert fresh.status_id == new
        assert fresh.version == versions[lead.id] + 1
        [entry] = history(session, lead.id, TimelineKind.STAGE_CHANGE)
        assert entry.author_id == admin.id
        assert entry.payload["old"] == "Processed" and entry.payload["new"] == "New"
        assert entry.payload["old_id"] == processed and entry.payload["new_id"] == new
        assert entry.created_at.tzinfo is not None
    assert history(session, other.id, TimelineKind.STAGE_CHANGE) == []
    # a stale edit form on a moved lead is refused
    with pytest.raises(StaleRecord):
        leads.update_lead(
            session=session,
            user=admin,
            lead_id=moved[0].id,
            data={"comment": "x"},
            expected_version=versions[moved[0].id],
        )


def test_moving_and_deleting_is_one_transaction(session, admin, monkeypatch):
    processed = status_id(session, admin, "Processed")
    lead = make_lead(session, admin, "Alpha", status_id=processed)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(settings_lists, "renumber", broken)  # fails after the leads moved, before the commit
    with pytest.raises(RuntimeError):
        ls.delete_status(
            session=session, user=admin, status_id=processed, move_to_id=status_id(session, admin, "New")
        )
    session.rollback()
    assert session.get(Stage, processed) is not None
    assert session.get(Lead, lead.id).status_id == processed
    assert history(session, lead.id, TimelineKind.STAGE_CHANGE) == []


def test_leads_move_only_to_another_status_of_the_same_kind(session, admin):
    processed = status_id(session, admin, "Processed")
    make_lead(session, admin, "Alpha", status_id=processed)
    for target in (
        processed,
        status_id(session, admin, "Converted"),
        status_id(session, admin, "Junk"),
        99999,
    ):
        with pytest.raises(ValidationError) as exc:
            ls.delete_status(session=session, user=admin, status_id=processed, move_to_id=target)
        assert "move_to_id" in exc.value.errors
    assert session.get(Stage, processed) is not None


def test_junk_leads_move_to_another_junk_status(session, admin):
    fake = ls.add_status(session=session, user=admin, name="Fake", color="#000000", semantic="failure")
    lead = make_lead(session, admin, "Spammy")
    lead.status_id, lead.result = fake.id, LeadResult.JUNK
    session.add(lead)
    session.commit()
    junk = status_id(session, admin, "Junk")
    assert ls.delete_status(session=session, user=admin, status_id=fake.id, move_to_id=junk) == 1
    assert session.get(Lead, lead.id).status_id == junk


# --- sources ----------------------------------------------------------------------------------


def test_everyone_reads_the_default_sources(session, sales):
    rows = ls.list_sources(session=session, user=sales)
    assert [r.code for r in rows] == [
        "web",
        "phone",
        "email",
        "referral",
        "trade_show",
        "web_form",
        "import",
        "api",
        "other",
    ]
    assert all(r.is_active for r in rows)
    assert [r.code for r in rows if r.is_system] == ["web_form", "import", "api"]


def test_it_adds_sources_with_a_generated_code(session, admin):
    a = ls.add_source(session=session, user=admin, name="Salon Été 2026!")
    assert a.code == "salon_ete_2026"
    b = ls.add_source(session=session, user=admin, name="Salon ete 2026")
    assert b.code == "salon_ete_2026_2"
    c = ls.add_source(session=session, user=admin, name="电话")
    assert c.code == "source"
    rows = ls.list_sources(session=session, user=admin)
    assert names(rows)[-3:] == ["Salon Été 2026!", "Salon ete 2026", "电话"]
    assert [r.sort for r in rows] == [(i + 1) * 10 for i in range(len(rows))]
    with pytest.raises(ValidationError) as exc:
        ls.add_source(session=session, user=admin, name="phone call")
    assert "name" in exc.value.errors
    with pytest.raises(ValidationError):
        ls.add_source(session=session, user=admin, name="   ")


def test_it_renames_moves_and_reorders_sources(session, admin):
    web = source_id(session, admin, "Website")
    src = session.get(Source, web)
    version = src.version
    ls.rename_source(session=session, user=admin, source_id=web, name="Our website", expected_version=version)
    with pytest.raises(StaleRecord):
        ls.rename_source(session=session, user=admin, source_id=web, name="Site", expected_version=version)
    with pytest.raises(ValidationError):
        ls.rename_source(session=session, user=admin, source_id=web, name="REFERRAL")
    assert session.get(Source, web).code == "web"  # the code never changes
    assert ls.move_source(session=session, user=admin, source_id=web, direction="down")
    assert names(ls.list_sources(session=session, user=admin))[:2] == ["Phone call", "Our website"]
    assert not ls.move_source(
        session=session, user=admin, source_id=source_id(session, admin, "Other"), direction="down"
    )
    ids = [r.id for r in ls.list_sources(session=session, user=admin)]
    ls.reorder_sources(session=session, user=admin, ids=list(reversed(ids)))
    assert names(ls.list_sources(session=session, user=admin))[0] == "Other"


def test_a_deactivated_source_stays_on_its_records(session, admin):
    phone = source_id(session, admin, "Phone call")
    lead = make_lead(session, admin, "Caller", source_id=phone)
    ls.set_source_active(session=session, user=admin, source_id=phone, active=False)
    assert phone not in [r.id for r in ls.list_sources(session=session, user=admin, active_only=True)]
    assert session.get(Lead, lead.id).source_id == phone
    ls.set_source_active(session=session, user=admin, source_id=phone, active=True)
    assert phone in [r.id for r in ls.list_sources(session=session, user=admin, active_only=True)]


def test_a_source_in_use_moves_its_records_before_it_is_deleted(session, admin):
    fair = ls.add_source(session=session, user=admin, name="Fair")
    other = source_id(session, admin, "Other")
    lead = make_lead(session, admin, "Visitor", source_id=fair.id)
    contact = Contact(last_name="Visitor", source_id=fair.id)
    form = WebForm(slug="fair", name="Fair form", source_id=fair.id)
    session.add_all([contact, form])
    session.commit()
    assert next(r for r in ls.list_sources(session=session, user=admin) if r.id == fair.id).usage == 3
    with pytest.raises(ls.InUse) as exc:
        ls.delete_source(session=session, user=admin, source_id=fair.id)
    assert exc.value.count == 3
    with pytest.raises(ValidationError):  # not to itself
        ls.delete_source(session=session, user=admin, source_id=fair.id, move_to_id=fair.id)
    ls.set_source_active(session=session, user=admin, source_id=other, active=False)
    with pytest.raises(ValidationError):  # not to an inactive source
        ls.delete_source(session=session, user=admin, source_id=fair.id, move_to_id=other)
    ls.set_source_active(session=session, user=admin, source_id=other, active=True)
    assert ls.delete_source(session=session, user=admin, source_id=fair.id, move_to_id=other) == 3
    assert session.get(Source, fair.id) is None
    assert session.get(Lead, lead.id).source_id == other
    assert session.get(Contact, contact.id).source_id == other
    assert session.get(WebForm, form.id).source_id == other
    [entry] = history(session, lead.id, TimelineKind.FIELD_CHANGE)
    assert entry.payload["field"] == "source_id"
    assert (entry.payload["old"], entry.payload["new"]) == (fair.id, other)
    contact_history = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_type == EntityType.CONTACT, TimelineEntry.entity_id == contact.id
        )
    ).all()
    assert len(contact_history) == 1


def test_unused_sources_are_deleted_but_not_the_ones_the_crm_gives(session, admin):
    assert (
        ls.delete_source(session=session, user=admin, source_id=source_id(session, admin, "Trade show")) == 0
    )
    assert "Trade show" not in names(ls.list_sources(session=session, user=admin))
    with pytest.raises(Conflict):
        ls.delete_source(session=session, user=admin, source_id=source_id(session, admin, "Import"))
    with pytest.raises(NotFound):
        ls.delete_source(session=session, user=admin, source_id=99999)


# --- junk reasons -------------------------------------------------------------------------------


def test_junk_reasons_are_listed_added_renamed_and_moved(session, admin, sales):
    assert names(ls.list_junk_reasons(session=session, user=sales)) == [
        "Duplicate",
        "Wrong contact details",
        "Not interested",
        "Spam",
        "Other",
    ]
    reason = ls.add_junk_reason(session=session, user=admin, name="Competitor")
    assert reason.kind.value == "lead_junk"
    with pytest.raises(ValidationError):
        ls.add_junk_reason(session=session, user=admin, name="spam")
    # a deal's lost reason of the same name is another list
    assert "No budget" not in names(ls.list_junk_reasons(session=session, user=admin))
    ls.add_junk_reason(session=session, user=admin, name="No budget")
    ls.rename_junk_reason(session=session, user=admin, reason_id=reason.id, name="Went to a competitor")
    with pytest.raises(StaleRecord):
        ls.rename_junk_reason(session=session, user=admin, reason_id=reason.id, name="x", expected_version=1)
    assert ls.move_junk_reason(session=session, user=admin, reason_id=reason.id, direction="up")
    assert names(ls.list_junk_reasons(session=session, user=admin))[-3:] == [
        "Went to a competitor",
        "Other",
        "No budget",
    ]
    deal_reason = session.exec(select(LostReason).where(LostReason.name == "Price too high")).one()
    with pytest.raises(NotFound):  # not a junk reason
        ls.rename_junk_reason(session=session, user=admin, reason_id=deal_reason.id, name="x")


def test_a_junk_reason_in_use_moves_its_leads_first(session, admin):
    spam, other = reason_id(session, admin, "Spam"), reason_id(session, admin, "Other")
    lead = make_lead(session, admin, "Bot")
    lead.result, lead.junk_reason_id = LeadResult.JUNK, spam
    session.add(lead)
    session.commit()
    assert (
        next(r for r in ls.list_junk_reasons(session=session, user=admin) if r.id == spam).record_count == 1
    )
    with pytest.raises(ls.InUse) as exc:
        ls.delete_junk_reason(session=session, user=admin, reason_id=spam)
    assert exc.value.count == 1
    assert ls.delete_junk_reason(session=session, user=admin, reason_id=spam, move_to_id=other) == 1
    assert session.get(Lead, lead.id).junk_reason_id == other
    assert history(session, lead.id, TimelineKind.FIELD_CHANGE)[0].payload["field"] == "junk_reason_id"


def test_the_last_junk_reason_remains(session, admin):
    for row in ls.list_junk_reasons(session=session, user=admin)[1:]:
        ls.delete_junk_reason(session=session, user=admin, reason_id=row.id)
    [last] = ls.list_junk_reasons(session=session, user=admin)
    with pytest.raises(Conflict):
        ls.delete_junk_reason(session=session, user=admin, reason_id=last.id)


# --- phone region -----------------------------------------------------------------------------


def test_the_default_phone_region(session, admin, sales):
    assert ls.get_phone_region(session=session, user=sales) == phones.DEFAULT_REGION
    assert ls.set_phone_region(session=session, user=admin, region="de") == "DE"
    assert phones.get_region(session=session) == "DE"
    assert (
        leads.clean_lead_data(session, {"phones": "030 1234567"}, partial=True)["phones"][0][1]
        == "+49301234567"
    )
    with pytest.raises(ValidationError) as exc:
        ls.set_phone_region(session=session, user=admin, region="XX")
    assert "phone_region" in exc.value.errors
    with pytest.raises(PermissionDenied):
        ls.set_phone_region(session=session, user=sales, region="FR")
    assert phones.get_region(session=session) == "DE"


def test_countries_are_named_in_the_users_language():
    en = dict(ls.region_choices("en"))
    fr = dict(ls.region_choices("fr"))
    assert en["FR"] == "France (+33)" and en["DE"] == "Germany (+49)"
    assert fr["DE"] == "Allemagne (+49)"
    assert "001" not in en
    labels = [label for _, label in ls.region_choices("en")]
    assert (
        labels.index("Afghanistan (+93)")
        < labels.index("Åland Islands (+358)")
        < labels.index("Zambia (+260)")
    )


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SALES, Role.MANAGER])
def test_only_administrators_change_lead_settings(session, admin, role):
    user = create_user(session, role=role)
    new = status_id(session, admin, "New")
    web = source_id(session, admin, "Website")
    spam = reason_id(session, admin, "Spam")
    attempts = [
        lambda: ls.add_status(session=session, user=user, name="Mine", color="#112233"),
        lambda: ls.update_status(session=session, user=user, status_id=new, name="Mine"),
        lambda: ls.move_status(session=session, user=user, status_id=new, direction="down"),
        lambda: ls.reorder_statuses(session=session, user=user, ids=[]),
        lambda: ls.delete_status(session=session, user=user, status_id=new),
        lambda: ls.add_source(session=session, user=user, name="Mine"),
        lambda: ls.rename_source(session=session, user=user, source_id=web, name="Mine"),
        lambda: ls.move_source(session=session, user=user, source_id=web, direction="down"),
        lambda: ls.set_source_active(session=session, user=user, source_id=web, active=False),
        lambda: ls.delete_source(session=session, user=user, source_id=web),
        lambda: ls.add_junk_reason(session=session, user=user, name="Mine"),
        lambda: ls.rename_junk_reason(session=session, user=user, reason_id=spam, name="Mine"),
        lambda: ls.move_junk_reason(session=session, user=user, reason_id=spam, direction="up"),
        lambda: ls.delete_junk_reason(session=session, user=user, reason_id=spam),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert names(ls.list_statuses(session=session, user=user))[0] == "New"
    assert names(ls.list_sources(session=session, user=user))[0] == "Website"
    assert "Spam" in names(ls.list_junk_reasons(session=session, user=user))
    with pytest.raises(Exception, match="session"):
        ls.list_statuses(session=session, user=None)
