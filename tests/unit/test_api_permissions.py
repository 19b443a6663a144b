"""REST API and permissions: a representative's key on another representative's lead gets 403
with a clear message and changes nothing; with "view own" the list holds only their leads."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from crm_app.api.app import api
from crm_app.models import Lead, Role, User
from crm_app.services import api_keys, conversion, leads, permissions
from tests.factories import create_user

client = TestClient(api)


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="ada@example.com")


@pytest.fixture
def ann(session):
    return create_user(session, email="ann@example.com")


@pytest.fixture
def bob_auth(session):
    create_user(session, email="bob@example.com")
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email="bob@example.com", name="t")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def anns_lead(session, ann):
    return leads.create_lead(session=session, user=ann, data={"last_name": "Annlead"})


def _same(session, lead):
    session.expire_all()
    again = session.get(Lead, lead.id)
    assert again.version == lead.version and again.result is None and again.last_name == "Annlead"


def test_patch_convert_and_junk_on_another_reps_lead_are_403(session, ann, bob_auth, anns_lead):
    url = f"/api/v1/leads/{anns_lead.id}"
    r = client.patch(url, json={"last_name": "Mine"}, headers=bob_auth)
    assert r.status_code == 403
    assert r.json()["detail"] == "You may not change this lead: it belongs to another user."
    bob_id = session.exec(select(User.id).where(User.email == "bob@example.com")).one()
    assert client.patch(url, json={"responsible_id": bob_id}, headers=bob_auth).status_code == 403
    r = client.post(f"{url}/convert", json={"contact": {"carry": True}}, headers=bob_auth)
    assert r.status_code == 403 and "another user" in r.json()["detail"]
    reason = conversion.junk_reasons(session)[0]
    r = client.post(f"{url}/junk", json={"reason_id": reason.id}, headers=bob_auth)
    assert r.status_code == 403
    _same(session, anns_lead)
    # reading it is allowed with the default "view all"
    assert client.get(url, headers=bob_auth).status_code == 200


def test_view_own_limits_the_list_and_the_read(session, admin, ann, bob_auth, anns_lead):
    mine = client.post("/api/v1/leads", json={"last_name": "Boblead"}, headers=bob_auth).json()
    permissions.set_matrix(session, actor=admin, cells={("sales", "lead", "view"): "own"})
    r = client.get("/api/v1/leads", headers=bob_auth)
    assert [item["id"] for item in r.json()["items"]] == [mine["id"]]
    r = client.get(f"/api/v1/leads/{anns_lead.id}", headers=bob_auth)
    assert r.status_code == 403 and r.json()["detail"] == "You may not see this lead."


def test_create_none_is_403(session, admin, bob_auth):
    permissions.set_matrix(session, actor=admin, cells={("sales", "lead", "create"): "none"})
    r = client.post("/api/v1/leads", json={"last_name": "Nope"}, headers=bob_auth)
    assert r.status_code == 403
    assert session.exec(select(Lead)).all() == []
