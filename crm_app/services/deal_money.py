"""The money of a deal's product rows: each row's amounts and the deal's totals, in `Decimal`.

Rounded per row the way an invoice is: a row's amount before discount, its discount, its tax and
its total are each rounded to cents (half up), and the deal's totals are the sums of the rounded
row amounts, so the totals always add up to what the rows show.

- amount = quantity x unit price
- discount: a % of the amount, or an amount of money for the row (never more than the amount)
- net = amount - discount
- tax added: tax = net x rate; total = net + tax
- tax included: the net already holds the tax: tax = net - net / (1 + rate); total = net
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crm_app.models import DiscountType
from crm_app.services import money
from crm_app.services.errors import ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.validation import clean_text

CENT = money.CENT
QUANTUM_QTY = Decimal("0.001")
MAX_QUANTITY = Decimal("1000000")
MAX_ROWS = 500  # product rows on one deal
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RowInput:
    """What a row's money is computed from (a DealProduct has these attributes)."""

    quantity: Decimal
    unit_price: Decimal
    discount_type: DiscountType = DiscountType.PERCENT
    discount_value: Decimal = ZERO
    tax_rate: Decimal = ZERO
    tax_included: bool = False


@dataclass(frozen=True)
class RowAmounts:
    amount: Decimal  # quantity x unit price
    discount: Decimal
    net: Decimal  # after the discount (holds the tax when the tax is included)
    tax: Decimal
    total: Decimal


@dataclass
class Totals:
    subtotal: Decimal = ZERO  # the rows' amounts before discount
    discount: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO
    rows: int = 0
    per_row: list[RowAmounts] = field(default_factory=list)


def row_amounts(row: Any) -> RowAmounts:
    """The rounded amounts of one row (`row`: a RowInput, a DealProduct or anything alike)."""
    amount = cents(Decimal(row.quantity) * Decimal(row.unit_price))
    value = Decimal(row.discount_value or 0)
    if DiscountType(row.discount_type) == DiscountType.PERCENT:
        discount = cents(amount * value / HUNDRED)
    else:
        discount = cents(value)
    discount = min(discount, amount)
    net = amount - discount
    rate = Decimal(row.tax_rate or 0)
    if row.tax_included:
        tax = cents(net - net / (1 + rate / HUNDRED)) if rate else ZERO
        total = net
    else:
        tax = cents(net * rate / HUNDRED)
        total = net + tax
    return RowAmounts(amount=amount, discount=discount, net=net, tax=tax, total=total)


def totals(rows: list[Any]) -> Totals:
    out = Totals()
    for row in rows:
        amounts = row_amounts(row)
        out.per_row.append(amounts)
        out.subtotal += amounts.amount
        out.discount += amounts.discount
        out.tax += amounts.tax
        out.total += amounts.total
        out.rows += 1
    return out


# --- checking a row as typed ---------------------------------------------------------------------


def _number(value: Any, key: str, errors: dict[str, Msg], message: Msg) -> Decimal | None:
    if money.is_blank(value):
        return None
    number = money.parse_decimal(value)
    if number is None:
        errors[key] = message
    return number


def clean_row(data: dict[str, Any]) -> dict[str, Any]:
    """A product row's fields as typed (name, quantity, unit, unit_price, discount_type,
    discount_value, tax_rate, tax_included), checked; ValidationError names each bad field."""
    errors: dict[str, Msg] = {}
    out: dict[str, Any] = {}
    out["name"], err = clean_text(
        None if data.get("name") is None else str(data.get("name")),
        field_label=N_("Product"),
        max_len=255,
        required=True,
    )
    if err:
        errors["name"] = err
    out["unit"], err = clean_text(
        None if data.get("unit") is None else str(data.get("unit")), field_label=N_("Unit"), max_len=20
    )
    if err:
        errors["unit"] = err
    out["unit"] = out["unit"] or "pcs"

    qty = _number(data.get("quantity", "1"), "quantity", errors, Msg("Enter a quantity, like 1 or 2.5."))
    if "quantity" not in errors:
        if qty is None or qty <= 0:
            errors["quantity"] = Msg("The quantity must be more than 0.")
        elif qty > MAX_QUANTITY:
            errors["quantity"] = Msg("The quantity is at most {max}.", max=str(MAX_QUANTITY))
        elif qty != qty.quantize(QUANTUM_QTY):
            errors["quantity"] = Msg("A quantity has at most 3 decimal places.")
    out["quantity"] = qty.quantize(QUANTUM_QTY) if qty is not None and "quantity" not in errors else None

    price, err = money.clean_amount(data.get("unit_price"))
    if err:
        errors["unit_price"] = (
            Msg("A price cannot be negative.")
            if (n := money.parse_decimal(data.get("unit_price"))) is not None and n < 0
            else err
        )
    out["unit_price"] = price if price is not None else ZERO

    try:
        out["discount_type"] = DiscountType(str(data.get("discount_type") or DiscountType.PERCENT.value))
    except ValueError:
        errors["discount_type"] = Msg("Choose % or an amount.")
        out["discount_type"] = DiscountType.PERCENT
    disc = _number(
        data.get("discount_value"), "discount_value", errors, Msg("Enter a discount, like 10 or 10.50.")
    )
    disc = disc if disc is not None else ZERO
    if "discount_value" not in errors:
        if disc < 0:
            errors["discount_value"] = Msg("A discount cannot be negative.")
        elif out["discount_type"] == DiscountType.PERCENT and disc > HUNDRED:
            errors["discount_value"] = Msg("A discount is at most 100 %.")
        elif out["discount_type"] == DiscountType.AMOUNT and qty is not None and "quantity" not in errors:
            if cents(disc) > cents(qty * out["unit_price"]):
                errors["discount_value"] = Msg("The discount is more than the row's amount.")
    out["discount_value"] = cents(disc) if "discount_value" not in errors else ZERO

    rate, err = money.clean_percent(data.get("tax_rate"))
    if err:
        errors["tax_rate"] = Msg("Enter a tax rate from 0 to 100 %.")
    out["tax_rate"] = rate if rate is not None else ZERO
    included = data.get("tax_included")
    out["tax_included"] = included is True or str(included).lower() in ("1", "true", "on", "yes")
    if errors:
        raise ValidationError(errors)
    return out
