"""The kanban board: columns with their count and base-currency total, pages of cards, permissions."""

from decimal import Decimal as Dec

from crm_app.models import Currency, Role, Stage, StageSemantic
from crm_app.services import deal_board
from tests.factories import create_contact, create_deal, create_user, default_pipeline, stages_of


def test_columns_count_sum_in_base_currency_and_pages(session):
    user = create_user(session, role=Role.ADMIN)
    pipeline = default_pipeline(session)
    first = next(s for s in stages_of(session, pipeline) if s.semantic == StageSemantic.IN_PROGRESS)
    usd = session.get(Currency, "USD")
    assert usd is not None
    made = [create_deal(session, responsible_id=user.id, amount=Dec("100.00")) for _ in range(23)]
    contact = create_contact(session, first_name="Ana", last_name="Lima")
    made.append(
        create_deal(
            session, responsible_id=user.id, amount=Dec("50.00"), currency_code="USD", contact_id=contact.id
        )
    )
    board = deal_board.board(session=session, user=user, pipeline_id=pipeline.id)
    column = next(c for c in board.columns if c.stage_id == first.id)
    assert column.count == 24
    expected = Dec("2300.00") + (Dec("50.00") / usd.rate).quantize(Dec("0.01"))
    assert column.total == expected
    assert len(column.cards) == 20 and column.more
    assert column.cards[0].id == made[-1].id and column.cards[0].customer == "Ana Lima"
    rest, more = deal_board.cards(
        session=session, user=user, stage_id=first.id or 0, after_id=column.cards[-1].id
    )
    assert len(rest) == 4 and not more
    assert {c.id for c in column.cards} | {c.id for c in rest} == {d.id for d in made}
    others = [c for c in board.columns if c.stage_id != first.id]
    assert all(c.count == 0 and c.total == 0 and not c.cards for c in others)
    assert [c.stage_id for c in board.columns] == [
        s.id
        for s in session.exec(
            __import__("sqlmodel").select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.sort)
        )
    ]


def test_a_representative_sees_only_their_deals_in_counts_and_cards(session):
    from crm_app.services import permissions

    admin = create_user(session, role=Role.ADMIN)
    permissions.set_matrix(session, actor=admin, cells={("sales", "deal", "view"): "own"})
    mine = create_user(session)
    theirs = create_user(session)
    create_deal(session, responsible_id=mine.id, created_by_id=mine.id, amount=Dec("10.00"))
    create_deal(session, responsible_id=theirs.id, created_by_id=theirs.id, amount=Dec("99.00"))
    board = deal_board.board(session=session, user=mine)
    assert sum(c.count for c in board.columns) == 1
    assert sum(c.total for c in board.columns) == Dec("10.00")
    assert [card.responsible_id for c in board.columns for card in c.cards] == [mine.id]
