"""REST API for contacts and companies: keys, create (422 per field, duplicates reported), keyset
list with search, get with links and ETag, patch with version / If-Match, delete, links, rights."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from crm_app.api.app import api
from crm_app.models import Contact, Role, TimelineEntry, TimelineKind
from crm_app.services import api_keys, records
from tests.factories import create_user

client = TestClient(api)


@pytest.fixture
def user(session):
    return create_user(session, role=Role.SALES, email="api@example.com", name="Api User")


def _auth(session, user):
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email=user.email, name="test")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def auth(session, user):
    return _auth(session, user)


def test_every_route_needs_a_valid_key(session):
    for method, url in [
        ("post", "/api/v1/contacts"),
        ("get", "/api/v1/contacts"),
        ("get", "/api/v1/companies/1"),
        ("patch", "/api/v1/companies/1"),
        ("delete", "/api/v1/contacts/1"),
        ("put", "/api/v1/contacts/1/companies/1"),
    ]:
        r = client.request(method, url, headers={"Authorization": "Bearer crm_wrong"}, json={})
        assert r.status_code == 401, (method, url)
    assert session.exec(select(Contact)).first() is None


def test_create_a_company_and_a_contact_in_it(session, user, auth):
    r = client.post(
        "/api/v1/companies",
        json={"name": "Acme", "employees": 40, "revenue": "1500000.50", "phones": ["01 23 45 67 89"]},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    company = r.json()
    assert (company["name"], company["employees"], company["revenue"]) == ("Acme", 40, "1500000.50")
    assert company["phones"] == ["+33123456789"] and company["duplicates"] == []
    r = client.post(
        "/api/v1/contacts",
        json={
            "first_name": "Zoé",
            "last_name": "Martin",
            "emails": ["Zoe@Acme.example"],
            "company_id": company["id"],
        },
        headers=auth,
    )
    assert r.status_code == 201, r.text
    contact = r.json()
    assert contact["emails"] == ["zoe@acme.example"] and contact["responsible_id"] == user.id
    got = client.get(f"/api/v1/contacts/{contact['id']}", headers=auth)
    assert got.json()["companies"] == [{"id": company["id"], "name": "Acme", "primary": True}]
    assert got.headers["etag"] == f'"{contact["version"]}"'
    created = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_type == "contact",
            TimelineEntry.entity_id == contact["id"],
            TimelineEntry.kind == TimelineKind.CREATED,
        )
    ).one()
    assert created.payload["origin"] == "api"
    # a second contact with the same e-mail: created, the match reported
    r = client.post(
        "/api/v1/contacts", json={"first_name": "Twin", "emails": ["zoe@acme.example"]}, headers=auth
    )
    assert r.status_code == 201 and [d["id"] for d in r.json()["duplicates"]] == [contact["id"]]


def test_bad_input_is_422_per_field_and_stores_nothing(session, auth):
    r = client.post("/api/v1/contacts", json={"first_name": "", "emails": ["nope"]}, headers=auth)
    assert r.status_code == 422
    assert {"emails", "last_name"} <= {e["loc"][-1] for e in r.json()["detail"]}
    r = client.post("/api/v1/companies", json={"name": "x" * 300}, headers=auth)
    assert r.status_code == 422
    r = client.post("/api/v1/companies", json={"name": "Big", "employees": -1}, headers=auth)
    assert r.status_code == 422
    assert session.exec(select(Contact)).first() is None


def test_list_search_and_cursor(session, user, auth):
    for i in range(5):
        records.create_contact(session=session, user=user, data={"first_name": f"P{i}", "last_name": "Lee"})
    records.create_contact(
        session=session, user=user, data={"first_name": "Other", "phones": "06 12 34 56 78"}
    )
    first = client.get("/api/v1/contacts", params={"limit": 4}, headers=auth).json()
    assert len(first["items"]) == 4 and first["next_cursor"]
    rest = client.get(
        "/api/v1/contacts", params={"limit": 4, "cursor": first["next_cursor"]}, headers=auth
    ).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    found = client.get("/api/v1/contacts", params={"search": "06 12 34"}, headers=auth).json()
    assert [c["first_name"] for c in found["items"]] == ["Other"]
    assert client.get("/api/v1/contacts", params={"cursor": "garbage"}, headers=auth).status_code == 422


def test_patch_needs_a_version_and_refuses_a_stale_one(session, user, auth):
    company = records.create_company(session=session, user=user, data={"name": "Acme"})
    url = f"/api/v1/companies/{company.id}"
    assert client.patch(url, json={"industry": "Retail"}, headers=auth).status_code == 428
    r = client.patch(url, json={"industry": "Retail", "version": company.version}, headers=auth)
    assert r.status_code == 200 and r.json()["industry"] == "Retail"
    etag = r.headers["etag"]
    assert (
        client.patch(url, json={"industry": "Food", "version": company.version}, headers=auth).status_code
        == 409
    )
    assert (
        client.patch(url, json={"industry": "Food"}, headers={**auth, "If-Match": '"999"'}).status_code == 412
    )
    r = client.patch(url, json={"industry": "Food"}, headers={**auth, "If-Match": etag})
    assert r.status_code == 200 and r.json()["industry"] == "Food"
    assert client.get("/api/v1/companies/999999", headers=auth).status_code == 404


def test_another_representatives_record_cannot_be_changed(session, auth):
    other = create_user(session, role=Role.SALES)
    theirs = records.create_contact(session=session, user=other, data={"first_name": "Theirs"})
    url = f"/api/v1/contacts/{theirs.id}"
    assert client.get(url, headers=auth).status_code == 200  # everyone sees every contact by default
    assert (
        client.patch(url, json={"position": "X", "version": theirs.version}, headers=auth).status_code == 403
    )
    assert client.delete(url, headers=auth).status_code == 403


def test_delete_and_links(session, user, auth):
    contact = records.create_contact(session=session, user=user, data={"first_name": "Zoé"})
    a = records.create_company(session=session, user=user, data={"name": "A"})
    b = records.create_company(session=session, user=user, data={"name": "B"})
    assert client.put(f"/api/v1/contacts/{contact.id}/companies/{a.id}", headers=auth).status_code == 204
    r = client.put(
        f"/api/v1/contacts/{contact.id}/companies/{b.id}", params={"primary": "true"}, headers=auth
    )
    assert r.status_code == 204
    companies = client.get(f"/api/v1/contacts/{contact.id}", headers=auth).json()["companies"]
    assert [(c["name"], c["primary"]) for c in companies] == [("B", True), ("A", False)]
    assert client.delete(f"/api/v1/contacts/{contact.id}/companies/{b.id}", headers=auth).status_code == 204
    assert client.delete(f"/api/v1/contacts/{contact.id}/companies/{b.id}", headers=auth).status_code == 404
    contacts = client.get(f"/api/v1/companies/{a.id}", headers=auth).json()["contacts"]
    assert [(c["name"], c["primary"]) for c in contacts] == [("Zoé", True)]
    assert client.delete(f"/api/v1/contacts/{contact.id}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/contacts/{contact.id}", headers=auth).status_code == 404
    assert client.put(f"/api/v1/contacts/{contact.id}/companies/{a.id}", headers=auth).status_code == 404
