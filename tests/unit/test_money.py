"""Money is exact in SQL: amounts are integer cents on every backend, read back as Decimal."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from crm_app import db, migrations
from crm_app.models import Lead
from crm_app.models.base import Fixed, Money, utcnow
from crm_app.services import leads
from tests.factories import create_user


def _lead_row(status_id: int, amount: Decimal | None, now) -> dict:
    text = dict.fromkeys(
        (
            "title",
            "honorific",
            "first_name",
            "last_name",
            "second_name",
            "company_name",
            "position",
            "website",
            "address",
            "comment",
        ),
        "",
    )
    return {
        **text,
        "status_id": status_id,
        "amount": amount,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def test_ten_and_twenty_cents_sum_to_thirty_cents(session):
    user = create_user(session)
    for amount in ("0.10", "0.20"):
        leads.create_lead(session=session, user=user, data={"first_name": "Ann", "amount": amount})
    total = session.exec(select(func.sum(Lead.amount))).one()
    assert total == Decimal("0.30") and isinstance(total, Decimal)
    assert str(total) == "0.30"


def test_a_sum_in_sql_of_100000_random_amounts_is_exact_to_the_cent(session):
    create_user(session)  # the default lists: a lead status
    status_id = leads.first_status(session).id
    rng = random.Random(6)
    amounts = [Decimal(rng.randrange(0, 10**11)).scaleb(-2) for _ in range(100_000)]
    now = utcnow()
    session.exec(sa.insert(Lead), params=[_lead_row(status_id, a, now) for a in amounts])
    session.commit()
    total = session.exec(select(func.sum(Lead.amount))).one()
    assert isinstance(total, Decimal)
    assert total == sum(amounts, Decimal("0"))
    # and the stored values are integers in the database: nothing for a float to round
    raw = session.connection().execute(sa.text("select amount from lead order by id limit 3")).scalars().all()
    assert raw == [int(a * 100) for a in amounts[:3]]


def test_amounts_compare_and_sort_in_sql(session):
    user = create_user(session)
    for amount in ("9.99", "10.00", "100.50"):
        leads.create_lead(session=session, user=user, data={"first_name": "Ann", "amount": amount})
    over = session.exec(select(Lead.amount).where(Lead.amount > Decimal("9.99")).order_by(Lead.amount)).all()
    assert over == [Decimal("10.00"), Decimal("100.50")]


def test_fixed_rounds_to_its_scale_and_keeps_none():
    rate = Fixed(6)
    assert rate.process_bind_param(Decimal("1.0837455"), None) == 1083746
    assert rate.process_result_value(1083746, None) == Decimal("1.083746")
    assert Money.process_bind_param(None, None) is None
    assert Money.process_result_value(-12345, None) == Decimal("-123.45")


# --- the migration converts stored REAL/NUMERIC values ------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def old_schema_url(request, tmp_path):
    """A database migrated to 0003 only (before exact money and the audit columns)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        migrations.upgrade(url, "0003")
        yield url
        db.dispose_engines()
        return
    import secrets

    from tests.conftest import PG_ADMIN_URL, _pg_reachable, unavailable

    reason = _pg_reachable()
    if reason:
        unavailable(reason)
    name = f"crm_test_mig_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrations.upgrade(url, "0003")
        yield url
    finally:
        engine = db._engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_turns_stored_amounts_into_exact_cents_and_keeps_every_row(old_schema_url):
    now = "2026-11-30 10:00:00"
    with db.get_engine(old_schema_url).begin() as conn:
        run = conn.exec_driver_sql
        run(
            "INSERT INTO currency (code, name, rate, is_base, sort) VALUES ('EUR', 'Euro', 1.083746, true, 0)"
        )
        run(
            "INSERT INTO pipeline (created_at, updated_at, version, name, kind, sort, is_default) "
            f"VALUES ('{now}', '{now}', 1, 'Sales', 'deal', 0, true)"
        )
        run(
            "INSERT INTO stage (created_at, updated_at, version, pipeline_id, name, sort, color, semantic) "
            f"VALUES ('{now}', '{now}', 1, 1, 'New', 0, '#fff', 'in_progress')"
        )
        run(
            "INSERT INTO deal (created_at, updated_at, version, title, amount, currency_code, pipeline_id,"
            " stage_id, closed, lost_comment, stage_changed_at, comment) "
            f"VALUES ('{now}', '{now}', 1, 'Big', 1234.56, 'EUR', 1, 1, false, '', '{now}', '')"
        )
        run(
            "INSERT INTO deal_product (deal_id, name, quantity, unit_price, discount_type, discount_value,"
            " tax_rate, tax_included, sort) VALUES (1, 'Chair', 2.5, 0.10, 'percent', 0.20, 20.00, false, 0)"
        )
        run(
            "INSERT INTO communication (entity_type, entity_id, kind, label, value, normalized, is_primary) "
            "VALUES ('deal', 1, 'email', 'work', 'a@b.c', 'a@b.c', true)"
        )
    migrations.upgrade(old_schema_url)

    from sqlmodel import Session

    from crm_app.models import Communication, Currency, Deal, DealProduct

    with Session(db.get_engine(old_schema_url)) as s:
        deal = s.exec(select(Deal)).one()
        assert deal.amount == Decimal("1234.56")
        line = s.exec(select(DealProduct)).one()  # not cascade-deleted by the rebuild of `deal`
        assert (line.quantity, line.unit_price, line.discount_value, line.tax_rate) == (
            Decimal("2.500"),
            Decimal("0.10"),
            Decimal("0.20"),
            Decimal("20.00"),
        )
        assert line.version == 1 and line.created_at.utcoffset().total_seconds() == 0
        assert s.exec(select(Currency)).one().rate == Decimal("1.083746")
        comm = s.exec(select(Communication)).one()
        assert comm.version == 1 and comm.updated_at is not None
        line.quantity = Decimal("3")
        s.commit()
        assert line.version == 2
    if old_schema_url.startswith("sqlite"):
        with db.get_engine(old_schema_url).connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
