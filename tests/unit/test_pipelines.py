"""Settings -> Deals: pipelines (services.pipelines) and the stages of each (services.stages with
the deals' rules: one won stage, at least one lost stage, a probability per stage, a stage in use
deleted only once its deals moved). The lead statuses run on the same stage rules and are tested
in test_lead_settings."""

from __future__ import annotations

import pytest
from sqlmodel import select

from crm_app.models import Deal, EntityType, Pipeline, Role, Stage, StageSemantic, TimelineEntry, TimelineKind
from crm_app.services import pipelines, stages
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_deal, create_user

DEAL = stages.DEAL


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="ada@example.com")


def _pipeline_names(session, user) -> list[str]:
    return [r.name for r in pipelines.list_pipelines(session=session, user=user)]


def _stages(session, user, pipeline_id):
    return stages.list_stages(session=session, user=user, kind=DEAL, pipeline_id=pipeline_id)


def test_the_default_pipeline_and_its_stages(session, admin):
    [row] = pipelines.list_pipelines(session=session, user=admin)
    assert row.name == "Sales" and row.is_default and not row.can_delete and row.stage_count == 7
    rows = _stages(session, admin, row.id)
    assert [r.name for r in rows][-2:] == ["Won", "Lost"]
    assert [r.probability for r in rows] == [10, 30, 50, 70, 90, 100, 0]
    assert [r.semantic for r in rows].count("success") == 1
    # the won stage stays; the only lost stage stays; moves stay inside a group
    won, lost = rows[-2], rows[-1]
    assert not won.can_delete and not lost.can_delete and rows[0].can_delete
    assert (rows[4].can_up, rows[4].can_down) == (True, False)


def test_add_pipeline_with_starting_stages_rename_move_default(session, admin):
    second = pipelines.add_pipeline(session=session, user=admin, name="  Partners ")
    assert _pipeline_names(session, admin) == ["Sales", "Partners"]
    rows = _stages(session, admin, second.id)
    assert [(r.name, r.semantic, r.probability) for r in rows] == [
        ("New", "in_progress", 10),
        ("In progress", "in_progress", 50),
        ("Won", "success", 100),
        ("Lost", "failure", 0),
    ]
    with pytest.raises(ValidationError) as err:
        pipelines.add_pipeline(session=session, user=admin, name="sales")
    assert "name" in err.value.errors
    with pytest.raises(ValidationError):
        pipelines.add_pipeline(session=session, user=admin, name="<b>" * 40)
    pipelines.rename_pipeline(
        session=session, user=admin, pipeline_id=second.id, name="Resellers", expected_version=second.version
    )
    with pytest.raises(StaleRecord):
        pipelines.rename_pipeline(
            session=session, user=admin, pipeline_id=second.id, name="X", expected_version=0
        )
    assert pipelines.move_pipeline(session=session, user=admin, pipeline_id=second.id, direction="up")
    assert _pipeline_names(session, admin) == ["Resellers", "Sales"]
    assert not pipelines.move_pipeline(session=session, user=admin, pipeline_id=second.id, direction="up")
    pipelines.set_default(session=session, user=admin, pipeline_id=second.id)
    rows = pipelines.list_pipelines(session=session, user=admin)
    assert [r.is_default for r in rows] == [True, False] and pipelines.default_pipeline(
        session
    ).id == second.id
    assert [r.can_delete for r in rows] == [False, True]


def test_a_french_administrator_gets_french_starting_stages(session):
    admin = create_user(session, role=Role.ADMIN, email="fr@example.com", language="fr")
    added = pipelines.add_pipeline(session=session, user=admin, name="Partenaires")
    assert [r.name for r in _stages(session, admin, added.id)] == ["Nouveau", "En cours", "Gagnée", "Perdue"]


def test_delete_pipeline_only_when_empty_and_not_default(session, admin):
    default = pipelines.default_pipeline(session)
    with pytest.raises(Conflict):
        pipelines.delete_pipeline(session=session, user=admin, pipeline_id=default.id)
    other = pipelines.add_pipeline(session=session, user=admin, name="Other")
    deal = create_deal(session, pipeline=other)
    with pytest.raises(sl.InUse) as err:
        pipelines.delete_pipeline(session=session, user=admin, pipeline_id=other.id)
    assert err.value.count == 1
    assert pipelines.pipeline_usage(session=session, user=admin, pipeline_id=other.id) == 1
    session.delete(session.get(Deal, deal.id))
    session.commit()
    pipelines.delete_pipeline(session=session, user=admin, pipeline_id=other.id)
    assert _pipeline_names(session, admin) == ["Sales"]
    assert not session.exec(select(Stage).where(Stage.pipeline_id == other.id)).all()
    with pytest.raises(NotFound):
        pipelines.rename_pipeline(session=session, user=admin, pipeline_id=other.id, name="Back")


def test_stage_add_rules(session, admin):
    pid = pipelines.default_pipeline(session).id
    added = stages.add_stage(
        session=session, user=admin, kind=DEAL, pipeline_id=pid, name="Negotiation", probability="80 %"
    )
    rows = _stages(session, admin, pid)
    # a stage in progress goes after the others in progress, before the won stage
    assert [r.name for r in rows][5:] == ["Negotiation", "Won", "Lost"] and rows[5].probability == 80
    default_chance = stages.add_stage(session=session, user=admin, kind=DEAL, pipeline_id=pid, name="Review")
    assert default_chance.probability == stages.DEFAULT_PROBABILITY
    lost = stages.add_stage(
        session=session,
        user=admin,
        kind=DEAL,
        pipeline_id=pid,
        name="No reply",
        semantic="failure",
        probability=60,
    )
    assert lost.probability == 0  # a lost stage is hopeless, whatever was sent
    with pytest.raises(ValidationError) as err:
        stages.add_stage(
            session=session, user=admin, kind=DEAL, pipeline_id=pid, name="Won twice", semantic="success"
        )
    assert "won stage" in err.value.errors["semantic"].msgid
    for bad in ("101", "-5", "half", "1.5"):
        with pytest.raises(ValidationError) as err:
            stages.add_stage(
                session=session, user=admin, kind=DEAL, pipeline_id=pid, name=f"S{bad}", probability=bad
            )
        assert "probability" in err.value.errors
    with pytest.raises(ValidationError) as err:
        stages.add_stage(
            session=session, user=admin, kind=DEAL, pipeline_id=pid, name="", color="red", semantic="x"
        )
    assert {"name", "color", "semantic"} <= set(err.value.errors)
    # names are unique per pipeline, not across pipelines
    other = pipelines.add_pipeline(session=session, user=admin, name="Other")
    stages.add_stage(session=session, user=admin, kind=DEAL, pipeline_id=other.id, name="Negotiation")
    with pytest.raises(ValidationError):
        stages.add_stage(session=session, user=admin, kind=DEAL, pipeline_id=other.id, name="negotiation")
    assert added.id


def test_stage_edit_probability_and_stale_edit(session, admin):
    pid = pipelines.default_pipeline(session).id
    rows = _stages(session, admin, pid)
    first, won = rows[0], rows[-2]
    stages.update_stage(
        session=session,
        user=admin,
        kind=DEAL,
        pipeline_id=pid,
        stage_id=first.id,
        name="Lead in",
        color="#112233",
        probability="15",
        expected_version=first.version,
    )
    edited = _stages(session, admin, pid)[0]
    assert (edited.name, edited.color, edited.probability) == ("Lead in", "#112233", 15)
    with pytest.raises(StaleRecord):
        stages.update_stage(
            session=session,
            user=admin,
            kind=DEAL,
            pipeline_id=pid,
            stage_id=first.id,
            name="Old",
            expected_version=first.version,
        )
    stages.update_stage(
        session=session, user=admin, kind=DEAL, pipeline_id=pid, stage_id=won.id, probability="40"
    )
    assert _stages(session, admin, pid)[-2].probability == 100  # the won stage stays certain
    with pytest.raises(ValidationError) as err:
        stages.update_stage(
            session=session, user=admin, kind=DEAL, pipeline_id=pid, stage_id=first.id, probability="200"
        )
    assert "probability" in err.value.errors
    assert _stages(session, admin, pid)[0].probability == 15  # nothing stored was lost


def test_a_stage_of_another_pipeline_is_not_found(session, admin):
    pid = pipelines.default_pipeline(session).id
    other = pipelines.add_pipeline(session=session, user=admin, name="Other")
    foreign = _stages(session, admin, other.id)[0]
    with pytest.raises(NotFound):
        stages.update_stage(
            session=session, user=admin, kind=DEAL, pipeline_id=pid, stage_id=foreign.id, name="X"
        )
    lead_pipeline = session.exec(select(Pipeline).where(Pipeline.kind == "lead")).one()
    with pytest.raises(NotFound):
        stages.list_stages(session=session, user=admin, kind=DEAL, pipeline_id=lead_pipeline.id)


def test_a_stage_in_use_moves_its_deals_first_with_history(session, admin):
    pipeline = pipelines.default_pipeline(session)
    first, second = stages.ordered(session, pipeline.id)[:2]
    deal = create_deal(session, pipeline=pipeline)
    assert deal.stage_id == first.id
    version = deal.version
    with pytest.raises(sl.InUse) as err:
        stages.delete_stage(
            session=session, user=admin, kind=DEAL, pipeline_id=pipeline.id, stage_id=first.id
        )
    assert err.value.count == 1 and session.get(Stage, first.id) is not None
    won = next(s for s in stages.ordered(session, pipeline.id) if s.semantic == StageSemantic.SUCCESS)
    other = pipelines.add_pipeline(session=session, user=admin, name="Other")
    foreign = stages.ordered(session, other.id)[0]
    for bad in (won.id, foreign.id, first.id, 999999):
        with pytest.raises(ValidationError) as invalid:
            stages.delete_stage(
                session=session,
                user=admin,
                kind=DEAL,
                pipeline_id=pipeline.id,
                stage_id=first.id,
                move_to_id=bad,
            )
        assert "move_to_id" in invalid.value.errors
    moved = stages.delete_stage(
        session=session,
        user=admin,
        kind=DEAL,
        pipeline_id=pipeline.id,
        stage_id=first.id,
        move_to_id=second.id,
    )
    assert moved == 1
    stored = session.get(Deal, deal.id)
    assert stored is not None and stored.stage_id == second.id and stored.version == version + 1
    entry = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_type == EntityType.DEAL.value, TimelineEntry.entity_id == deal.id
        )
    ).one()
    assert entry.kind == TimelineKind.STAGE_CHANGE and entry.payload["reason"] == "stage_deleted"
    assert [s.sort for s in stages.ordered(session, pipeline.id)] == [10, 20, 30, 40, 50, 60]


def test_the_won_stage_and_the_last_lost_stage_stay(session, admin):
    pid = pipelines.default_pipeline(session).id
    rows = _stages(session, admin, pid)
    with pytest.raises(Conflict, match="won stage"):
        stages.delete_stage(session=session, user=admin, kind=DEAL, pipeline_id=pid, stage_id=rows[-2].id)
    with pytest.raises(Conflict, match="lost stage"):
        stages.delete_stage(session=session, user=admin, kind=DEAL, pipeline_id=pid, stage_id=rows[-1].id)
    extra = stages.add_stage(
        session=session, user=admin, kind=DEAL, pipeline_id=pid, name="Gone", semantic="failure"
    )
    stages.delete_stage(session=session, user=admin, kind=DEAL, pipeline_id=pid, stage_id=rows[-1].id)
    assert [r.name for r in _stages(session, admin, pid)][-1] == extra.name
    with pytest.raises(ValidationError):
        stages.reorder_stages(
            session=session,
            user=admin,
            kind=DEAL,
            pipeline_id=pid,
            ids=[r.id for r in reversed(_stages(session, admin, pid))],
        )


def test_only_settings_editors_change_them(session, admin):
    rep = create_user(session, role=Role.SALES, email="rep@example.com")
    pid = pipelines.default_pipeline(session).id
    assert _pipeline_names(session, rep) == ["Sales"] and _stages(session, rep, pid)  # everyone reads
    with pytest.raises(PermissionDenied):
        pipelines.add_pipeline(session=session, user=rep, name="Mine")
    with pytest.raises(PermissionDenied):
        stages.add_stage(session=session, user=rep, kind=DEAL, pipeline_id=pid, name="Mine")
    with pytest.raises(PermissionDenied):
        pipelines.set_default(session=session, user=rep, pipeline_id=pid)
    assert _pipeline_names(session, admin) == ["Sales"]
