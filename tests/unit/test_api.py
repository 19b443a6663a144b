"""The REST API base: API keys (stored hashed), 401 without a valid key, OpenAPI document."""

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from crm_app.api.app import api
from crm_app.models import ApiKey, Role
from crm_app.services import api_keys, auth
from tests.factories import create_user

client = TestClient(api)


def test_key_is_shown_once_and_stored_hashed(session):
    user = create_user(session, email="k@example.com")
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email="K@example.com", name="Zapier")
    assert raw.startswith("crm_") and len(raw) > 40
    stored = session.exec(select(ApiKey)).one()
    assert raw not in (stored.key_hash, stored.prefix) and stored.user_id == user.id
    assert api_keys.resolve_api_key(session=session, raw=raw).id == user.id
    assert api_keys.resolve_api_key(session=session, raw=raw + "x") is None


def test_me_needs_a_valid_key(session):
    create_user(session, email="k@example.com", name="Kay")
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email="k@example.com", name="test")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200 and r.json()["name"] == "Kay"


def test_key_of_a_deactivated_user_stops_working(session):
    admin = create_user(session, role=Role.ADMIN)
    user = create_user(session, email="k@example.com")
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email="k@example.com", name="test")
    auth.set_active(session=session, actor=admin, user_id=user.id, active=False)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_openapi_document_is_served():
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and "/api/v1/me" in r.json()["paths"]


def test_the_docs_page_loads_swagger_ui_from_the_app_itself():
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", r.text) + re.findall(
        r"""url: ?["']([^"']+)["']""", r.text
    )
    assert len(urls) >= 4, r.text  # script, style, icon, the schema
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "cdn" not in r.text.lower()
    kinds = {"js": "javascript", "css": "text/css", "png": "image/png", "json": "application/json"}
    for url in urls:
        got = client.get(url)  # no API key: the page and its files are open
        assert got.status_code == 200, url
        assert kinds[url.rsplit(".", 1)[-1]] in got.headers["content-type"], (url, got.headers)
        assert len(got.content) > 1000, url
