"""Field checks shared by every form, the API and the CLI."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from crm_app.services.i18n import Msg

MAX_EMAIL = 254
MAX_NAME = 200


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, *, field_label: str, max_len: int, required: bool = False):
    """Strip, check length. Returns (value, error Msg or None). (Hot in imports: keep it lean.)"""
    value = (value or "").strip()
    if required and not value:
        return value, Msg("{field} is required.", field=Msg(field_label))
    if len(value) > max_len:
        return value, Msg("{field} must be at most {max} characters.", field=Msg(field_label), max=max_len)
    if _CONTROL.search(value):
        return value, Msg("{field} contains control characters.", field=Msg(field_label))
    return value, None


def normalize_email(raw: str | None) -> tuple[str, Msg | None]:
    """Lower-cased, syntax-checked address (no DNS look-up). Returns (email, error)."""
    value = (raw or "").strip()
    if not value:
        return "", Msg("E-mail is required.")
    if len(value) > MAX_EMAIL:
        return value, Msg("E-mail must be at most {max} characters.", max=MAX_EMAIL)
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return value, Msg("Enter a valid e-mail address, like name@example.com.")
    return info.normalized.lower(), None


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Téléphone mobile' -> 'telephone mobile'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())
