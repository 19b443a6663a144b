"""One display name per entity, for lists, cards, search results, merges and conversions alike.

Each function takes a model instance, a SQL result row whose columns carry the field names
(`select(Lead.first_name, ...)` rows do), or the raw values as keywords:

    display.lead_name(lead)
    display.lead_name(first_name="Ann", last_name="Smith", company_name="Acme")

The rules: a person is "first middle last"; a lead is its person, else its company, else its
title; a contact its person; a company its name; a deal its title. `*_COLUMNS` are the columns
a select needs to compute the name.
"""

from __future__ import annotations

from typing import Any

from crm_app.models import Company, Contact, Deal, Lead


def _get(record: Any, name: str, given: dict[str, Any]) -> str:
    if record is not None:
        value = getattr(record, name, None)
    else:
        value = given.get(name)
    return str(value or "").strip()


def person_name(first: str | None = "", last: str | None = "", second: str | None = "") -> str:
    """ "first middle last", skipping the empty parts."""
    return " ".join(p.strip() for p in (first or "", second or "", last or "") if p and p.strip())


def lead_person(record: Any = None, /, **values: Any) -> str:
    """The person part of a lead (empty for a company-only lead)."""
    return person_name(
        _get(record, "first_name", values),
        _get(record, "last_name", values),
        _get(record, "second_name", values),
    )


def lead_name(record: Any = None, /, **values: Any) -> str:
    """A lead's name: its person, else its company name, else its title, else "#id"."""
    name = (
        lead_person(record, **values) or _get(record, "company_name", values) or _get(record, "title", values)
    )
    return name or _id_name(record, values)


def contact_name(record: Any = None, /, **values: Any) -> str:
    return person_name(
        _get(record, "first_name", values),
        _get(record, "last_name", values),
        _get(record, "second_name", values),
    ) or _id_name(record, values)


def company_name(record: Any = None, /, **values: Any) -> str:
    return _get(record, "name", values) or _id_name(record, values)


def deal_name(record: Any = None, /, **values: Any) -> str:
    return _get(record, "title", values) or _id_name(record, values)


def _id_name(record: Any, values: dict[str, Any]) -> str:
    ident = _get(record, "id", values)
    return f"#{ident}" if ident else ""


def name_of(record: Any) -> str:
    """The display name of any contact, company, deal or lead instance."""
    if isinstance(record, Lead):
        return lead_name(record)
    if isinstance(record, Contact):
        return contact_name(record)
    if isinstance(record, Company):
        return company_name(record)
    if isinstance(record, Deal):
        return deal_name(record)
    raise TypeError(f"no display name for {type(record).__name__}")


LEAD_COLUMNS = (Lead.id, Lead.first_name, Lead.second_name, Lead.last_name, Lead.company_name, Lead.title)
CONTACT_COLUMNS = (Contact.id, Contact.first_name, Contact.second_name, Contact.last_name)
COMPANY_COLUMNS = (Company.id, Company.name)
DEAL_COLUMNS = (Deal.id, Deal.title)
