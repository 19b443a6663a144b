"""Money, dates and numbers shown to people, in their language (Babel)."""

from __future__ import annotations

import functools
import os
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from crm_app.services.i18n import normalize_language

TIMEZONE = ZoneInfo(os.environ.get("CRM_TIMEZONE", "UTC"))
_LOCALES = {"en": "en_GB", "fr": "fr_FR"}


def locale(lang: str) -> str:
    return _LOCALES.get(normalize_language(lang), "en_GB")


@functools.lru_cache(maxsize=4096)
def money(amount: Decimal | None, currency: str | None, lang: str) -> str:
    """An amount in its currency for `lang` (cached: babel takes about 0.1 ms a call, and a list
    page shows the same amounts on every open; equal Decimals format alike at the currency's
    precision)."""
    if amount is None:
        return ""
    if not currency:
        return format_decimal(amount, format="#,##0.00", locale=locale(lang))
    money_locale = "en_US" if normalize_language(lang) == "en" else locale(lang)
    return format_currency(amount, currency, locale=money_locale)


def number(value: int, lang: str) -> str:
    return format_decimal(value, locale=locale(lang))


def decimal_text(value: Decimal, lang: str) -> str:
    """An exact decimal (a rate) as `lang` writes it, up to 6 places: 1.08, 1,08, 0,925926."""
    return format_decimal(value, format="#,##0.######", locale=locale(lang))


def when(at: datetime | None, lang: str) -> str:
    """Date and time in the CRM's time zone (CRM_TIMEZONE, default UTC): the date as `day` writes
    it, then the time, joined the language's way ("1 Dec 2026, 18:50", "1 déc. 2026, 18:50").
    Every date and time on screen comes from `day` or `when`: one format per language."""
    if at is None:
        return ""
    local = at.astimezone(TIMEZONE)
    loc = locale(lang)
    pattern = str(Locale.parse(loc).datetime_formats["medium"])
    return pattern.format(format_time(local, "short", locale=loc), format_date(local, "medium", locale=loc))


def day(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(TIMEZONE).date()
    return _medium_date(value, lang)


@functools.lru_cache(maxsize=4096)
def _medium_date(value: date, lang: str) -> str:
    return format_date(value, "medium", locale=locale(lang))
