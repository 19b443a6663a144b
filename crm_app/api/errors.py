"""Service errors as HTTP answers; messages in English (the API's language).

PermissionDenied (a record the key's user may not see or change, per Settings -> Permissions)
is 403 with the service's message, e.g. "You may not change this lead: it belongs to another user."
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
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
