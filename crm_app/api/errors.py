"""Service errors as HTTP answers; messages in English (the API's language).

PermissionDenied (a record the key's user may not see or change, per Settings -> Permissions)
is 403 with the service's message, e.g. "You may not change this lead: it belongs to another user."
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from crm_app.services.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StaleRecord,
    Throttled,
    ValidationError,
)


def install(api: FastAPI) -> None:
    api.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    api.add_exception_handler(StaleDataError, _stale_data)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]


def _printable(value: Any) -> Any:
    """`value` with any text that UTF-8 cannot encode (a lone surrogate) shown escaped (\\ud800)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, whose `input` echoes what was sent: escaped, so that echoing a lone
    surrogate cannot turn the answer into a 500."""
    return JSONResponse({"detail": _printable(jsonable_encoder(exc.errors()))}, status_code=422)


def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    if isinstance(exc, ValidationError):
        detail = [
            {"loc": ["body", field] if field else ["body"], "msg": str(msg), "type": "value_error"}
            for field, msg in exc.errors.items()
        ]
        return JSONResponse({"detail": detail}, status_code=422)
    code = status.HTTP_400_BAD_REQUEST
    headers = None
    if isinstance(exc, NotFound):
        code = status.HTTP_404_NOT_FOUND
    elif isinstance(exc, StaleRecord | Conflict):
        code = status.HTTP_409_CONFLICT
    elif isinstance(exc, PermissionDenied):
        code = status.HTTP_403_FORBIDDEN
    elif isinstance(exc, NotAuthenticated):
        code = status.HTTP_401_UNAUTHORIZED
    elif isinstance(exc, Throttled):
        code = status.HTTP_429_TOO_MANY_REQUESTS
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse({"detail": str(exc.message)}, status_code=code, headers=headers)


def _stale_data(_request: Request, _exc: StaleDataError) -> JSONResponse:
    """Two saves of the same row at the same moment: the second one loses."""
    return JSONResponse({"detail": str(StaleRecord().message)}, status_code=status.HTTP_409_CONFLICT)
