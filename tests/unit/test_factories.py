"""The test data factories: each saves a complete row that the services can read back."""

from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from crm_app import db
from crm_app.models import (
    ActivityType,
    ApiKey,
    CommKind,
    Communication,
    ContactCompany,
    EntityType,
    ImportStatus,
    PipelineKind,
    ReasonKind,
    Role,
    StageSemantic,
    TimelineKind,
)
from crm_app.services import api_keys, auth, leads, timeline
from tests import factories as f
from tests.conftest import empty_database, row_counts


def test_a_user_logs_in_with_the_factory_password(session):
    admin = f.create_admin(session, email="Ann@Example.com")
    assert (admin.role, admin.email) == (Role.ADMIN, "ann@example.com")
    user, token = auth.login(
        session=session, email="ann@example.com", password=f.PASSWORD, ip="", user_agent=""
    )
    assert user.id == admin.id and token
    assert f.create_manager(session).role == Role.MANAGER
    assert f.create_user(session, active=False).is_active is False


def test_a_lead_has_its_phones_and_emails_normalised_and_an_owner(session):
    lead = f.create_lead(session, phones=["06 12 34 56 78", "+1 212 555 0100"], emails="Zoe@Example.com")
    assert lead.id and lead.result is None and lead.deleted_at is None
    assert leads.communications(session, EntityType.LEAD, [lead.id])[lead.id] == {
        "phones": ["+33612345678", "+12125550100"],
        "emails": ["zoe@example.com"],
    }
    owner = f.default_owner(session)
    assert lead.responsible_id == lead.created_by_id == owner.id and owner.role == Role.SALES
    assert f.create_lead(session).responsible_id == owner.id  # one default owner per database
    status = session.get(f.Stage, lead.status_id)
    assert status.semantic == StageSemantic.IN_PROGRESS
    assert leads.get_lead(session=session, user=owner, lead_id=lead.id).id == lead.id
    other = f.create_user(session)
    assert f.create_lead(session, responsible_id=other.id, last_name="Mine").responsible_id == other.id


def test_contacts_companies_and_their_link(session):
    company = f.create_company(
        session, name="Acme", websites="https://acme.example", phones="+33 1 23 45 67 89"
    )
    contact = f.create_contact(session, company=company, emails=["a@acme.example"])
    link = session.get(ContactCompany, (contact.id, company.id))
    assert link is not None and link.is_primary
    other = f.create_company(session)
    assert f.link_contact_company(session, contact, other).is_primary is False
    kinds = sorted(
        c.kind
        for c in session.exec(
            select(Communication).where(
                Communication.entity_type == EntityType.COMPANY, Communication.entity_id == company.id
            )
        )
    )
    assert kinds == sorted([CommKind.WEB, CommKind.PHONE])


def test_a_deal_sits_in_a_pipeline_stage_with_a_company_and_lines(session):
    deal = f.create_deal(session)
    stage = session.get(f.Stage, deal.stage_id)
    assert stage.pipeline_id == deal.pipeline_id and stage.semantic == StageSemantic.IN_PROGRESS
    assert deal.company_id is not None and deal.currency_code == "EUR" and deal.amount == Decimal("1000.00")
    line = f.create_deal_product(session, deal=deal, quantity=Decimal("3"))
    product = session.get(f.Product, line.product_id)
    assert (line.deal_id, line.name, line.unit_price) == (deal.id, product.name, product.price)
    assert f.create_deal_product(session, deal=deal, product_id=None).product_id is None

    pipeline = f.create_pipeline(
        session, stages=[("Talk", StageSemantic.IN_PROGRESS), ("Won", StageSemantic.SUCCESS)]
    )
    assert [s.name for s in f.stages_of(session, pipeline)] == ["Talk", "Won"]
    other = f.create_deal(
        session, pipeline=pipeline, company_id=None, contact_id=f.create_contact(session).id
    )
    assert other.pipeline_id == pipeline.id and other.company_id is None


def test_settings_lists(session):
    f.ensure_defaults(session)
    assert f.default_pipeline(session, PipelineKind.LEAD).kind == PipelineKind.LEAD
    status = f.create_lead_status(session, name="Call back")
    assert status.name in [s.name for s in leads.lead_statuses(session)]
    assert f.create_source(session).is_active
    assert f.create_lost_reason(session, kind=ReasonKind.LEAD_JUNK).kind == ReasonKind.LEAD_JUNK
    currency = f.create_currency(session, code="CHF", rate=Decimal("0.95"))
    assert session.get(f.Currency, "CHF").rate == Decimal("0.95") and currency.code == "CHF"


def test_activities_and_history_belong_to_a_record(session):
    contact = f.create_contact(session)
    activity = f.create_activity(session, record=contact, type=ActivityType.CALL)
    assert (activity.entity_type, activity.entity_id) == (EntityType.CONTACT, contact.id)
    assert activity.responsible_id == contact.responsible_id and not activity.completed
    assert timeline.planned_activities(
        session=session, user=f.default_owner(session), entity_type=EntityType.CONTACT, entity_id=contact.id
    )

    lead = f.create_lead(session)
    comment = f.create_comment(session, record=lead, text="Called back")
    entry = f.create_timeline_entry(
        session, record=lead, kind=TimelineKind.FIELD_CHANGE, payload={"field": "x"}
    )
    assert (comment.kind, comment.entity_id, comment.author_id is not None) == (
        TimelineKind.COMMENT,
        lead.id,
        True,
    )
    assert entry.entity_type == EntityType.LEAD and entry.payload == {"field": "x"}


def test_intake_rows(session):
    form = f.create_web_form(session)
    assert form.is_active and form.slug.startswith("form-") and {x["name"] for x in form.fields} >= {"email"}
    key, raw = f.create_api_key(session)
    assert api_keys.resolve_api_key(session=session, raw=raw).id == key.user_id
    assert session.exec(select(ApiKey)).all() == [key]
    job = f.create_import_job(session, status=ImportStatus.RUNNING, total_rows=10)
    assert (job.status, job.total_rows, job.user_id is not None) == (ImportStatus.RUNNING, 10, True)


def test_empty_database_leaves_a_migrated_empty_database(session, db_url):
    """What each browser test module starts from (tests/e2e/conftest.py: fresh_database)."""
    lead = f.create_lead(session, emails="x@example.com")
    f.create_deal_product(session)
    f.create_contact(session, company=f.create_company(session), lead_id=lead.id)
    session.close()
    assert sum(row_counts(db_url).values()) > 20
    empty_database(db_url)
    assert not any(row_counts(db_url).values())
    with db.session(db_url) as s:
        assert s.connection().execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        assert f.create_lead(s).id == 1  # ids start again
