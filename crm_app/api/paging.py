"""What every record route shares: keyset cursors for the lists, and the version a PATCH is
based on (the `version` body field or `If-Match` with the record's `ETag`)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError

from crm_app.api.inputs import MAX_ID


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor stands for (None: the first page); a cursor that does not decode is a 422."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "v1" or not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
            raise ValueError(cursor)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise RequestValidationError(
            [{"loc": ("query", "cursor"), "msg": "Invalid cursor.", "type": "value_error", "input": cursor}]
        ) from None


def etag(record: Any) -> str:
    """A record's version as an entity tag: `"7"`."""
    return f'"{record.version}"'


def if_match_version(header: str, what: str = "record") -> int | None:
    """The version an If-Match header names (`"7"`, `W/"7"`, several: the first), None for `*`."""
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" in tags:
        return None
    for tag in tags:
        value = tag.removeprefix("W/").strip('"')
        if value.isdigit() and len(value) <= 10 and int(value) <= MAX_ID:
            return int(value)
    raise HTTPException(
        status.HTTP_412_PRECONDITION_FAILED, detail=f"If-Match names no version of this {what}."
    )


def page(rows: list, limit: int) -> tuple[list, str | None]:
    """A page read with `limit + 1` rows: the rows to send and the next cursor (None: the last)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id or 0) if more and rows else None
