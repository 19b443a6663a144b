"""A deal's product rows: add from the catalogue or as a free row (optionally saved in the catalogue
too), change, remove; each write goes to the deal's history and bumps the deal's version (two
users editing the rows of one deal cannot overwrite each other). The deal's amount follows the
rows' grand total unless the user typed it by hand (`deal.amount_manual`).

Money rules: services.deal_money. A catalogue product priced in another currency is converted to
the deal's currency through the rates of Settings -> Currencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import Currency, Deal, DealProduct, EntityType, Product, TimelineKind, User
from crm_app.models.base import saved_id, utcnow
from crm_app.services import deal_money, deals, products, records, timeline
from crm_app.services.deal_money import Totals
from crm_app.services.errors import Conflict, NotFound, ValidationError
from crm_app.services.i18n import Msg


@dataclass
class ProductLine:
    id: int
    product_id: int | None
    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_type: str
    discount_value: Decimal
    tax_rate: Decimal
    tax_included: bool
    amounts: deal_money.RowAmounts


def rows_of(session: Session, deal_id: int) -> list[DealProduct]:
    """The rows of a deal in their order: one query."""
    return list(
        session.exec(
            select(DealProduct)
            .where(DealProduct.deal_id == deal_id)
            .order_by(col(DealProduct.sort), col(DealProduct.id))
        )
    )


def lines_and_totals(session: Session, deal_id: int) -> tuple[list[ProductLine], Totals]:
    """Each row with its amounts, and the totals, from one query."""
    rows = rows_of(session, deal_id)
    totals = deal_money.totals(rows)
    lines = [
        ProductLine(
            id=saved_id(r),
            product_id=r.product_id,
            name=r.name,
            quantity=r.quantity,
            unit=r.unit or "pcs",
            unit_price=r.unit_price,
            discount_type=r.discount_type.value,
            discount_value=r.discount_value,
            tax_rate=r.tax_rate,
            tax_included=r.tax_included,
            amounts=amounts,
        )
        for r, amounts in zip(rows, totals.per_row, strict=True)
    ]
    return lines, totals


def follow_products(session: Session, user: User, deal: Deal) -> None:
    """Set a deal's amount to its rows' grand total (when it has rows and follows them)."""
    if deal.amount_manual:
        return
    rows = rows_of(session, saved_id(deal))
    if not rows:
        return
    total = deal_money.totals(rows).total
    if total != deal.amount:
        timeline.record(
            session,
            entity_type=EntityType.DEAL,
            entity_id=saved_id(deal),
            kind=TimelineKind.FIELD_CHANGE,
            author_id=user.id,
            payload={"field": "amount", "old": str(deal.amount), "new": str(total)},
        )
        deal.amount = total
        session.add(deal)


def _touch(deal: Deal) -> None:
    """A row change is a change of the deal: its version moves on."""
    deal.updated_at = utcnow()


def _record(session: Session, user: User, deal: Deal, action: str, name: str, **extra) -> None:
    timeline.record(
        session,
        entity_type=EntityType.DEAL,
        entity_id=saved_id(deal),
        kind=TimelineKind.FIELD_CHANGE,
        author_id=user.id,
        payload={"field": "products", "action": action, "name": name, **extra},
    )


def _editable_deal(session: Session, user: User, deal_id: Any, expected_version: int | None) -> Deal:
    deal = deals._for_change(session, user, deal_id, expected_version)
    if deal.closed:
        raise Conflict(Msg("This deal is closed: reopen it to change it."))
    return deal


def _converted_price(session: Session, price: Decimal, from_code: str, to_code: str) -> Decimal:
    if from_code == to_code:
        return price
    found = session.exec(select(Currency).where(col(Currency.code).in_([from_code, to_code])))
    rates = {c.code: c.rate for c in found.all()}
    src, dst = rates.get(from_code), rates.get(to_code)
    if not src or not dst:
        return price
    # rates are "units of this currency for one unit of the base"
    return (price / src * dst).quantize(deal_money.CENT, rounding=ROUND_HALF_UP)


def _summary(row: DealProduct) -> str:
    amounts = deal_money.row_amounts(row)
    return f"{row.quantity.normalize():f} × {row.unit_price} = {amounts.total}"


@deals._guarded
def add_row(
    *,
    session: Session,
    user: User,
    deal_id: Any,
    data: dict[str, Any] | None = None,
    product_id: Any = None,
    save_to_catalogue: bool = False,
    expected_version: int | None = None,
) -> DealProduct:
    """Add a row: a catalogue product (its name, price, unit and tax, which `data` may change)
    or a free row from `data`; `save_to_catalogue` also makes a free row a catalogue product."""
    deal = _editable_deal(session, user, deal_id, expected_version)
    count = session.exec(select(sa.func.count()).where(DealProduct.deal_id == deal.id)).one()
    if count >= deal_money.MAX_ROWS:
        raise ValidationError(
            {"name": Msg("A deal has at most {max} product rows.", max=deal_money.MAX_ROWS)}
        )
    data = dict(data or {})
    product = None
    if product_id not in (None, ""):
        product = products.get_product(session=session, user=user, product_id=product_id)
        if not product.is_active:
            raise ValidationError({"product_id": Msg("This product is deactivated.")})
        base = {
            "name": product.name,
            "unit": product.unit,
            "unit_price": _converted_price(session, product.price, product.currency_code, deal.currency_code),
            "tax_rate": product.tax_rate,
            "tax_included": product.tax_included,
        }
        data = {**base, **{k: v for k, v in data.items() if v not in (None, "")}}
    cleaned = deal_money.clean_row(data)
    if product is None and save_to_catalogue:
        product = products.create_product(
            session=session,
            user=user,
            data={
                "name": cleaned["name"],
                "price": cleaned["unit_price"],
                "currency_code": deal.currency_code,
                "unit": cleaned["unit"],
                "tax_rate": cleaned["tax_rate"],
                "tax_included": cleaned["tax_included"],
            },
            commit=False,
        )
    top = session.exec(select(sa.func.max(DealProduct.sort)).where(DealProduct.deal_id == deal.id)).one()
    row = DealProduct(
        deal_id=saved_id(deal),
        product_id=product.id if product else None,
        sort=(top or 0) + 10,
        **cleaned,
    )
    session.add(row)
    session.flush()
    _record(session, user, deal, "added", row.name, detail=_summary(row))
    _touch(deal)
    follow_products(session, user, deal)
    session.add(deal)
    deals._commit(session, deal, True)
    session.refresh(row)
    return row


def _row_of(session: Session, deal: Deal, row_id: Any) -> DealProduct:
    ident = records.int_or_none(row_id)
    row = session.get(DealProduct, ident) if ident is not None else None
    if row is None or row.deal_id != deal.id:
        raise NotFound(Msg("This product row does not exist any more."))
    return row


@deals._guarded
def update_row(
    *,
    session: Session,
    user: User,
    deal_id: Any,
    row_id: Any,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> DealProduct:
    deal = _editable_deal(session, user, deal_id, expected_version)
    row = _row_of(session, deal, row_id)
    keys = (
        "name",
        "unit",
        "quantity",
        "unit_price",
        "discount_type",
        "discount_value",
        "tax_rate",
        "tax_included",
    )
    current = {k: getattr(row, k) for k in keys}
    current["discount_type"] = row.discount_type.value
    cleaned = deal_money.clean_row({**current, **{k: v for k, v in data.items() if k in keys}})
    before = _summary(row)
    changed = [k for k in keys if cleaned[k] != getattr(row, k)]
    if not changed:
        return row
    for key in changed:
        setattr(row, key, cleaned[key])
    session.add(row)
    session.flush()
    _record(session, user, deal, "changed", row.name, old=before, new=_summary(row))
    _touch(deal)
    follow_products(session, user, deal)
    session.add(deal)
    deals._commit(session, deal, True)
    session.refresh(row)
    return row


@deals._guarded
def remove_row(
    *, session: Session, user: User, deal_id: Any, row_id: Any, expected_version: int | None = None
) -> Deal:
    deal = _editable_deal(session, user, deal_id, expected_version)
    row = _row_of(session, deal, row_id)
    _record(session, user, deal, "removed", row.name, detail=_summary(row))
    session.delete(row)
    session.flush()
    _touch(deal)
    follow_products(session, user, deal)
    session.add(deal)
    return deals._commit(session, deal, True)


def catalogue_hits(*, session: Session, user: User, text: str) -> list[products.ProductRow]:
    """ "Choose from the catalogue": active products by name or SKU."""
    if len((text or "").strip()) < 1:
        return []
    return products.search_catalogue(session=session, user=user, text=text, limit=10)


def product_of(session: Session, product_id: int) -> Product | None:
    return session.get(Product, product_id)
