"""Sliding-window rate limits in the database."""

from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from crm_app.models import RateEvent
from crm_app.services import rate_limit

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


def hit(session, now, key="1.2.3.4", limit=3, scope="test"):
    return rate_limit.hit(session=session, scope=scope, key=key, limit=limit, window=WINDOW, now=now)


def events(session, scope="test") -> int:
    return session.exec(select(func.count()).select_from(RateEvent).where(RateEvent.scope == scope)).one()


def test_it_allows_up_to_the_limit_then_says_how_long_to_wait(session):
    assert [hit(session, T0 + timedelta(minutes=i)) for i in range(3)] == [0, 0, 0]
    # the first hit (T0) leaves the window at T0 + 10 min
    assert hit(session, T0 + timedelta(minutes=4)) == 6 * 60
    assert hit(session, T0 + timedelta(minutes=9, seconds=59)) == 1


def test_refused_hits_are_not_recorded(session):
    for i in range(50):
        hit(session, T0 + timedelta(seconds=i))
    assert events(session) == 3


def test_the_window_slides(session):
    for i in range(3):
        assert hit(session, T0 + timedelta(minutes=i)) == 0
    assert hit(session, T0 + timedelta(minutes=10, seconds=1)) == 0  # the T0 hit is out
    assert hit(session, T0 + timedelta(minutes=10, seconds=2)) > 0


def test_keys_and_scopes_are_counted_apart(session):
    for _ in range(3):
        hit(session, T0)
    assert hit(session, T0) > 0
    assert hit(session, T0, key="5.6.7.8") == 0
    assert hit(session, T0, scope="other") == 0


def test_old_events_are_cleaned_up(session, monkeypatch):
    for i in range(3):
        hit(session, T0 + timedelta(seconds=i), key=f"k{i}")
    monkeypatch.setattr(rate_limit, "CLEANUP_CHANCE", 1.0)
    hit(session, T0 + timedelta(hours=1), key="new")
    assert events(session) == 1


def test_a_long_key_is_cut_to_the_column_size(session):
    assert hit(session, T0, key="x" * 500) == 0
    assert session.exec(select(RateEvent.key)).one() == "x" * rate_limit.MAX_KEY


def test_client_address_trusts_the_proxy_only_when_told():
    assert rate_limit.client_address("10.0.0.1", "6.6.6.6, 203.0.113.9") == "10.0.0.1"
    assert rate_limit.client_address("10.0.0.1", "6.6.6.6, 203.0.113.9", trust_proxy=True) == "203.0.113.9"
    assert rate_limit.client_address("10.0.0.1", "", trust_proxy=True) == "10.0.0.1"
