"""/api/v1/docs: Swagger UI served from the app itself.

FastAPI's own page loads Swagger UI's script and style from a CDN, so it stays blank on a network
without internet. The files come from the `fastapi-offline` package (only its static folder is
used) and are served under /api/v1/docs/assets/, which, like the page, needs no API key."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from crm_app import routes
from crm_app.api.security import trust_inline_scripts

DOCS_URL = routes.API_DOCS
ASSETS_URL = f"{DOCS_URL}/assets"
ASSETS_DIR = files("fastapi_offline") / "static"


def install(api: FastAPI, *, title: str) -> None:
    """The docs page and its files on `api` (created with `docs_url=None`)."""
    api.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS_DIR)), name="api-docs-assets")
    openapi_url = api.openapi_url or ""

    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} - Swagger UI",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        oauth2_redirect_url=None,
    )
    html = bytes(page.body).decode()
    # the page starts Swagger UI with an inline script: allowed by its hash (api/security.py)
    trust_inline_scripts(html)

    @api.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html)
