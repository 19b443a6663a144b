"""The session cookie, set and cleared by the server (HttpOnly: no script on the page reads it).

`GET /auth/session?ticket=…&next=…`: the login handler's one-time ticket (services.session_handover)
becomes the session token, set as `crm_session` with HttpOnly, SameSite=Strict, Path=/ and Secure
when the app is served over HTTPS (behind a proxy you run, CRM_TRUST_PROXY=1: as the proxy says);
then on to `next` (a page of this app) or home. A used or expired ticket goes to the login page.

`GET /auth/logout`: clears the cookie and shows the login page (the logout handler has already
ended the session on the server: the cookie alone opens nothing).
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from crm_app import routes
from crm_app.api.deps import get_session
from crm_app.services import auth, session_handover

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


def _https(request: Request) -> bool:
    if os.environ.get("CRM_TRUST_PROXY") == "1" and request.headers.get("x-forwarded-proto"):
        return request.headers["x-forwarded-proto"].split(",")[-1].strip().lower() == "https"
    return request.url.scheme == "https"


@router.get(routes.AUTH_SESSION)
def open_session(
    request: Request, ticket: str = "", next: str = "", session: Session = Depends(get_session)
) -> RedirectResponse:
    token = session_handover.redeem(session=session, ticket=ticket)
    target = session_handover.next_page(next)
    if token is None:
        return RedirectResponse(routes.login(target), status_code=303, headers=NO_STORE)
    answer = RedirectResponse(target, status_code=303, headers=NO_STORE)
    answer.set_cookie(
        session_handover.COOKIE_NAME,
        token,
        max_age=int(auth.SESSION_ABSOLUTE.total_seconds()),
        path="/",
        httponly=True,
        secure=_https(request),
        samesite="strict",
    )
    return answer


@router.get(routes.AUTH_LOGOUT)
def close_session(request: Request) -> RedirectResponse:
    answer = RedirectResponse(routes.login(), status_code=303, headers=NO_STORE)
    answer.delete_cookie(
        session_handover.COOKIE_NAME, path="/", httponly=True, secure=_https(request), samesite="strict"
    )
    return answer
