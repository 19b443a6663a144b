"""The one text-search rule for lists and pickers: every word in a name column or an e-mail;
or, when the text looks like a phone number, a phone whatever its formatting
("06 12-34" finds +33612345678)."""

from __future__ import annotations

import re

from sqlalchemy import and_, func, or_
from sqlmodel import col, select

from crm_app.models import CommKind, Communication, EntityType
from crm_app.services.phones import digits

MAX_QUERY = 200
MAX_WORDS = 8
PHONE_LIKE = re.compile(r"^[\d\s().+\-/]+$")


def like_pattern(word: str) -> str:
    """%word% with LIKE's wildcards escaped (use with escape="\\")."""
    return "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _comm_ids(etype: EntityType, kind: CommKind, pattern: str):
    return select(Communication.entity_id).where(
        Communication.entity_type == etype,
        Communication.kind == kind,
        col(Communication.normalized).like(pattern, escape="\\"),
    )


def matching(etype: EntityType, id_column, name_columns: list, text: str):
    """A WHERE condition for records of `etype` (ids in `id_column`) matching `text`."""
    text = (text or "").strip()[:MAX_QUERY]
    words = [
        or_(
            *[func.lower(c).like(like_pattern(w), escape="\\") for c in name_columns],
            col(id_column).in_(_comm_ids(etype, CommKind.EMAIL, like_pattern(w))),
        )
        for w in text.split()[:MAX_WORDS]
    ]
    condition = and_(*words)
    number = digits(text)
    if len(number) >= 3 and PHONE_LIKE.match(text):
        phone = f"%{number.lstrip('0') or number}%"
        condition = or_(condition, col(id_column).in_(_comm_ids(etype, CommKind.PHONE, phone)))
    return condition
