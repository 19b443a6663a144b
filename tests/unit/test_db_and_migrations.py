"""The schema comes from the migrations and matches the models; the engine is set up in one place."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from crm_app import db, migrations
from crm_app.services import party_index, search_index

TABLES = {
    "user",
    "auth_session",
    "api_key",
    "login_attempt",
    "lead",
    "contact",
    "company",
    "contact_company",
    "communication",
    "pipeline",
    "stage",
    "deal",
    "product",
    "deal_product",
    "activity",
    "timeline_entry",
    "source",
    "lost_reason",
    "currency",
    "team",
    "role_permission",
}


def test_migrations_build_the_schema_of_the_models(db_url):
    engine = db.get_engine(db_url)
    assert TABLES <= set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, _type, _parent: (
                    not (search_index.is_index_object(name) or party_index.is_index_object(name))
                ),
            },
        )
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []


def test_migration_stores_the_default_permissions(tmp_path):
    from sqlmodel import Session

    from crm_app.services import permissions

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrations.upgrade(url)
    engine = db.get_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select count(*) from role_permission")).scalar()
    assert stored == 3 * (5 * 6 + 1)  # roles x (entities x actions + settings)
    with Session(engine) as s:
        assert permissions.matrix(s) == permissions.default_matrix()
    db.dispose_engines()


def test_upgrade_is_idempotent(db_url):
    migrations.upgrade(db_url)
    with db.get_engine(db_url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from alembic_version")).scalar() == 1


def test_list_and_counter_indexes_exist(db_url):
    insp = sa.inspect(db.get_engine(db_url))
    assert {"ix_lead_open", "ix_lead_by_primary_email", "ix_lead_status", "ix_lead_responsible"} <= {
        i["name"] for i in insp.get_indexes("lead")
    }
    assert "ix_activity_counter" in {i["name"] for i in insp.get_indexes("activity")}
    assert "ix_comm_lookup" in {i["name"] for i in insp.get_indexes("communication")}
    assert "ix_timeline_owner" in {i["name"] for i in insp.get_indexes("timeline_entry")}


def test_money_is_decimal_and_timestamps_are_utc(session):
    from decimal import Decimal

    from crm_app.models import Deal, Pipeline, Stage
    from crm_app.services import defaults

    defaults.ensure_defaults(session=session)
    from sqlmodel import select

    pipeline = session.exec(select(Pipeline).where(Pipeline.kind == "deal")).first()
    stage = session.exec(select(Stage).where(Stage.pipeline_id == pipeline.id)).first()
    deal = Deal(
        title="Big one",
        amount=Decimal("1234.56"),
        currency_code="EUR",
        pipeline_id=pipeline.id,
        stage_id=stage.id,
    )
    session.add(deal)
    session.commit()
    session.expire_all()
    again = session.get(Deal, deal.id)
    assert again.amount == Decimal("1234.56") and isinstance(again.amount, Decimal)
    assert again.created_at.utcoffset().total_seconds() == 0
    assert again.version == 1
    again.title = "Bigger"
    session.commit()
    assert again.version == 2


def test_sqlite_connections_get_wal_and_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = db.get_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000
    db.dispose_engines()


def test_postgres_gets_a_bounded_pool():
    engine = db.make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    assert engine.pool.size() == 5
    assert engine.pool._max_overflow == 5
    engine.dispose()


def test_default_url_is_the_embedded_sqlite_file(monkeypatch):
    monkeypatch.delenv("REFLEX_DB_URL", raising=False)
    assert db.database_url().endswith("data/crm.db")
    monkeypatch.setenv("REFLEX_DB_URL", "postgresql+psycopg://x@h/db")
    assert db.database_url() == "postgresql+psycopg://x@h/db"


def test_migrations_from_before_the_search_columns_fill_them_for_existing_leads(tmp_path):
    """0006 fills the search columns with today's code, before 0008 adds `sort_name`."""
    from alembic import command
    from sqlmodel import Session

    from tests.factories import create_lead

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrations.upgrade(url)
    engine = db.get_engine(url)
    with Session(engine) as s:
        create_lead(s, first_name="Élodie", last_name="Martin")
        create_lead(s, first_name="", last_name="", company_name="Initech")
    command.downgrade(migrations.alembic_config(url), "0005")
    with engine.connect() as conn:
        assert not {"sort_name", "search_text"} & {c["name"] for c in sa.inspect(conn).get_columns("lead")}
    migrations.upgrade(url)
    with engine.connect() as conn:
        names = conn.execute(sa.text("select sort_name from lead order by sort_name")).scalars().all()
        searched = conn.execute(sa.text("select search_text from lead order by id")).scalars().all()
        assert "ix_lead_by_sort_name" in {i["name"] for i in sa.inspect(conn).get_indexes("lead")}
    assert names == ["elodie martin", "initech"]
    assert searched == [" elodie martin ", " initech "]
    db.dispose_engines()


def test_existing_deal_stages_get_probabilities_and_keep_their_triggers(tmp_path):
    """0011 spreads the stages in progress of existing deal pipelines between 0 and 100 %, the won
    stage 100, lost and lead stages 0; the settings-stamp triggers on `stage` (0010) stay."""
    from alembic import command
    from sqlmodel import Session

    from crm_app.services import defaults

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrations.upgrade(url)
    with Session(db.get_engine(url)) as s:
        defaults.ensure_defaults(session=s)
        s.commit()
    command.downgrade(migrations.alembic_config(url), "0010")
    migrations.upgrade(url)
    with db.get_engine(url).connect() as conn:
        rows = conn.execute(
            sa.text(
                "select p.kind, s.semantic, s.probability from stage s join pipeline p on p.id = s.pipeline_id "
                "order by p.kind, s.sort"
            )
        ).all()
        before = conn.execute(sa.text("select value from settings_stamp")).scalar_one()
        conn.execute(sa.text("update stage set color = '#000000' where id = 1"))
        after = conn.execute(sa.text("select value from settings_stamp")).scalar_one()
    deal = [(sem, p) for kind, sem, p in rows if kind == "deal"]
    assert deal == [("in_progress", 20), ("in_progress", 30), ("in_progress", 50), ("in_progress", 70),
                    ("in_progress", 80), ("success", 100), ("failure", 0)]  # fmt: skip
    assert {p for kind, _, p in rows if kind == "lead"} == {0}
    assert before != after
    db.dispose_engines()
