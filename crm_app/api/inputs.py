"""What every API input is bounded by: ids and versions fit their column, text is valid Unicode.

A number past 2**63 - 1 (e.g. `GET /api/v1/leads/9223372036854775808`, a huge `status_id`) or a
lone surrogate in JSON text (`"x\\ud800"`, valid JSON but not encodable as UTF-8) reached the
database driver and came back as a 500. Ids are INTEGER columns (at most 2**31 - 1 on PostgreSQL). Here they are refused as 422, field by field: path and
query ids through `IdPath` / `IdQuery`, body fields through `ApiModel` (its own fields and any
JSON nested inside them, e.g. the convert route's free-form parts).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_ID = 2**31 - 1  # ids and versions are INTEGER columns: PostgreSQL's largest INTEGER
MAX_INT = 2**63 - 1  # any other whole number (the largest BIGINT)
MAX_DEPTH = 8  # how deep JSON may nest inside one field

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=0, le=MAX_ID)]


def IdPath(description: str = "") -> Any:  # noqa: N802 - used like FastAPI's Path
    return Path(ge=1, le=MAX_ID, description=description)


def IdQuery(default: Any = None, *, alias: str | None = None, description: str = "") -> Any:  # noqa: N802
    return Query(default, ge=1, le=MAX_ID, alias=alias, description=description)


def _is_id_key(key: Any) -> bool:
    return isinstance(key, str) and (key in ("id", "version") or key.endswith("_id"))


def check_json(value: Any, depth: int = 0, *, limit: int = MAX_INT) -> None:
    """Raise ValueError for text that is not valid Unicode, whole numbers beyond `limit` (MAX_ID
    under a key named id, version or *_id), or nesting deeper than MAX_DEPTH, anywhere in `value`."""
    if depth > MAX_DEPTH:
        raise ValueError(f"Nested too deep (at most {MAX_DEPTH} levels).")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "Text must be valid Unicode (a lone surrogate such as \\ud800 is not)."
            ) from None
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -limit <= value <= limit:
            raise ValueError(f"Numbers here must be between {-limit} and {limit}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json(key, depth + 1)
            check_json(item, depth + 1, limit=MAX_ID if _is_id_key(key) else MAX_INT)
    elif isinstance(value, list | tuple):
        for item in value:
            check_json(item, depth + 1, limit=limit)


class ApiModel(BaseModel):
    """Base of every request body: unknown fields refused, every field checked by `check_json`."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        check_json(value)
        return value
