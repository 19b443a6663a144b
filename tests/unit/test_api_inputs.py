"""Issue 8: ids past 64 bits, lone surrogates and deep JSON are 422 with the field, never 500."""

import json

import pytest
from fastapi.testclient import TestClient

from crm_app.api.app import api
from crm_app.api.inputs import MAX_ID, check_json
from crm_app.models import Role
from crm_app.services import api_keys, conversion
from tests.factories import create_user

client = TestClient(api, raise_server_exceptions=False)
HUGE = 2**63  # one past the largest BIGINT
BIG = 2**31  # one past the largest INTEGER (the id columns on PostgreSQL)
BAD_TEXT = "x\ud800"  # a lone surrogate: valid in JSON ("x\\ud800"), not encodable as UTF-8


@pytest.fixture
def auth(session):
    user = create_user(session, role=Role.ADMIN, email="inputs@example.com", name="Inputs")
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email=user.email, name="t")
    return {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}


@pytest.fixture
def lead(auth):
    r = client.post("/api/v1/leads", json={"last_name": "Lee"}, headers=auth)
    assert r.status_code == 201
    return r.json()


def test_check_json_bounds():
    check_json({"a": [1, -MAX_ID, MAX_ID, BIG, True, "é", None, 1.5], "amount": 10**15})
    for bad in ("x\ud800", [HUGE], {"k": -HUGE}, {"x\udfff": 1}, {"pipeline_id": BIG}, {"id": BIG}):
        with pytest.raises(ValueError):
            check_json(bad)
    deep: list = []
    for _ in range(20):
        deep = [deep]
    with pytest.raises(ValueError, match="Nested too deep"):
        check_json(deep)


def test_huge_ids_in_the_path_and_query_are_422(auth, lead):
    for method, url in (
        ("get", f"/api/v1/leads/{HUGE}"),
        ("get", f"/api/v1/leads/{10**30}"),
        ("get", "/api/v1/leads/-1"),
        ("get", "/api/v1/leads/0"),
        ("get", f"/api/v1/leads/{BIG}"),
        ("patch", f"/api/v1/leads/{HUGE}"),
        ("post", f"/api/v1/leads/{HUGE}/convert"),
        ("post", f"/api/v1/leads/{HUGE}/junk"),
        ("get", f"/api/v1/leads?status={HUGE}"),
        ("get", f"/api/v1/leads?status={BIG}"),
    ):
        r = client.request(method, url, headers=auth, content=json.dumps({"reason_id": 1}))
        assert r.status_code == 422, (method, url, r.status_code, r.text)
    assert client.get(f"/api/v1/leads/{MAX_ID}", headers=auth).status_code == 404  # in range: not found


def test_a_cursor_holding_a_huge_id_is_422(auth):
    import base64

    cursor = base64.urlsafe_b64encode(f"v1:{HUGE}".encode()).decode().rstrip("=")
    r = client.get(f"/api/v1/leads?cursor={cursor}", headers=auth)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize("field", ["status_id", "source_id", "responsible_id", "version"])
def test_huge_ids_in_the_body_are_422_with_the_field(auth, lead, field):
    for value in (HUGE, BIG):
        if field != "version":
            r = client.post("/api/v1/leads", json={"last_name": "Lee", field: value}, headers=auth)
            assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field
        r = client.patch(f"/api/v1/leads/{lead['id']}", json={field: value}, headers=auth)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field


def test_huge_ids_in_finalising_bodies_are_422(session, auth, lead):
    url = f"/api/v1/leads/{lead['id']}"
    for path, body in (
        ("junk", {"reason_id": HUGE}),
        ("junk", {"reason_id": conversion.junk_reasons(session)[0].id, "version": HUGE}),
        ("convert", {"contact_id": HUGE}),
        ("convert", {"deal": {"title": "D", "pipeline_id": HUGE}}),
        ("convert", {"deal": {"title": "D", "pipeline_id": BIG}}),
        ("convert", {"company_id": BIG, "version": 1}),
        ("convert", {"contact": {"last_name": "x\ud800"}}),
    ):
        r = client.post(f"{url}/{path}", content=json.dumps(body), headers=auth)
        assert r.status_code == 422, (path, body, r.text)
    assert client.get(url, headers=auth).json()["result"] is None  # nothing was finalised


@pytest.mark.parametrize("field", ["last_name", "company_name", "comment"])
def test_a_lone_surrogate_is_422_with_the_field(auth, lead, field):
    r = client.post("/api/v1/leads", content=json.dumps({"last_name": "Lee", field: BAD_TEXT}), headers=auth)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == field and "Unicode" in r.json()["detail"][0]["msg"]
    r = client.patch(f"/api/v1/leads/{lead['id']}", content=json.dumps({field: BAD_TEXT}), headers=auth)
    assert r.status_code == 422
    body = json.dumps({"last_name": "Lee", "emails": [BAD_TEXT]})
    assert "\\ud800" in body  # sent as JSON's escape, as a client would
    r = client.post("/api/v1/leads", content=body, headers=auth)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "emails"
    assert client.get(f"/api/v1/leads/{lead['id']}", headers=auth).json()["last_name"] == "Lee"
