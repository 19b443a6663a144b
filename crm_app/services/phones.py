"""Phone numbers: E.164 with `phonenumbers`, in the CRM's default region (Settings -> Leads)."""

from __future__ import annotations

import functools
import os
import re

import phonenumbers
from sqlmodel import Session

from crm_app.models import AppSetting
from crm_app.services.i18n import Msg

DEFAULT_REGION = os.environ.get("CRM_PHONE_REGION", "FR").upper()
MAX_PHONE = 50


def get_region(*, session: Session) -> str:
    """Read once per session (a unit of work): validating many phones must not query it each time."""
    cached = session.info.get("phone_region")
    if cached:
        return cached
    row = session.get(AppSetting, "phone_region")
    value = row.value if row else None
    region = value if isinstance(value, str) and value in phonenumbers.SUPPORTED_REGIONS else DEFAULT_REGION
    session.info["phone_region"] = region
    return region


def set_region(*, session: Session, region: str) -> str:
    region = (region or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        from crm_app.services.errors import ValidationError

        raise ValidationError({"phone_region": Msg("Choose a country.")})
    row = session.get(AppSetting, "phone_region") or AppSetting(key="phone_region")
    row.value = region
    session.add(row)
    session.commit()
    session.info["phone_region"] = region
    return region


def normalize_phone(raw: str | None, region: str) -> tuple[str, Msg | None]:
    """('+33123456789', None), or (raw, error). Numbers without a country code use `region`."""
    value = (raw or "").strip()
    if not value:
        return "", Msg("Enter a phone number.")
    if len(value) > MAX_PHONE:
        return value, Msg("A phone number has at most {max} characters.", max=MAX_PHONE)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value, Msg("Enter a valid phone number, like +33 1 23 45 67 89.")
    if not phonenumbers.is_possible_number(number):
        return value, Msg("Enter a valid phone number, like +33 1 23 45 67 89.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


@functools.lru_cache(maxsize=4096)
def display_phone(e164: str) -> str:
    """The international form of a stored number ("+33 1 23 45 67 89"); cached: a list page
    formats the same numbers on every open, and parsing one costs about 0.1 ms."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")
