"""The default phone region: the country assumed for numbers typed without +country code."""

from __future__ import annotations

import unicodedata
from functools import cache

import phonenumbers
from sqlmodel import Session

from crm_app.models import (
    User,
)
from crm_app.services import permissions, phones
from crm_app.services import settings_lists as sl
from crm_app.services.i18n import normalize_language


def get_phone_region(*, session: Session, user: User) -> str:
    permissions.require_user(user)
    return phones.get_region(session=session)


def set_phone_region(*, session: Session, user: User, region: str) -> str:
    """The country assumed for phone numbers typed without a +country code."""
    sl.admin(session, user)
    return phones.set_region(session=session, region=region)


@cache
def region_choices(lang: str = "en") -> list[tuple[str, str]]:
    """[(region code, "France (+33)")] for every region phonenumbers knows, by name in `lang`."""
    from babel import Locale

    names = Locale.parse(normalize_language(lang)).territories
    out = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        if code == "001":  # non-geographic numbers
            continue
        name = names.get(code, code)
        out.append((code, f"{name} (+{phonenumbers.country_code_for_region(code)})"))
    return sorted(out, key=lambda item: unicodedata.normalize("NFKD", item[1]).casefold())
