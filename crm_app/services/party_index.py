"""The search and sort columns of contacts and companies, kept by the write path.

Each contact and company keeps, like a lead (services/search_index), a folded search document
(`search_text`: names and e-mails, accents and case removed), its phones as digits
(`search_phones`), its primary e-mail and phone and the folded name its list sorts by
(`sort_name`). `uow` collects at flush the contacts and companies whose names, e-mails or phones
changed, whoever wrote them (a form, a conversion, a merge, the demo data) and `refresh` rebuilds
their columns before the commit, in the same transaction. The bulk seed fills them with the rows.

The list search has the lead list's matching rules (`search_index.parse`): every word in the
document (a word of two characters at the start of a word), or a phone with those digits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from crm_app.models.crm import SORT_NAME_LENGTH
from crm_app.services import display
from crm_app.services.search_index import _needle, document, fold, like_pattern, parse, phone_document

TABLES = ("contact", "company")
# what a contact's or company's search document and sort name are made of, besides its e-mails
# and phones
SEARCHED: dict[str, tuple[str, ...]] = {
    "contact": ("first_name", "second_name", "last_name", "position"),
    "company": ("name", "industry", "website"),
}
_BATCH = 500


def contact_columns(
    *,
    first_name: str = "",
    second_name: str = "",
    last_name: str = "",
    position: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
) -> dict[str, str]:
    """The search and sort columns of a contact from its values (e-mails and phones primary first)."""
    name = display.person_name(first_name, last_name, second_name)
    return {
        "search_text": document((first_name, second_name, last_name, position, *emails)),
        **_shared(name, emails, phones),
    }


def company_columns(
    *,
    name: str = "",
    industry: str = "",
    website: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
) -> dict[str, str]:
    """The search and sort columns of a company from its values."""
    return {"search_text": document((name, industry, website, *emails)), **_shared(name, emails, phones)}


def _shared(name: str, emails: Sequence[str], phones: Sequence[str]) -> dict[str, str]:
    return {
        "search_phones": phone_document(phones)[:1000],
        "primary_email": (emails[0] if emails else "")[:255],
        "primary_phone": (phones[0] if phones else "")[:50],
        "sort_name": fold(name)[:SORT_NAME_LENGTH],
    }


def matching(table, text: str | None):
    """The WHERE condition of a contact or company search (`table`: the model class); nothing
    matches a query that is too short."""
    query = parse(text)
    parts = []
    if query.words:
        parts.append(
            sa.and_(*[table.search_text.like(like_pattern(_needle(w)), escape="\\") for w in query.words])
        )
    if query.phone:
        parts.append(table.search_phones.like(like_pattern(query.phone), escape="\\"))
    return sa.or_(*parts) if parts else sa.false()


def refresh(conn: sa.Connection, table_name: str, ids: Iterable[int]) -> int:
    """Rebuild the search and sort columns of these contacts or companies from their rows (Core:
    one read per batch, one executemany); `updated_at` and `version` stay as they are."""
    from crm_app.models import CommKind, Communication, Company, Contact, EntityType
    from crm_app.models.base import table_of

    model, entity = (
        (Contact, EntityType.CONTACT) if table_name == "contact" else (Company, EntityType.COMPANY)
    )
    table = table_of(model)
    comm = table_of(Communication)
    fields = SEARCHED[table_name]
    build = contact_columns if table_name == "contact" else company_columns
    wanted = sorted({int(i) for i in ids if i})
    done = 0
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        rows = conn.execute(
            sa.select(table.c.id, *[table.c[f] for f in fields]).where(table.c.id.in_(chunk))
        ).all()
        comms: dict[int, dict[str, list[str]]] = {i: {"emails": [], "phones": []} for i in chunk}
        for entity_id, kind, normalized in conn.execute(
            sa.select(comm.c.entity_id, comm.c.kind, comm.c.normalized)
            .where(comm.c.entity_type == entity, comm.c.entity_id.in_(chunk))
            .order_by(comm.c.is_primary.desc(), comm.c.id)
        ):
            key = "emails" if kind == CommKind.EMAIL else "phones" if kind == CommKind.PHONE else None
            if key:
                comms[entity_id][key].append(normalized)
        values = []
        for row in rows:
            texts: dict[str, str] = {f: v or "" for f, v in zip(fields, row[1:], strict=True)}
            emails, phones = comms[row[0]]["emails"], comms[row[0]]["phones"]
            values.append({"b_id": row[0], **build(**texts, emails=emails, phones=phones)})
        if values:
            written = [k for k in values[0] if k != "b_id"]
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("b_id"))
                .values({**{k: sa.bindparam(k) for k in written}, "updated_at": table.c.updated_at}),
                values,
            )
        done += len(values)
    return done


def rebuild_all(conn: sa.Connection, table_name: str) -> int:
    """Every row's columns (the migration that adds them, `crm db reindex`)."""
    table = sa.table(table_name, sa.column("id"))
    total, last = 0, 0
    while True:
        ids = list(
            conn.execute(
                sa.select(table.c.id).where(table.c.id > last).order_by(table.c.id).limit(_BATCH * 10)
            ).scalars()
        )
        if not ids:
            return total
        total += refresh(conn, table_name, ids)
        last = ids[-1]
