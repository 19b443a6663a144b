"""Deals: moves, pipelines, closing with a result, reopening, product rows and the bad inputs."""

from decimal import Decimal as Dec

import pytest
from sqlmodel import Session, select

from crm_app.models import (
    Deal,
    DealProduct,
    LostReason,
    Product,
    ReasonKind,
    StageSemantic,
    TimelineEntry,
    TimelineKind,
)
from crm_app.services import deal_card, deal_products, deals
from crm_app.services.deals import CloseRequired, DealChanged
from crm_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from tests.factories import (
    create_deal,
    create_pipeline,
    create_product,
    create_user,
    stages_of,
)


def _stage(session, deal, semantic, n=0):
    from crm_app.models import Stage

    rows = session.exec(select(Stage).where(Stage.pipeline_id == deal.pipeline_id).order_by(Stage.sort)).all()
    return [s for s in rows if s.semantic == semantic][n]


def _history(session, deal_id):
    return session.exec(
        select(TimelineEntry)
        .where(TimelineEntry.entity_type == "deal", TimelineEntry.entity_id == deal_id)
        .order_by(TimelineEntry.id)
    ).all()


def _reason(session, name="Price too high"):
    return session.exec(
        select(LostReason).where(LostReason.kind == ReasonKind.DEAL_LOST, LostReason.name == name)
    ).one()


def test_move_writes_history_and_refuses_bad_stages(session):
    user = create_user(session)
    deal = create_deal(session, responsible_id=user.id)
    second = _stage(session, deal, StageSemantic.IN_PROGRESS, 1)
    moved = deals.move(
        session=session, user=user, deal_id=deal.id, stage_id=second.id, expected_version=deal.version
    )
    assert moved.stage_id == second.id
    [entry] = [e for e in _history(session, deal.id) if e.kind == TimelineKind.STAGE_CHANGE]
    assert entry.payload["new_id"] == second.id and entry.author_id == user.id
    other = create_pipeline(session, name="Partners")
    foreign = next(s for s in stages_of(session, other) if s.semantic == StageSemantic.IN_PROGRESS)
    with pytest.raises(ValidationError) as err:
        deals.move(session=session, user=user, deal_id=deal.id, stage_id=foreign.id)
    assert "another pipeline" in str(err.value.errors["stage_id"])
    won = _stage(session, deal, StageSemantic.SUCCESS)
    with pytest.raises(CloseRequired) as closing:
        deals.move(session=session, user=user, deal_id=deal.id, stage_id=won.id)
    assert closing.value.won and closing.value.stage_id == won.id
    assert session.get(Deal, deal.id).stage_id == second.id


def test_a_move_on_a_stale_version_is_refused_and_nothing_is_lost(db_url, session):
    user = create_user(session)
    deal = create_deal(session, responsible_id=user.id)
    seen = deal.version
    _, second, third = (_stage(session, deal, StageSemantic.IN_PROGRESS, i) for i in range(3))
    deals.move(session=session, user=user, deal_id=deal.id, stage_id=second.id, expected_version=seen)
    with pytest.raises(DealChanged) as err:
        deals.move(session=session, user=user, deal_id=deal.id, stage_id=third.id, expected_version=seen)
    assert "This deal changed" in str(err.value.message)
    assert session.get(Deal, deal.id).stage_id == second.id
    # two sessions at once: the second commit fails on the version column
    from crm_app.db import get_engine

    with Session(get_engine()) as a, Session(get_engine()) as b:
        da, db = a.get(Deal, deal.id), b.get(Deal, deal.id)
        assert da and db
        da.title, db.title = "A", "B"
        a.commit()
        with pytest.raises(Exception):  # noqa: B017 - StaleDataError from the ORM
            b.commit()


def test_close_won_lost_other_reopen(session):
    user = create_user(session)
    deal = create_deal(session, responsible_id=user.id)
    with pytest.raises(ValidationError) as err:
        deals.close(session=session, user=user, deal_id=deal.id, result="")
    assert "result" in err.value.errors
    with pytest.raises(ValidationError) as err:
        deals.close(session=session, user=user, deal_id=deal.id, result="lost")
    assert "reason_id" in err.value.errors
    other = _reason(session, "Other")
    with pytest.raises(ValidationError) as err:
        deals.close(session=session, user=user, deal_id=deal.id, result="lost", reason_id=other.id)
    assert "Other" in str(err.value.errors["comment"])
    assert not session.get(Deal, deal.id).closed  # nothing changed
    lost = deals.close(
        session=session, user=user, deal_id=deal.id, result="lost", reason_id=other.id, comment="Moved abroad"
    )
    assert lost.closed and lost.result.value == "lost" and lost.lost_reason_id == other.id
    assert lost.lost_comment == "Moved abroad" and lost.closed_at is not None
    assert session.get_one(type(_stage(session, deal, StageSemantic.FAILURE)), lost.stage_id).semantic == (
        StageSemantic.FAILURE
    )
    # read-only until reopened
    with pytest.raises(Conflict):
        deals.update(session=session, user=user, deal_id=deal.id, data={"title": "New"})
    with pytest.raises(Conflict):
        deals.move(
            session=session, user=user, deal_id=deal.id, stage_id=_stage(session, deal, "in_progress").id
        )
    with pytest.raises(Conflict):
        deal_products.add_row(
            session=session, user=user, deal_id=deal.id, data={"name": "X", "unit_price": "1"}
        )
    with pytest.raises(ValidationError) as err:
        deals.reopen(session=session, user=user, deal_id=deal.id, reason=" ")
    assert "reason" in err.value.errors
    reopened = deals.reopen(session=session, user=user, deal_id=deal.id, reason="They came back")
    assert not reopened.closed and reopened.result is None and reopened.lost_reason_id is None
    entries = [e for e in _history(session, deal.id) if e.kind == TimelineKind.STAGE_CHANGE]
    assert [e.payload.get("action") for e in entries] == ["closed", "reopened"]
    assert entries[-1].text == "They came back" and entries[-1].author_id == user.id
    won = deals.close(session=session, user=user, deal_id=deal.id, result="won")
    assert won.result.value == "won" and won.close_date is not None
    with pytest.raises(Conflict):
        deals.close(session=session, user=user, deal_id=deal.id, result="won")


def test_change_pipeline_maps_the_stage(session):
    user = create_user(session)
    deal = create_deal(session, responsible_id=user.id)
    other = create_pipeline(session, name="Partners")
    target = next(s for s in stages_of(session, other) if s.semantic == StageSemantic.IN_PROGRESS)
    with pytest.raises(ValidationError):
        deals.change_pipeline(
            session=session, user=user, deal_id=deal.id, pipeline_id=other.id, stage_id=deal.stage_id
        )
    moved = deals.change_pipeline(
        session=session, user=user, deal_id=deal.id, pipeline_id=other.id, stage_id=target.id
    )
    assert (moved.pipeline_id, moved.stage_id) == (other.id, target.id)
    [entry] = [e for e in _history(session, deal.id) if e.kind == TimelineKind.STAGE_CHANGE]
    assert entry.payload["action"] == "pipeline" and entry.payload["new_pipeline"] == "Partners"


def test_a_representative_may_not_move_anothers_deal(session):
    owner = create_user(session)
    other = create_user(session)
    deal = create_deal(session, responsible_id=owner.id)
    second = _stage(session, deal, StageSemantic.IN_PROGRESS, 1)
    with pytest.raises((PermissionDenied, NotFound)):
        deals.move(session=session, user=other, deal_id=deal.id, stage_id=second.id)
    assert session.get(Deal, deal.id).stage_id != second.id


def test_product_rows_totals_history_and_amount(session):
    user = create_user(session)
    deal = create_deal(session, responsible_id=user.id, amount=Dec("0"))
    product = create_product(session, name="Licence", price=Dec("100.00"), tax_rate=Dec("20"), sku="LIC-1")
    row = deal_products.add_row(session=session, user=user, deal_id=deal.id, product_id=product.id)
    assert (row.name, row.unit_price, row.tax_rate, row.product_id) == (
        "Licence",
        Dec("100.00"),
        Dec("20.00"),
        product.id,
    )
    free = deal_products.add_row(
        session=session,
        user=user,
        deal_id=deal.id,
        data={"name": "Setup", "quantity": "2", "unit_price": "50", "discount_value": "10", "tax_rate": "0"},
        save_to_catalogue=True,
    )
    assert free.product_id is not None
    assert session.get(Product, free.product_id).name == "Setup"
    card = deal_card.card(session=session, user=user, deal_id=deal.id)
    # 100 + 20 tax = 120; 2 x 50 = 100 - 10 % = 90: 210
    assert (card.totals.subtotal, card.totals.discount, card.totals.tax, card.totals.total) == (
        Dec("200.00"),
        Dec("10.00"),
        Dec("20.00"),
        Dec("210.00"),
    )
    assert session.get(Deal, deal.id).amount == Dec("210.00")
    deal_products.update_row(
        session=session, user=user, deal_id=deal.id, row_id=row.id, data={"quantity": "3"}
    )
    assert session.get(Deal, deal.id).amount == Dec("450.00")
    version = session.get(Deal, deal.id).version
    with pytest.raises(ValidationError):
        deal_products.update_row(
            session=session, user=user, deal_id=deal.id, row_id=row.id, data={"discount_value": "150"}
        )
    assert session.get(Deal, deal.id).version == version  # nothing written
    with pytest.raises(DealChanged):
        deal_products.remove_row(
            session=session, user=user, deal_id=deal.id, row_id=row.id, expected_version=1
        )
    deal_products.remove_row(session=session, user=user, deal_id=deal.id, row_id=row.id)
    assert session.get(Deal, deal.id).amount == Dec("90.00")
    actions = [
        e.payload.get("action") for e in _history(session, deal.id) if e.payload.get("field") == "products"
    ]
    assert actions == ["added", "added", "changed", "removed"]
    # typed by hand: the amount stays
    deals.update(session=session, user=user, deal_id=deal.id, data={"amount_manual": True, "amount": "1000"})
    deal_products.add_row(
        session=session, user=user, deal_id=deal.id, data={"name": "More", "unit_price": "5"}
    )
    assert session.get(Deal, deal.id).amount == Dec("1000.00")
    assert len(session.exec(select(DealProduct).where(DealProduct.deal_id == deal.id)).all()) == 2


def test_catalogue_price_is_converted_to_the_deals_currency(session):
    user = create_user(session)
    deal = create_deal(session, responsible_id=user.id, currency_code="EUR")
    usd = create_product(session, name="Import", price=Dec("110.00"), currency_code="USD")
    row = deal_products.add_row(session=session, user=user, deal_id=deal.id, product_id=usd.id)
    from crm_app.models import Currency

    rate = session.get(Currency, "USD").rate / session.get(Currency, "EUR").rate
    assert row.unit_price == (Dec("110.00") / rate).quantize(Dec("0.01"))


def test_bad_inputs_on_rows_and_deals(session):
    user = create_user(session)
    deal = create_deal(session, responsible_id=user.id)
    for data, field in (
        ({"name": "A", "quantity": "-2", "unit_price": "1"}, "quantity"),
        ({"name": "A", "unit_price": "-1"}, "unit_price"),
        ({"name": "A", "unit_price": "10", "discount_value": "120"}, "discount_value"),
        (
            {"name": "A", "unit_price": "10", "discount_type": "amount", "discount_value": "11"},
            "discount_value",
        ),
    ):
        with pytest.raises(ValidationError) as err:
            deal_products.add_row(session=session, user=user, deal_id=deal.id, data=data)
        assert field in err.value.errors
    with pytest.raises(ValidationError) as err:
        deals.update(session=session, user=user, deal_id=deal.id, data={"currency_code": "XYZ"})
    assert "currency_code" in err.value.errors
    assert not session.exec(select(DealProduct).where(DealProduct.deal_id == deal.id)).all()
