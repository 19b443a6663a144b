"""REST API under /api/v1 (FastAPI), mounted into the Reflex backend. Keys: `Authorization: Bearer`.

Routes are thin: they turn the JSON body into the dict the services take, call one service, and
turn domain errors into HTTP answers (`errors.py`). The rules, permissions included, live in
services/. One router per resource: `me.py` (the key's user, counts), `leads.py`; shared pieces
in `deps.py` (session, current user) and `errors.py`.
"""

from __future__ import annotations

from fastapi import FastAPI

from crm_app.api import docs, errors, leads, me, parties, session_cookie
from crm_app.api.deps import current_user, get_session
from crm_app.api.limits import RequestLimits

DESCRIPTION = """
The CRM's REST API. Every request needs an API key (Settings → API keys, or
`crm api-key create --user EMAIL --name NAME`) sent as `Authorization: Bearer <key>`; a key acts
with its user's rights. No key, a wrong key or a revoked key: **401**.

A body over 1 MiB (`CRM_API_MAX_BODY_BYTES`) gives **413** without being read.

Errors: an invalid body gives **422** with one entry per field, in FastAPI's format:
`{"detail": [{"loc": ["body", "emails"], "msg": "...", "type": "value_error"}]}`. An unknown
lead gives **404**; an edit based on an old `version` gives **409**; a lead the key's user may not
see or change (their role's scope in Settings → Permissions, e.g. another representative's lead)
gives **403** with a message saying why.

Text is stored exactly as sent (HTML included) and returned as JSON text: escape it when you
display it. Amounts are decimal strings (`"1500.00"`). Phones are returned in E.164 form
(`+33612345678`), e-mails in lower case.
"""


api = FastAPI(
    title="CRM API",
    version="1",
    description=DESCRIPTION,
    openapi_url="/api/v1/openapi.json",
    docs_url=None,  # api/docs.py: Swagger UI's files served by the app, not a CDN
    redoc_url=None,
)
docs.install(api, title=api.title)
errors.install(api)
api.add_middleware(RequestLimits)  # no key or too big: answered before the body is read
api.include_router(me.router)
api.include_router(leads.router)
api.include_router(parties.router)
api.include_router(session_cookie.router)  # the login cookie (not the REST API)

__all__ = ["api", "current_user", "get_session"]
