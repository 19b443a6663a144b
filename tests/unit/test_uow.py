"""The unit of work: one commit, updated_at on every change, stale versions refused, and change
events published to the notifier after the commit only (in-process, or through Redis)."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from crm_app import db
from crm_app.models import EntityType, Lead, Role, TimelineEntry
from crm_app.services import leads, notifier, uow
from crm_app.services.errors import StaleRecord
from crm_app.services.notifier import ChangeEvent, InProcessNotifier, RedisNotifier
from tests.factories import create_user


@pytest.fixture
def heard(monkeypatch):
    """The events this process's (in-process) notifier publishes, as a list of batches."""
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    notifier.reset()
    batches: list[list[ChangeEvent]] = []
    notifier.subscribe(batches.append)
    yield batches
    notifier.reset()


def _lead_events(batches) -> list[ChangeEvent]:
    return [e for batch in batches for e in batch if e.entity == "lead"]


def test_a_subscriber_hears_a_new_lead_after_the_commit(session, db_url, heard):
    rep = create_user(session)
    seen_in_db: list[bool] = []

    def check_committed(events):
        # another connection already sees the row: the event comes after the commit
        with db.session(db_url) as other:
            seen_in_db.append(other.get(Lead, events[0].entity_id) is not None)

    notifier.subscribe(check_committed)
    heard.clear()
    lead = leads.create_lead(session=session, user=rep, data={"first_name": "Ann"})
    assert _lead_events(heard) == [ChangeEvent("lead", lead.id, frozenset({rep.id}))]
    assert len(heard) == 1  # one batch per commit
    assert seen_in_db and all(seen_in_db)


def test_a_reassignment_concerns_the_old_and_the_new_responsible(session, heard):
    ann = create_user(session, email="ann@example.com")
    bob = create_user(session, email="bob@example.com")
    manager = create_user(session, role=Role.MANAGER)
    lead = leads.create_lead(session=session, user=ann, data={"first_name": "Zoe"})
    heard.clear()
    leads.update_lead(session=session, user=manager, lead_id=lead.id, data={"responsible_id": bob.id})
    assert _lead_events(heard) == [ChangeEvent("lead", lead.id, frozenset({ann.id, bob.id}))]


def test_nothing_is_heard_and_nothing_written_when_the_unit_fails(session, heard):
    rep = create_user(session)
    heard.clear()
    with pytest.raises(RuntimeError), uow.unit_of_work(session) as unit:
        leads.create_lead(session=session, user=rep, data={"first_name": "Ann"})
        unit.changed(EntityType.LEAD, 99, users={rep.id})
        raise RuntimeError("boom")
    assert heard == []
    assert session.exec(select(Lead)).all() == []
    # the next commit does not carry the dropped events either
    lead = leads.create_lead(session=session, user=rep, data={"first_name": "Bob"})
    assert [e.entity_id for e in _lead_events(heard)] == [lead.id]


def test_nested_units_commit_once_at_the_end_of_the_outer_one(session, heard):
    rep = create_user(session)
    heard.clear()
    commits: list[int] = []
    from sqlalchemy import event

    def count(_s):
        commits.append(1)

    event.listen(session, "after_commit", count)
    try:
        with uow.unit_of_work(session) as outer:
            first = leads.create_lead(session=session, user=rep, data={"first_name": "Ann"})
            with uow.unit_of_work(session) as inner:
                assert inner is outer
                second = leads.create_lead(session=session, user=rep, data={"first_name": "Bob"})
            assert commits == [] and heard == []
            outer.changed("dashboard", 0, users={rep.id, None})
    finally:
        event.remove(session, "after_commit", count)
    assert commits == [1]
    assert [(e.entity, e.entity_id) for e in heard[0]] == [
        ("lead", first.id),
        ("lead", second.id),
        ("dashboard", 0),
    ]


def test_events_of_one_row_are_merged_per_commit():
    events = [
        ChangeEvent("lead", 1, frozenset({1})),
        ChangeEvent("lead", 2),
        ChangeEvent("lead", 1, frozenset({2})),
    ]
    assert uow.merged(events) == [ChangeEvent("lead", 1, frozenset({1, 2})), ChangeEvent("lead", 2)]
    # a big batch (an import) is told per entity: listeners recount, the message stays small
    many = [ChangeEvent("lead", i, frozenset({i % 3 + 1})) for i in range(1, 11)] + [ChangeEvent("deal", 5)]
    assert uow.merged(many, limit=10) == [
        ChangeEvent("lead", 0, frozenset({1, 2, 3})),
        ChangeEvent("deal", 0),
    ]


def test_updated_at_moves_on_edit_delete_and_restore(session):
    rep = create_user(session)
    lead = leads.create_lead(session=session, user=rep, data={"first_name": "Ann"})
    past = lead.updated_at - timedelta(days=3)

    def backdate():
        # a value set on purpose is kept (seed data with past dates): onupdate only fills the gap
        lead.updated_at = past
        session.add(lead)
        session.commit()
        session.refresh(lead)
        assert lead.updated_at == past

    backdate()
    leads.update_lead(session=session, user=rep, lead_id=lead.id, data={"last_name": "Smith"})
    assert lead.updated_at > past
    backdate()
    leads.bulk_delete(session=session, user=rep, ids=[lead.id])
    session.refresh(lead)
    assert lead.deleted_at is not None and lead.updated_at > past
    backdate()
    leads.bulk_restore(session=session, user=rep, ids=[lead.id])
    session.refresh(lead)
    assert lead.deleted_at is None and lead.updated_at > past


def test_a_stale_expected_version_is_refused_and_nothing_changes(session):
    rep = create_user(session)
    lead = leads.create_lead(session=session, user=rep, data={"first_name": "Ann"})
    with pytest.raises(StaleRecord):
        leads.update_lead(
            session=session,
            user=rep,
            lead_id=lead.id,
            data={"last_name": "X"},
            expected_version=lead.version + 1,
        )
    session.expire_all()
    assert session.get(Lead, lead.id).last_name == ""


def test_a_row_changed_under_the_unit_becomes_stale_record(session, db_url):
    rep = create_user(session)
    lead = leads.create_lead(session=session, user=rep, data={"first_name": "Ann"})
    with db.session(db_url) as other:
        theirs = other.get(Lead, lead.id)
        theirs.last_name = "Theirs"
        other.commit()
    with pytest.raises(StaleRecord), uow.unit_of_work(session):
        lead.last_name = "Mine"  # our copy still has the old version
        session.add(lead)
    session.expire_all()
    assert session.get(Lead, lead.id).last_name == "Theirs"
    assert not session.exec(select(TimelineEntry).where(TimelineEntry.text == "Mine")).all()


def test_a_failing_listener_does_not_stop_the_others():
    hub = InProcessNotifier()
    got: list[list[ChangeEvent]] = []

    def broken(_events):
        raise ValueError("listener bug")

    hub.subscribe(broken)
    hub.subscribe(got.append)
    hub.publish([ChangeEvent("lead", 1)])
    hub.unsubscribe(got.append)
    hub.publish([ChangeEvent("lead", 2)])
    assert got == [[ChangeEvent("lead", 1)]]


# --- several workers: Redis pub/sub ---------------------------------------------------------------


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_two_workers_both_hear_an_event_through_redis(redis_url):
    channel = f"crm:changes:test:{secrets.token_hex(4)}"  # other test runs share this Redis
    workers = [RedisNotifier(redis_url, channel) for _ in range(2)]
    publisher = RedisNotifier(redis_url, channel)
    heard: list[list[list[ChangeEvent]]] = [[], []]
    lock = threading.Lock()

    def listener(i):
        def on_change(events):
            with lock:
                heard[i].append(events)

        return on_change

    try:
        for i, worker in enumerate(workers):
            worker.subscribe(listener(i))
        event = ChangeEvent("lead", 42, frozenset({7, 8}))
        publisher.publish([event])
        assert _wait_for(lambda: all(heard))
        assert heard == [[[event]], [[event]]]
    finally:
        for n in (*workers, publisher):
            n.close()


def test_a_commit_is_published_through_redis_when_reflex_redis_url_is_set(session, redis_url, monkeypatch):
    rep = create_user(session)
    monkeypatch.setenv("REFLEX_REDIS_URL", redis_url)
    notifier.reset()
    channel = f"crm:changes:test:{secrets.token_hex(4)}"
    default = notifier.get_notifier()
    assert isinstance(default, RedisNotifier)
    default.channel = channel
    other_worker = RedisNotifier(redis_url, channel)
    got: list[list[ChangeEvent]] = []
    try:
        other_worker.subscribe(got.append)
        lead = leads.create_lead(session=session, user=rep, data={"first_name": "Ann"})
        assert _wait_for(lambda: got)
        assert got == [[ChangeEvent("lead", lead.id, frozenset({rep.id}))]]
        with Session(db.get_engine()) as other, pytest.raises(RuntimeError), uow.unit_of_work(other) as unit:
            unit.changed("lead", 1)
            raise RuntimeError
        time.sleep(0.3)
        assert len(got) == 1  # nothing from the rolled-back unit
    finally:
        other_worker.close()
        notifier.reset()
