"""Demo data and bulk data."""

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from crm_app.models import (
    Activity,
    ActivityType,
    CommKind,
    Communication,
    Company,
    Contact,
    ContactCompany,
    Deal,
    DealProduct,
    DealResult,
    EntityType,
    Lead,
    LeadResult,
    Pipeline,
    PipelineKind,
    Role,
    Stage,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
    User,
)
from crm_app.services import auth, bulk_seed, demo_data, stats
from crm_app.services.errors import Conflict, ValidationError
from crm_app.services.seed_common import ascii_slug
from tests.factories import create_user

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
PASSWORD = "demo-password-2026"


@pytest.fixture
def demo(session):
    return demo_data.seed_demo(session=session, random_seed=1, password=PASSWORD, now=NOW)


def _stages(session, kind):
    pipeline = session.exec(select(Pipeline).where(Pipeline.kind == kind)).one()
    return session.exec(select(Stage).where(Stage.pipeline_id == pipeline.id)).all()


# --- demo ------------------------------------------------------------------------------------


def test_demo_counts_match_the_database(session, demo):
    counts = stats.table_counts(session=session)
    for key in (
        "users",
        "leads",
        "contacts",
        "companies",
        "deals",
        "products",
        "activities",
        "timeline_entries",
    ):
        assert demo["counts"][key] == counts[key], key
    assert counts["leads"] == 40
    assert counts["contacts"] == 25
    assert counts["companies"] == 12
    assert counts["products"] == 10


def test_demo_team_has_a_manager_and_sales_reps_who_can_log_in(session, demo):
    roles = [role for _email, role in demo["users"]]
    assert roles.count("manager") == 1
    assert 2 <= roles.count("sales") <= 3
    assert "admin" in roles  # the CRM had no administrator yet
    user, _token = auth.login(session=session, email=demo["users"][1][0], password=PASSWORD)
    assert user.role == Role.MANAGER


def test_demo_adds_no_admin_when_one_exists(session):
    create_user(session, role=Role.ADMIN)
    result = demo_data.seed_demo(session=session, password=PASSWORD, now=NOW)
    assert "admin" not in [role for _e, role in result["users"]]


def test_demo_generates_a_password_when_none_is_given(session):
    result = demo_data.seed_demo(session=session, now=NOW)
    assert len(result["password"]) >= 12
    assert auth.password_problem(result["password"]) is None


def test_demo_has_leads_in_every_status(session, demo):
    statuses = {s.id for s in _stages(session, PipelineKind.LEAD)}
    used = set(session.exec(select(Lead.status_id)).all())
    assert used == statuses


def test_demo_converted_leads_link_to_what_was_made_from_them(session, demo):
    converted = session.exec(select(Lead).where(Lead.result == LeadResult.CONVERTED)).all()
    assert converted
    for lead in converted:
        assert session.get(Stage, lead.status_id).semantic == StageSemantic.SUCCESS
        assert lead.closed_at is not None
        assert session.get(Contact, lead.contact_id).lead_id == lead.id
        assert session.get(Company, lead.company_id).lead_id == lead.id
        deal = session.get(Deal, lead.deal_id)
        assert deal.lead_id == lead.id
        assert deal.contact_id == lead.contact_id
        kinds = session.exec(
            select(TimelineEntry.kind).where(
                TimelineEntry.entity_type == EntityType.LEAD, TimelineEntry.entity_id == lead.id
            )
        ).all()
        assert TimelineKind.CONVERSION in kinds


def test_demo_junk_leads_have_a_reason(session, demo):
    junk = session.exec(select(Lead).where(Lead.result == LeadResult.JUNK)).all()
    assert junk
    for lead in junk:
        assert session.get(Stage, lead.status_id).semantic == StageSemantic.FAILURE
        assert lead.junk_reason_id is not None
        assert lead.closed_at is not None
    open_leads = session.exec(select(Lead).where(Lead.result.is_(None))).all()
    assert all(
        session.get(Stage, lead.status_id).semantic == StageSemantic.IN_PROGRESS for lead in open_leads
    )


def test_demo_leads_have_an_e164_phone_and_a_lower_case_email(session, demo):
    lead_ids = session.exec(select(Lead.id)).all()
    comms = session.exec(select(Communication).where(Communication.entity_type == EntityType.LEAD)).all()
    phones = {c.entity_id: c for c in comms if c.kind == CommKind.PHONE}
    emails = {c.entity_id: c for c in comms if c.kind == CommKind.EMAIL}
    assert set(phones) == set(emails) == set(lead_ids)
    assert all(E164.match(c.normalized) for c in phones.values())
    assert all(c.normalized == c.value.lower() and "@" in c.value for c in emails.values())


def test_demo_contacts_belong_to_companies(session, demo):
    links = session.exec(select(ContactCompany)).all()
    assert len({link.contact_id for link in links}) >= 20
    assert any(not link.is_primary for link in links)


def test_demo_has_deals_in_every_stage_of_two_pipelines_with_results_and_products(session, demo):
    pipelines = session.exec(select(Pipeline).where(Pipeline.kind == PipelineKind.DEAL)).all()
    assert len(pipelines) == 2
    stages = {
        s.id: s
        for s in session.exec(select(Stage).where(col(Stage.pipeline_id).in_([p.id for p in pipelines])))
    }
    deals = session.exec(select(Deal)).all()
    assert {d.stage_id for d in deals} == set(stages)
    assert all(stages[d.stage_id].pipeline_id == d.pipeline_id for d in deals)
    for deal in deals:
        semantic = stages[deal.stage_id].semantic
        if semantic == StageSemantic.SUCCESS:
            assert deal.closed and deal.result == DealResult.WON and deal.closed_at
        elif semantic == StageSemantic.FAILURE:
            assert deal.closed and deal.result == DealResult.LOST and deal.lost_reason_id
        else:
            assert not deal.closed and deal.result is None
        lines = session.exec(select(DealProduct).where(DealProduct.deal_id == deal.id)).all()
        assert 1 <= len(lines) <= 3
        assert all(line.product_id for line in lines)
        assert deal.amount == sum(
            demo_data.line_total(
                line.quantity,
                line.unit_price,
                discount_percent=line.discount_value,
                tax_rate=line.tax_rate,
                tax_included=line.tax_included,
            )
            for line in lines
        )
        assert deal.contact_id or deal.company_id


def test_demo_activities_are_done_overdue_today_and_planned(session, demo):
    activities = session.exec(select(Activity)).all()
    assert {(a.type, a.entity_type) for a in activities} == {(t, e) for t in ActivityType for e in EntityType}
    done = [a for a in activities if a.completed]
    open_ = [a for a in activities if not a.completed]
    assert done and all(a.deadline < NOW and a.completed_at for a in done)
    assert any(a.deadline < NOW for a in open_), "overdue"
    assert any(a.deadline.date() == NOW.date() and a.deadline >= NOW for a in open_), "due today"
    assert any(a.deadline > NOW + timedelta(days=1) for a in open_), "planned"


def test_demo_timeline_has_a_created_entry_per_record_and_comments(session, demo):
    created = session.exec(
        select(TimelineEntry.entity_type, sa.func.count())
        .where(TimelineEntry.kind == TimelineKind.CREATED)
        .group_by(TimelineEntry.entity_type)
    ).all()
    assert dict(created) == {
        EntityType.LEAD: 40,
        EntityType.CONTACT: 25,
        EntityType.COMPANY: 12,
        EntityType.DEAL: demo["counts"]["deals"],
    }
    comments = session.exec(select(TimelineEntry).where(TimelineEntry.kind == TimelineKind.COMMENT)).all()
    assert len(comments) >= 5 and all(c.text for c in comments)


def test_demo_twice_is_refused(session, demo):
    with pytest.raises(Conflict):
        demo_data.seed_demo(session=session, password=PASSWORD)
    session.rollback()
    assert stats.table_counts(session=session)["leads"] == 40


def test_demo_is_refused_when_leads_exist(session):
    bulk_seed.seed_bulk(session=session, leads=1)
    with pytest.raises(Conflict):
        demo_data.seed_demo(session=session)


def test_demo_rejects_a_weak_password(session):
    with pytest.raises(ValidationError):
        demo_data.seed_demo(session=session, password="short")
    assert stats.table_counts(session=session)["users"] == 0


# --- bulk ----------------------------------------------------------------------------------


def test_bulk_creates_exactly_the_rows_asked_for(session):
    result = bulk_seed.seed_bulk(
        session=session,
        leads=37,
        contacts=11,
        companies=5,
        deals=9,
        activities=13,
        random_seed=3,
        batch_size=10,
    )
    counts = stats.table_counts(session=session)
    assert {k: counts[k] for k in ("leads", "contacts", "companies", "deals", "activities")} == {
        "leads": 37,
        "contacts": 11,
        "companies": 5,
        "deals": 9,
        "activities": 13,
    }
    assert result["leads"] == 37 and result["activities"] == 13
    n_comms = session.exec(select(sa.func.count()).select_from(Communication)).one()
    assert n_comms == result["communications"] == 2 * 37 + 2 * 11 + 5
    assert (
        session.exec(select(sa.func.count()).select_from(ContactCompany)).one() == result["contact_companies"]
    )


def test_bulk_creates_a_sales_user_only_when_there_is_none(session):
    result = bulk_seed.seed_bulk(session=session, leads=3)
    users = session.exec(select(User)).all()
    assert result["users"] == 1 and [u.role for u in users] == [Role.SALES]
    assert bulk_seed.seed_bulk(session=session, leads=3)["users"] == 0


def test_bulk_leads_use_active_users_and_open_statuses(session):
    active = create_user(session)
    create_user(session, active=False)
    bulk_seed.seed_bulk(session=session, leads=40, now=NOW)
    open_statuses = {
        s.id for s in _stages(session, PipelineKind.LEAD) if s.semantic == StageSemantic.IN_PROGRESS
    }
    for lead in session.exec(select(Lead)).all():
        assert lead.responsible_id == active.id
        assert lead.status_id in open_statuses
        assert NOW - timedelta(days=365) <= lead.created_at <= NOW
        assert lead.created_at.tzinfo is not None


def test_bulk_communications_belong_to_their_lead(session):
    demo_data.seed_demo(session=session, password=PASSWORD)  # ids do not start at 1
    bulk_seed.seed_bulk(session=session, leads=30, batch_size=7)
    rows = session.exec(
        select(Lead.first_name, Communication.kind, Communication.normalized)
        .join(
            Communication,
            sa.and_(Communication.entity_id == Lead.id, Communication.entity_type == EntityType.LEAD),
        )
        .where(Lead.created_by_id.is_not(None))
        .order_by(Lead.id.desc())
        .limit(60)
    ).all()
    assert len(rows) == 60
    for first_name, kind, normalized in rows:
        if kind == CommKind.EMAIL:
            assert normalized.startswith(ascii_slug(first_name) + "."), (first_name, normalized)
        else:
            assert E164.match(normalized)


def test_bulk_is_deterministic(session):
    ctx = bulk_seed.prepare_bulk(session=session, now=NOW)
    first = list(bulk_seed.lead_rows(ctx, 25, random_seed=5))
    assert first == list(bulk_seed.lead_rows(ctx, 25, random_seed=5))
    assert first != list(bulk_seed.lead_rows(ctx, 25, random_seed=6))

    bulk_seed.seed_bulk(session=session, leads=25, random_seed=5, now=NOW)
    stored = session.exec(select(Lead).order_by(Lead.id)).all()
    assert [(lead.first_name, lead.last_name, lead.title, lead.created_at) for lead in stored] == [
        (row["first_name"], row["last_name"], row["title"], row["created_at"]) for row, _comms in first
    ]


def test_bulk_rows_fill_every_column_but_the_id(session):
    ctx = bulk_seed.prepare_bulk(session=session, now=NOW)
    row, comms = next(bulk_seed.lead_rows(ctx, 1))
    assert set(row) == {c.name for c in Lead.__table__.columns} - {"id"}
    assert set(comms[0]) == {c.name for c in Communication.__table__.columns} - {"id", "entity_id"}


def test_bulk_activities_need_something_to_attach_to(session):
    with pytest.raises(ValidationError):
        bulk_seed.seed_bulk(session=session, activities=5)


def test_bulk_activities_attach_to_existing_leads(session):
    bulk_seed.seed_bulk(session=session, leads=4)
    bulk_seed.seed_bulk(session=session, activities=6)
    activities = session.exec(select(Activity)).all()
    lead_ids = set(session.exec(select(Lead.id)).all())
    assert len(activities) == 6
    assert all(a.entity_type == EntityType.LEAD and a.entity_id in lead_ids for a in activities)


def test_bulk_rejects_negative_sizes(session):
    with pytest.raises(ValidationError) as exc:
        bulk_seed.seed_bulk(session=session, leads=-1)
    assert "leads" in exc.value.errors


def test_bulk_needs_an_open_lead_status(session):
    bulk_seed.prepare_bulk(session=session)
    for stage in _stages(session, PipelineKind.LEAD):
        stage.semantic = StageSemantic.FAILURE
        session.add(stage)
    session.flush()
    with pytest.raises(Conflict):
        bulk_seed.seed_bulk(session=session, leads=3)


# --- module shape ------------------------------------------------------------------------------


def test_production_code_does_not_import_the_seed_modules():
    """The app, the REST API and the `crm` command load the demo set and the bulk generator (and
    faker) only when asked to seed: not when they start."""
    code = (
        "import sys\n"
        "import crm_app.crm_app, crm_app.api.app, crm_app.cli\n"
        "bad = [m for m in ('crm_app.services.bulk_seed', 'crm_app.services.demo_data',"
        " 'crm_app.services.seed_common', 'faker') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == ""
