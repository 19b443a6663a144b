"""Currencies (Settings -> Deals): one base currency, the others with a rate to it.

A rate says how many units of the currency one unit of the base buys (base EUR, USD 1.08: 1 EUR
= 1.08 USD), so an amount in the base currency is `amount / rate` (`to_base`: the kanban's and the
reports' totals). The base's rate is always 1; making another currency the base divides every rate
by the new base's old one, so the amounts in base currency mean the same. Codes are ISO 4217 codes
babel knows; the name defaults to babel's name in the user's language. The base currency, and a
currency that leads, deals or products use, cannot be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from babel.numbers import get_currency_name, list_currencies
from sqlmodel import Session, col, select

from crm_app.models import Currency, Deal, Lead, Product, User
from crm_app.services import money, permissions, uow
from crm_app.services import settings_lists as sl
from crm_app.services.errors import NotFound, ValidationError
from crm_app.services.formatting import locale
from crm_app.services.i18n import Msg

RATE_PLACES = Decimal("0.000001")  # the column's scale (fixed_field(6))
MAX_RATE = Decimal("1000000000")
MAX_CURRENCIES = 60
_USERS_OF: list[tuple[Any, Any]] = [
    (Lead, Lead.currency_code),
    (Deal, Deal.currency_code),
    (Product, Product.currency_code),
]


class CurrencyInUse(sl.InUse):
    """Records are in this currency: it stays until they are changed."""


@dataclass
class CurrencyRow:
    code: str
    name: str
    rate: Decimal
    is_base: bool
    version: int
    usage: int  # leads + deals + products in this currency
    can_up: bool
    can_down: bool
    can_delete: bool


@cache
def known_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def _ordered(session: Session) -> list[Currency]:
    """The base first, then the others in their order."""
    rows = session.exec(select(Currency).order_by(col(Currency.sort), col(Currency.code))).all()
    return sorted(rows, key=lambda c: not c.is_base)


def codes(session: Session) -> list[str]:
    """The CRM's currency codes, the base first (what a currency choice offers)."""
    return [c.code for c in _ordered(session)]


def _get(session: Session, code: Any) -> Currency:
    currency = session.get(Currency, str(code or "").strip().upper()[:3])
    if currency is None:
        raise NotFound(Msg("This currency does not exist or was deleted."))
    return currency


def _usage(session: Session) -> dict[str, int]:
    out: dict[str, int] = {}
    for _model, column in _USERS_OF:
        stmt = select(column, sa.func.count()).where(column.is_not(None)).group_by(column)
        for code, n in session.exec(stmt).all():
            out[code] = out.get(code, 0) + n
    return out


def clean_code(code: str | None) -> str:
    value = (code or "").strip().upper()
    if len(value) != 3 or value not in known_codes():
        raise ValidationError({"code": Msg("Enter a three-letter ISO 4217 code, such as EUR or USD.")})
    return value


def clean_rate(rate: Any) -> Decimal:
    """A positive rate with at most 6 decimal places (rounded there)."""
    value = money.parse_decimal(rate)
    if value is None:
        raise ValidationError({"rate": Msg("Enter the rate as a number, such as 1.08.")})
    if value > MAX_RATE or value.quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN) <= 0:
        raise ValidationError(
            {"rate": Msg("The rate must be above 0 and at most {max}.", max=str(int(MAX_RATE)))}
        )
    return value.quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


def list_currencies_rows(*, session: Session, user: User) -> list[CurrencyRow]:
    permissions.require_user(user)
    rows = _ordered(session)
    usage = _usage(session)
    out = []
    for i, c in enumerate(rows):
        out.append(
            CurrencyRow(
                code=c.code,
                name=c.name,
                rate=c.rate,
                is_base=c.is_base,
                version=c.version,
                usage=usage.get(c.code, 0),
                can_up=i > 1 and not c.is_base,
                can_down=0 < i < len(rows) - 1 and not c.is_base,
                can_delete=not c.is_base and usage.get(c.code, 0) == 0,
            )
        )
    return out


def add_currency(
    *, session: Session, user: User, code: str, rate: Any, name: str | None = None, lang: str = "en"
) -> Currency:
    """A new currency at the end of the list; its name is babel's when left empty."""
    sl.admin(session, user)
    existing = _ordered(session)
    errors: dict[str, Msg] = {}
    value_code = ""
    try:
        value_code = clean_code(code)
        if any(c.code == value_code for c in existing):
            errors["code"] = Msg("This currency is already in the list.")
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        value_rate = clean_rate(rate)
    except ValidationError as exc:
        errors.update(exc.errors)
        value_rate = Decimal(1)
    text = (name or "").strip()
    if not text and value_code and "code" not in errors:
        text = get_currency_name(value_code, locale=locale(lang))
    if text or "code" not in errors:  # an empty name follows the code: no second error for it
        try:
            text = sl.clean_name(text, [(i, c.name) for i, c in enumerate(existing)])
        except ValidationError as exc:
            errors.update(exc.errors)
    if len(existing) >= MAX_CURRENCIES:
        errors[""] = Msg("A list holds at most {max} items.", max=MAX_CURRENCIES)
    if errors:
        raise ValidationError(errors)
    currency = Currency(code=value_code, name=text, rate=value_rate, is_base=False, sort=0)
    session.add(currency)
    sl.renumber(session, [*existing, currency])
    uow.commit(session)
    session.refresh(currency)
    return currency


def update_currency(
    *,
    session: Session,
    user: User,
    code: str,
    name: str | None = None,
    rate: Any = None,
    expected_version: int | None = None,
) -> Currency:
    """Rename and/or change the rate (the base's rate stays 1). `expected_version`: the version
    the form showed; someone else's change meanwhile is refused (StaleRecord)."""
    sl.admin(session, user)
    currency = _get(session, code)
    sl.check_version(currency, expected_version)
    errors: dict[str, Msg] = {}
    new_name, new_rate = currency.name, currency.rate
    if name is not None:
        try:
            others = [(c.code, c.name) for c in _ordered(session)]
            new_name = sl.clean_name(name, others, exclude_id=currency.code)  # pyright: ignore[reportArgumentType]
        except ValidationError as exc:
            errors.update(exc.errors)
    if rate is not None and str(rate).strip() != "":
        try:
            new_rate = clean_rate(rate)
        except ValidationError as exc:
            errors.update(exc.errors)
        if currency.is_base and "rate" not in errors and new_rate != 1:
            errors["rate"] = Msg("The base currency's rate is always 1.")
    if errors:
        raise ValidationError(errors)
    if (new_name, new_rate) != (currency.name, currency.rate):
        currency.name, currency.rate = new_name, new_rate
        session.add(currency)
        uow.commit(session)
        session.refresh(currency)
    return currency


def set_base(*, session: Session, user: User, code: str) -> Currency:
    """Make `code` the base: its rate becomes 1, every other rate is divided by its old rate."""
    sl.admin(session, user)
    new_base = _get(session, code)
    if new_base.is_base:
        return new_base
    factor = new_base.rate
    for c in _ordered(session):
        if c.code == new_base.code:
            c.rate, c.is_base = Decimal(1), True
        else:
            c.rate = max((c.rate / factor).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN), RATE_PLACES)
            c.is_base = False
        session.add(c)
    sl.renumber(session, _ordered_after_base(session, new_base))
    uow.commit(session)
    session.refresh(new_base)
    return new_base


def move_currency(*, session: Session, user: User, code: str, direction: str) -> bool:
    """Up or down among the non-base currencies (the base always comes first)."""
    sl.admin(session, user)
    currency = _get(session, code)
    rows = _ordered(session)
    index = next(i for i, c in enumerate(rows) if c.code == currency.code)
    if direction not in ("up", "down"):
        raise ValidationError({"": Msg("Move up or down.")})
    other = index - 1 if direction == "up" else index + 1
    if currency.is_base or not 0 <= other < len(rows) or rows[other].is_base:
        return False
    rows[index], rows[other] = rows[other], rows[index]
    sl.renumber(session, rows)
    uow.commit(session)
    return True


def delete_currency(*, session: Session, user: User, code: str) -> None:
    sl.admin(session, user)
    currency = _get(session, code)
    if currency.is_base:
        raise ValidationError(
            {"": Msg("The base currency cannot be deleted: make another one the base first.")}
        )
    used = _usage(session).get(currency.code, 0)
    if used:
        raise CurrencyInUse(
            Msg(
                "{count} record uses this currency: change it before deleting the currency.",
                plural="{count} records use this currency: change them before deleting the currency.",
                count=used,
            ),
            used,
        )
    session.delete(currency)
    session.flush()
    sl.renumber(session, [c for c in _ordered(session) if c.code != currency.code])
    uow.commit(session)


def to_base(amount: Decimal | None, rate: Decimal | None) -> Decimal:
    """An amount in a currency of `rate`, in the base currency (money's 2 places, half-even)."""
    if amount is None:
        return Decimal(0)
    if not rate or rate <= 0:
        return amount
    return (amount / rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def _ordered_after_base(session: Session, base: Currency) -> list[Currency]:
    rows = [c for c in _ordered(session) if c.code != base.code]
    return [base, *rows]
