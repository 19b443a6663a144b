"""Numbers as users type them (amounts, prices, rates, percentages), read into `Decimal`.

One reading for every form, import and API input: spaces (also the non-breaking ones French
uses between thousands) are dropped, a lone comma is the decimal separator ("12,50"), a comma
with a dot is a thousands separator ("1,234.50"). Never a float.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from crm_app.services.i18n import Msg

MAX_AMOUNT = Decimal("999999999999999")
CENT = Decimal("0.01")
MAX_TEXT = 40  # characters of a number as typed: past that it is not a number a user means


def parse_decimal(value: Any) -> Decimal | None:
    """The number in `value` (a str, int or Decimal), or None when it holds none (empty too)."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    text = str(value if value is not None else "").strip()
    text = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not text or len(text) > MAX_TEXT:
        return None
    if "," in text:
        text = text.replace(",", "") if "." in text else text.replace(",", ".", 1)
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_amount(value: Any) -> tuple[Decimal | None, Msg | None]:
    """An amount of money: empty is None; else at least 0, at most MAX_AMOUNT, rounded to cents.
    Returns (amount, error)."""
    if is_blank(value):
        return None, None
    amount = parse_decimal(value)
    if amount is None or amount < 0:
        return None, Msg("Enter an amount, like 1500 or 1500.50.")
    if amount > MAX_AMOUNT:
        return None, Msg("This amount is too large.")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP), None


def clean_percent(value: Any) -> tuple[Decimal | None, Msg | None]:
    """A rate in % from 0 to 100 ("20", "5,5", "20 %"), two decimal places. Returns (rate, error)."""
    if is_blank(value):
        return None, None
    text = str(value).strip().removesuffix("%") if isinstance(value, str) else value
    rate = parse_decimal(text)
    if rate is None or not 0 <= rate <= 100:
        return None, Msg("Enter a rate from 0 to 100 %.")
    return rate.quantize(CENT, rounding=ROUND_HALF_UP), None
