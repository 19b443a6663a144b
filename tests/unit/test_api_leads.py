"""REST API for leads: keys, create with duplicate policy, 422 per field, keyset list, get, patch."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from crm_app.api.app import api
from crm_app.models import Lead, Role, Source, TimelineEntry, TimelineKind
from crm_app.services import api_keys, leads
from tests.factories import create_user

client = TestClient(api)


@pytest.fixture
def user(session):
    return create_user(session, role=Role.SALES, email="api@example.com", name="Api User")


@pytest.fixture
def auth(session, user):
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email=user.email, name="test")
    return {"Authorization": f"Bearer {raw}"}


def create(auth, params=None, **body):
    return client.post("/api/v1/leads", json=body, headers=auth, params=params or {})


def test_every_route_needs_a_valid_key(session, auth):
    routes = [
        ("post", "/api/v1/leads"),
        ("get", "/api/v1/leads"),
        ("get", "/api/v1/leads/1"),
        ("patch", "/api/v1/leads/1"),
    ]
    for method, url in routes:
        for headers in ({}, {"Authorization": "Bearer crm_wrong"}, {"Authorization": "Basic abc"}):
            r = client.request(method, url, headers=headers, json={"last_name": "X"})
            assert r.status_code == 401, (method, url, headers)
            assert r.headers["www-authenticate"] == "Bearer"
    assert session.exec(select(Lead)).first() is None


def test_a_revoked_key_stops_working(session, user, auth):
    assert client.get("/api/v1/leads", headers=auth).status_code == 200
    key = api_keys.list_api_keys(session=session, user=user)[0]
    api_keys.revoke_api_key(session=session, user=user, key_id=key.id)
    assert client.get("/api/v1/leads", headers=auth).status_code == 401


def test_it_creates_a_lead(session, user, auth):
    r = create(
        auth,
        first_name="Ann",
        last_name="Lee",
        company_name="<script>alert(1)</script>",
        phones=["+33 6 12 34 56 78"],
        emails=["Ann@Example.com"],
        amount="1500.5",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["company_name"] == "<script>alert(1)</script>"  # stored as given, returned as JSON text
    assert body["phones"] == ["+33612345678"] and body["emails"] == ["ann@example.com"]
    assert body["amount"] == "1500.50" and body["currency_code"] == "EUR"
    assert body["responsible_id"] == user.id and body["created_by_id"] == user.id
    assert body["duplicate_of"] is None and body["duplicates"] == []
    assert session.get(Source, body["source_id"]).code == "api"
    entry = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_id == body["id"], TimelineEntry.kind == TimelineKind.CREATED
        )
    ).one()
    assert entry.payload["origin"] == "api"


def test_status_and_source_are_given_as_ids(session, auth):
    status = leads.lead_statuses(session)[1]
    source = session.exec(select(Source).where(Source.code == "referral")).one()
    r = create(auth, last_name="Lee", status_id=status.id, source_id=source.id)
    assert r.status_code == 201
    assert (r.json()["status_id"], r.json()["source_id"]) == (status.id, source.id)
    r = create(auth, last_name="Lee", status=status.id, source=source.id)  # the short names work too
    assert r.status_code == 201
    assert (r.json()["status_id"], r.json()["source_id"]) == (status.id, source.id)


def test_an_invalid_body_gives_422_per_field(auth):
    r = create(
        auth, first_name="Ann", emails=["not an e-mail"], website="javascript:alert(1)", status_id=99999
    )
    assert r.status_code == 422
    detail = {tuple(d["loc"]): d for d in r.json()["detail"]}
    assert set(detail) == {("body", "emails"), ("body", "website"), ("body", "status_id")}
    assert "valid e-mail" in detail[("body", "emails")]["msg"]
    assert detail[("body", "website")]["type"] == "value_error"

    r = create(auth)  # no name at all
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "last_name"]
    r = create(auth, last_name="Lee", colour="red")  # unknown field
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "colour"]
    r = create(auth, last_name="Lee", phones="+33612345678")  # not a list
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "phones"]


def test_duplicate_policies(session, auth):
    first = create(
        auth, first_name="Ann", last_name="Lee", emails=["ann@example.com"], phones=["+33612345678"]
    ).json()

    r = create(auth, {"on_duplicate": "skip"}, last_name="Other", emails=["ANN@example.com"])
    assert r.status_code == 200
    assert r.json()["id"] == first["id"] and r.json()["duplicate_of"] == first["id"]
    assert r.json()["last_name"] == "Lee"

    r = create(auth, {"on_duplicate": "update"}, last_name="Other", phones=["+44 20 7946 0000"])
    assert r.status_code == 201  # no e-mail or phone in common: a new lead
    r = create(
        auth,
        {"on_duplicate": "update"},
        first_name="",
        last_name="Lee-Smith",
        position="CEO",
        phones=["06 12 34 56 78", "+44 20 7946 0001"],
    )
    assert r.status_code == 200 and r.json()["id"] == first["id"]
    body = r.json()
    assert (body["first_name"], body["last_name"], body["position"]) == ("Ann", "Lee-Smith", "CEO")
    assert body["phones"] == ["+33612345678", "+442079460001"]  # added to its own
    assert body["emails"] == ["ann@example.com"]

    r = create(auth, last_name="Lee again", emails=["ann@example.com"])  # default: create, flagged
    assert r.status_code == 201 and r.json()["id"] != first["id"]
    flagged = r.json()["duplicates"][0]
    assert (flagged["entity_type"], flagged["id"], flagged["reason"]) == ("lead", first["id"], "email")

    r = create(auth, {"on_duplicate": "merge"}, last_name="X")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "on_duplicate"]


def test_get_and_404(auth):
    created = create(auth, last_name="Lee").json()
    r = client.get(f"/api/v1/leads/{created['id']}", headers=auth)
    assert r.status_code == 200 and r.json()["last_name"] == "Lee"
    assert client.get("/api/v1/leads/999999", headers=auth).status_code == 404
    assert client.patch("/api/v1/leads/999999", headers=auth, json={"last_name": "X"}).status_code == 404


def test_patch_changes_only_what_is_sent_and_checks_the_version(session, auth):
    lead = create(auth, first_name="Ann", last_name="Lee", emails=["ann@example.com"]).json()
    url = f"/api/v1/leads/{lead['id']}"
    r = client.patch(url, headers=auth, json={"position": "CEO", "version": lead["version"]})
    assert r.status_code == 200, r.text
    assert (r.json()["position"], r.json()["first_name"], r.json()["emails"]) == (
        "CEO",
        "Ann",
        ["ann@example.com"],
    )
    assert r.json()["version"] == lead["version"] + 1
    stale = client.patch(url, headers=auth, json={"position": "CFO", "version": lead["version"]})
    assert stale.status_code == 409
    assert client.get(url, headers=auth).json()["position"] == "CEO"
    bad = client.patch(url, headers=auth, json={"emails": ["nope"], "version": lead["version"] + 1})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "emails"]
    changes = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_id == lead["id"], TimelineEntry.kind == TimelineKind.FIELD_CHANGE
        )
    ).all()
    assert [c.payload["field"] for c in changes] == ["position"]


def test_the_list_pages_with_a_cursor(session, user, auth):
    for i in range(120):
        leads.create_lead(
            session=session,
            user=user,
            data={"last_name": f"Lead {i:03}", "company_name": "Acme" if i % 3 else "Zed"},
            commit=False,
        )
    session.commit()
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        r = client.get("/api/v1/leads", headers=auth, params=params)
        assert r.status_code == 200
        body = r.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 120 and len(set(seen)) == 120
    assert seen == sorted(seen, reverse=True)  # newest first

    r = client.get("/api/v1/leads", headers=auth, params={"search": "zed", "limit": 200})
    assert len(r.json()["items"]) == 40 and r.json()["next_cursor"] is None
    assert client.get("/api/v1/leads", headers=auth, params={"cursor": "garbage!"}).status_code == 422
    assert client.get("/api/v1/leads", headers=auth, params={"limit": 0}).status_code == 422


def test_the_list_filters_by_status(session, user, auth):
    _new, in_progress = leads.lead_statuses(session)[:2]
    create(auth, last_name="A")
    b = create(auth, last_name="B", status_id=in_progress.id).json()
    r = client.get("/api/v1/leads", headers=auth, params={"status": in_progress.id})
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]


def test_openapi_documents_the_lead_routes():
    doc = client.get("/api/v1/openapi.json").json()
    assert {"post", "get"} <= set(doc["paths"]["/api/v1/leads"])
    assert {"get", "patch"} <= set(doc["paths"]["/api/v1/leads/{lead_id}"])
    post = doc["paths"]["/api/v1/leads"]["post"]
    assert "on_duplicate" in post["description"] and "skip" in post["description"]
    assert "LeadCreate" in doc["components"]["schemas"] and "LeadPatch" in doc["components"]["schemas"]


def test_skip_and_update_refuse_when_a_contact_holds_the_email(session, user, auth):
    from crm_app.services import records

    records.create_contact(
        session=session, user=user, data={"last_name": "Known", "emails": "known@example.com"}
    )
    for policy in ("skip", "update"):
        r = create(auth, {"on_duplicate": policy}, last_name="Again", emails=["Known@example.com"])
        assert r.status_code == 409, r.text
        assert "already has this e-mail or phone" in r.json()["detail"]
    assert session.exec(select(Lead)).first() is None
    r = create(auth, {"on_duplicate": "create"}, last_name="Again", emails=["known@example.com"])
    assert r.status_code == 201 and r.json()["duplicates"][0]["entity_type"] == "contact"


def test_update_never_rewrites_a_final_lead(session, auth):
    """Issue 8: a converted or junk lead is final; "update" reports it as the duplicate, unchanged."""
    from crm_app.services import conversion

    converted = create(auth, first_name="Ann", last_name="Lee", emails=["ann@example.com"]).json()
    r = client.post(
        f"/api/v1/leads/{converted['id']}/convert", json={"contact": {"carry": True}}, headers=auth
    )
    assert r.status_code == 200, r.text
    junk = create(auth, last_name="Junk", phones=["+33612345678"]).json()
    reason = conversion.junk_reasons(session)[0]
    r = client.post(f"/api/v1/leads/{junk['id']}/junk", json={"reason_id": reason.id}, headers=auth)
    assert r.status_code == 200, r.text

    for lead, body in (
        (converted, {"last_name": "Rewritten", "position": "CEO", "emails": ["ann@example.com"]}),
        (junk, {"last_name": "Rewritten", "phones": ["06 12 34 56 78", "+44 20 7946 0001"]}),
    ):
        r = create(auth, {"on_duplicate": "update"}, **body)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["id"] == out["duplicate_of"] == lead["id"] and out["duplicate_final"] is True
        assert out["last_name"] == lead["last_name"] and out["version"] == lead["version"] + 1  # finalising
        stored = session.get(Lead, lead["id"])
        session.refresh(stored)
        assert stored.last_name == lead["last_name"] and stored.position == ""
        assert client.get(f"/api/v1/leads/{lead['id']}", headers=auth).json()["phones"] == lead["phones"]
    # an in-progress lead is still updated
    open_lead = create(auth, last_name="Open", emails=["open@example.com"]).json()
    r = create(auth, {"on_duplicate": "update"}, last_name="Opened", emails=["open@example.com"])
    assert r.json()["id"] == open_lead["id"] and r.json()["last_name"] == "Opened"
    assert r.json()["duplicate_final"] is False


def test_get_gives_an_etag_and_patch_requires_a_version(session, auth):
    """Issue 8: no silent last-writer-wins; If-Match works like the body's version."""
    lead = create(auth, last_name="Lee").json()
    url = f"/api/v1/leads/{lead['id']}"
    r = client.get(url, headers=auth)
    tag = r.headers["etag"]
    assert tag == f'"{lead["version"]}"'

    r = client.patch(url, headers=auth, json={"position": "CEO"})  # neither version nor If-Match
    assert r.status_code == 428 and "version" in r.json()["detail"]
    assert client.get(url, headers=auth).json()["position"] == ""

    r = client.patch(url, headers={**auth, "If-Match": tag}, json={"position": "CEO"})
    assert r.status_code == 200 and r.json()["position"] == "CEO"
    new_tag = r.headers["etag"]
    assert new_tag == f'"{lead["version"] + 1}"' != tag

    r = client.patch(url, headers={**auth, "If-Match": tag}, json={"position": "CFO"})  # stale
    assert r.status_code == 412
    r = client.patch(url, headers={**auth, "If-Match": "garbage"}, json={"position": "CFO"})
    assert r.status_code == 412
    assert client.get(url, headers=auth).json()["position"] == "CEO"
    r = client.patch(url, headers={**auth, "If-Match": f"W/{new_tag}"}, json={"position": "CTO"})
    assert r.status_code == 200 and r.json()["position"] == "CTO"
    r = client.patch(url, headers={**auth, "If-Match": "*"}, json={"position": "Boss"})  # explicit overwrite
    assert r.status_code == 200 and r.json()["position"] == "Boss"
    assert client.patch("/api/v1/leads/999999", headers=auth, json={"position": "X"}).status_code == 404
