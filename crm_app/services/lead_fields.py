"""Lead fields: their labels and limits, the lead statuses, and the one validation of lead values
(`clean_lead_data`) that every way in uses."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from crm_app.models import (
    Currency,
    Pipeline,
    PipelineKind,
    Source,
    Stage,
    StageSemantic,
    User,
)
from crm_app.services import defaults, money
from crm_app.services.errors import ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.phones import get_region, normalize_phone
from crm_app.services.validation import clean_text, normalize_email

if TYPE_CHECKING:
    pass

# field -> (label, max length)
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "title": (N_("Lead title"), 255),
    "honorific": (N_("Salutation"), 20),
    "first_name": (N_("First name"), 100),
    "second_name": (N_("Middle name"), 100),
    "last_name": (N_("Last name"), 100),
    "company_name": (N_("Company name"), 255),
    "position": (N_("Position"), 255),
    "website": (N_("Website"), 255),
    "address": (N_("Address"), 1000),
    "comment": (N_("Comment"), 10_000),
}
REF_FIELDS = ("status_id", "source_id", "responsible_id")
MONEY_FIELDS = ("amount", "currency_code")
LIST_FIELDS = ("phones", "emails")
ALL_FIELDS = (*TEXT_FIELDS, *REF_FIELDS, *MONEY_FIELDS, *LIST_FIELDS)
MAX_ITEMS = 10  # phones or e-mails per lead
MAX_AMOUNT = money.MAX_AMOUNT
ORIGINS = ("form", "import", "web_form", "api", "cli", "merge")


# --- reference data ------------------------------------------------------------------------


def lead_pipeline(session: Session) -> Pipeline:
    pipeline = session.exec(select(Pipeline).where(Pipeline.kind == PipelineKind.LEAD)).first()
    if pipeline is None:
        defaults.ensure_defaults(session=session)
        pipeline = session.exec(select(Pipeline).where(Pipeline.kind == PipelineKind.LEAD)).one()
    return pipeline


def lead_statuses(session: Session) -> list[Stage]:
    """The lead statuses in their order: one query (the lead pipeline joined), every page of
    leads reads them."""
    stmt = (
        select(Stage)
        .join(Pipeline, col(Pipeline.id) == col(Stage.pipeline_id))
        .where(Pipeline.kind == PipelineKind.LEAD)
        .order_by(col(Stage.sort), col(Stage.id))
    )
    statuses = list(session.exec(stmt))
    if not statuses:  # a new database: the defaults, then what they made
        pipeline = lead_pipeline(session)
        statuses = list(
            session.exec(
                select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(col(Stage.sort), col(Stage.id))
            )
        )
    return statuses


def first_status(session: Session) -> Stage:
    return next(s for s in lead_statuses(session) if s.semantic == StageSemantic.IN_PROGRESS)


# --- validation ----------------------------------------------------------------------------


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[\n,;]+", value)
    else:
        parts = [str(v) for v in value]
    return [p.strip() for p in parts if p and p.strip()]


def int_or_none(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid id: reported as a field error


def _website_problem(value: str) -> Msg | None:
    if value and (" " in value or "." not in value or value.lower().startswith(("javascript:", "data:"))):
        return Msg("Enter a web address, like example.com.")
    return None


def clean_lead_data(session: Session, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Checks and normalises lead fields. Returns the cleaned values of the fields given.

    Phones become [(shown value, E.164)], e-mails [(shown value, lower-case)]. Raises
    ValidationError with one message per bad field. `partial` cleans only the keys present.
    """
    errors: dict[str, Msg] = {}
    out: dict[str, Any] = {}
    keys = [k for k in ALL_FIELDS if k in data] if partial else list(ALL_FIELDS)
    for key in keys:
        value = data.get(key)
        if key in TEXT_FIELDS:
            label, max_len = TEXT_FIELDS[key]
            text, err = clean_text(None if value is None else str(value), field_label=label, max_len=max_len)
            if not err and key == "website":
                err = _website_problem(text)
            if err:
                errors[key] = err
            out[key] = text
        elif key == "emails":
            items = as_list(value)
            if len(items) > MAX_ITEMS:
                errors[key] = Msg("At most {max} e-mails.", max=MAX_ITEMS)
            cleaned = []
            for item in items[:MAX_ITEMS]:
                norm, err = normalize_email(item)
                if err:
                    errors[key] = Msg("{value}: {problem}", value=item[:60], problem=err)
                    break
                if norm not in {n for _, n in cleaned}:
                    cleaned.append((item, norm))
            out[key] = cleaned
        elif key == "phones":
            items = as_list(value)
            if len(items) > MAX_ITEMS:
                errors[key] = Msg("At most {max} phone numbers.", max=MAX_ITEMS)
            region = get_region(session=session)
            cleaned = []
            for item in items[:MAX_ITEMS]:
                norm, err = normalize_phone(item, region)
                if err:
                    errors[key] = Msg("{value}: {problem}", value=item[:60], problem=err)
                    break
                if norm not in {n for _, n in cleaned}:
                    cleaned.append((item, norm))
            out[key] = cleaned
        elif key == "amount":
            out[key], err = money.clean_amount(value)
            if err:
                errors[key] = err
        elif key == "currency_code":
            code = str(value or "").strip().upper() or None
            if code and session.get(Currency, code) is None:
                errors[key] = Msg("Unknown currency.")
            out[key] = code
        elif key == "status_id":
            status_id = int_or_none(value)
            if status_id is not None:
                stage = session.get(Stage, status_id)
                if stage is None or stage.pipeline_id != lead_pipeline(session).id:
                    errors[key] = Msg("Choose a status.")
            out[key] = status_id
        elif key == "source_id":
            source_id = int_or_none(value)
            if source_id is not None and session.get(Source, source_id) is None:
                errors[key] = Msg("Choose a source.")
            out[key] = source_id
        elif key == "responsible_id":
            user_id = int_or_none(value)
            if user_id is not None:
                user = session.get(User, user_id)
                if user is None or not user.is_active:
                    errors[key] = Msg("Choose an active user.")
            out[key] = user_id
    if not partial and not any(out.get(k) for k in ("first_name", "last_name", "company_name", "title")):
        errors.setdefault("last_name", Msg("Enter a name, a company name or a lead title."))
    if out.get("amount") is not None and "currency_code" in out and not out.get("currency_code"):
        out["currency_code"] = defaults.base_currency(session=session)
    if errors:
        raise ValidationError(errors)
    return out
