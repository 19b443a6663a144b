"""Leads -> Import history: the list, interrupted imports, and undoing an import."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from crm_app.models import (
    EntityType,
    ImportChange,
    ImportJob,
    ImportStatus,
    Lead,
    Role,
    TimelineEntry,
    TimelineKind,
)
from crm_app.models.base import table_of, utcnow
from crm_app.services import conversion, leads, permissions
from crm_app.services.errors import Conflict, PermissionDenied
from crm_app.services.lead_import import list_imports, run_import, undo_import, undo_preview
from tests.factories import create_import_job, create_user
from tests.factories import write_csv as write

HEADER = "First name,Last name,E-mail,Phone,Company name,Amount\n"
ROWS = (
    "Ann,Alpha,ann@example.com,+33123456789,Acme,100\n"
    "Bob,Beta,bob@example.com,,Beta Ltd,\n"
    "Cid,Gamma,cid@example.com,,,\n"
)


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="admin@example.com", name="Ann Admin")


def by_last_name(session, name: str) -> Lead:
    return session.exec(select(Lead).where(Lead.last_name == name)).one()


def live_count(session) -> int:
    return session.exec(select(func.count()).select_from(Lead).where(col(Lead.deleted_at).is_(None))).one()


def imported(session, user, tmp_path, text: str = HEADER + ROWS, **kwargs) -> int:
    summary = run_import(session=session, user=user, path=write(tmp_path, text), **kwargs)
    assert summary.job_id is not None
    return summary.job_id


def test_the_import_records_each_lead_it_created(session, admin, tmp_path):
    job_id = imported(session, admin, tmp_path)
    changes = session.exec(select(ImportChange).where(ImportChange.job_id == job_id)).all()
    assert sorted(c.kind for c in changes) == ["created"] * 3
    assert {c.version for c in changes} == {1}
    job = session.get(ImportJob, job_id)
    assert job is not None and job.heartbeat_at is not None


def test_a_dry_run_records_nothing_and_is_not_listed(session, admin, tmp_path):
    imported(session, admin, tmp_path, dry_run=True)
    assert session.exec(select(func.count()).select_from(ImportChange)).one() == 0
    assert list_imports(session=session, user=admin) == ([], 0)


def test_it_lists_imports_newest_first_with_their_counts(session, admin, tmp_path):
    first = imported(session, admin, tmp_path)
    second = imported(session, admin, tmp_path)  # all three are duplicates now: skipped
    rows, total = list_imports(session=session, user=admin)
    assert total == 2 and [r.id for r in rows] == [second, first]
    assert (rows[1].created, rows[1].status, rows[1].user_name, rows[1].can_undo) == (
        3,
        "done",
        "Ann Admin",
        True,
    )
    assert (rows[0].created, rows[0].skipped) == (0, 3)
    page, total = list_imports(session=session, user=admin, page=1, page_size=1)
    assert [r.id for r in page] == [first] and total == 2


def test_undo_moves_untouched_created_leads_to_the_recycle_bin(session, admin, tmp_path):
    job_id = imported(session, admin, tmp_path)
    preview = undo_preview(session=session, user=admin, job_id=job_id)
    assert (preview.to_delete, preview.changed_count, preview.final_count) == (3, 0, 0)
    result = undo_import(session=session, user=admin, job_id=job_id)
    assert (result.deleted, result.kept_changed) == (3, 0)
    assert live_count(session) == 0
    lead = by_last_name(session, "Alpha")
    assert lead.deleted_at is not None
    entries = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_id == lead.id, TimelineEntry.kind == TimelineKind.DELETED
        )
    ).all()
    assert len(entries) == 1 and entries[0].payload == {"action": "undo_import", "job_id": job_id}
    # they can come back from the recycle bin like any deleted lead
    leads.restore_lead(session=session, user=admin, lead_id=lead.id or 0)
    assert live_count(session) == 1
    [row], _ = list_imports(session=session, user=admin)
    assert (row.status, row.undone_by_name, row.can_undo) == ("undone", "Ann Admin", False)


def test_a_lead_edited_since_is_kept_unless_the_user_confirms(session, admin, tmp_path):
    job_id = imported(session, admin, tmp_path)
    edited = by_last_name(session, "Beta")
    leads.update_lead(session=session, user=admin, lead_id=edited.id or 0, data={"title": "Call back"})
    preview = undo_preview(session=session, user=admin, job_id=job_id)
    assert preview.to_delete == 2 and [(r.id, r.name) for r in preview.changed] == [(edited.id, "Bob Beta")]
    result = undo_import(session=session, user=admin, job_id=job_id)
    assert (result.deleted, result.kept_changed) == (2, 1)
    assert live_count(session) == 1 and by_last_name(session, "Beta").deleted_at is None


def test_include_changed_deletes_the_edited_leads_too(session, admin, tmp_path):
    job_id = imported(session, admin, tmp_path)
    edited = by_last_name(session, "Beta")
    leads.update_lead(session=session, user=admin, lead_id=edited.id or 0, data={"title": "Call back"})
    result = undo_import(session=session, user=admin, job_id=job_id, include_changed=True)
    assert (result.deleted, result.kept_changed) == (3, 0)
    assert live_count(session) == 0


def test_a_converted_lead_is_kept_and_listed(session, admin, tmp_path):
    job_id = imported(session, admin, tmp_path)
    lead = by_last_name(session, "Alpha")
    conversion.convert_lead(
        session=session, user=admin, lead_id=lead.id or 0, contact={"first_name": "Ann", "last_name": "Alpha"}
    )
    preview = undo_preview(session=session, user=admin, job_id=job_id)
    assert [r.id for r in preview.final] == [lead.id] and preview.to_delete == 2
    result = undo_import(session=session, user=admin, job_id=job_id, include_changed=True)
    assert (result.deleted, result.kept_final) == (2, 1)
    session.refresh(lead)
    assert lead.deleted_at is None


def test_undo_restores_the_values_an_update_import_overwrote(session, admin, tmp_path):
    imported(session, admin, tmp_path)
    update = HEADER + "Ann,Alphonse,ann@example.com,+33987654321,,250\n"
    job_id = imported(session, admin, tmp_path, text=update, on_duplicate="update")
    lead = by_last_name(session, "Alphonse")
    assert lead.amount == Decimal("250")
    [change] = session.exec(select(ImportChange).where(ImportChange.job_id == job_id)).all()
    assert change.kind == "updated" and change.version == lead.version
    assert change.before == {"last_name": "Alpha", "amount": "100.00", "phones": ["+33123456789"]}
    preview = undo_preview(session=session, user=admin, job_id=job_id)
    assert (preview.to_delete, preview.to_restore) == (0, 1)
    result = undo_import(session=session, user=admin, job_id=job_id)
    assert result.restored == 1
    session.refresh(lead)
    assert (lead.last_name, lead.amount, lead.deleted_at) == ("Alpha", Decimal("100"), None)
    assert leads.communications(session, EntityType.LEAD, [lead.id or 0])[lead.id or 0]["phones"] == [
        "+33123456789"
    ]
    changes = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_id == lead.id, TimelineEntry.kind == TimelineKind.FIELD_CHANGE
        )
    ).all()
    assert {"field": "last_name", "old": "Alphonse", "new": "Alpha"} in [c.payload for c in changes]


def test_undoing_twice_is_refused(session, admin, tmp_path):
    job_id = imported(session, admin, tmp_path)
    undo_import(session=session, user=admin, job_id=job_id)
    with pytest.raises(Conflict, match="already undone"):
        undo_import(session=session, user=admin, job_id=job_id)
    with pytest.raises(Conflict, match="already undone"):
        undo_preview(session=session, user=admin, job_id=job_id)


def test_a_running_import_cannot_be_undone(session, admin):
    job = create_import_job(session, user=admin, status=ImportStatus.RUNNING, heartbeat_at=utcnow())
    with pytest.raises(Conflict, match="still running"):
        undo_import(session=session, user=admin, job_id=job.id or 0)
    [row], _ = list_imports(session=session, user=admin)
    assert (row.status, row.can_undo) == ("running", False)


def test_an_import_whose_heartbeat_stopped_shows_interrupted_and_can_be_undone(session, admin, tmp_path):
    job_id = imported(session, admin, tmp_path)
    job = session.get(ImportJob, job_id)
    assert job is not None
    job.status, job.finished_at = ImportStatus.RUNNING, None  # as a killed process leaves it
    job.heartbeat_at = utcnow() - timedelta(minutes=30)
    session.add(job)
    session.commit()
    [row], _ = list_imports(session=session, user=admin)
    assert (row.status, row.created, row.can_undo) == ("interrupted", 3, True)
    session.refresh(job)
    assert job.status == ImportStatus.INTERRUPTED  # persisted once seen
    result = undo_import(session=session, user=admin, job_id=job_id)
    assert result.deleted == 3 and live_count(session) == 0


def test_a_representative_sees_and_undoes_only_their_own_imports(session, admin, tmp_path):
    permissions.set_matrix(session, actor=admin, cells={("sales", "lead", "import"): "own"})
    rep = create_user(session, role=Role.SALES, email="rep@example.com")
    other = create_user(session, role=Role.SALES, email="other@example.com")
    job_id = imported(session, other, tmp_path)
    assert list_imports(session=session, user=rep) == ([], 0)
    with pytest.raises(PermissionDenied):
        undo_preview(session=session, user=rep, job_id=job_id)
    with pytest.raises(PermissionDenied):
        undo_import(session=session, user=rep, job_id=job_id)
    assert live_count(session) == 3
    # the manager of everyone's imports (the administrator here) sees it
    rows, total = list_imports(session=session, user=admin)
    assert total == 1 and rows[0].id == job_id


def test_a_lead_the_user_may_not_delete_is_kept(session, admin, tmp_path):
    permissions.set_matrix(session, actor=admin, cells={("sales", "lead", "import"): "own"})
    rep = create_user(session, role=Role.SALES, email="rep@example.com")
    job_id = imported(session, rep, tmp_path)
    lead = by_last_name(session, "Gamma")
    # handed to someone else, with no other change the version would show
    session.execute(
        table_of(Lead)
        .update()
        .where(table_of(Lead).c.id == lead.id)
        .values(responsible_id=admin.id, created_by_id=admin.id)
    )
    session.commit()
    preview = undo_preview(session=session, user=rep, job_id=job_id)
    assert [r.id for r in preview.not_allowed] == [lead.id] and preview.to_delete == 2
    result = undo_import(session=session, user=rep, job_id=job_id)
    assert (result.deleted, result.kept_other) == (2, 1)
