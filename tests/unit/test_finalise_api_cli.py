"""Finalising a lead through the REST API and the `crm` command: the same services as the dialog."""

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from crm_app import cli
from crm_app.api.app import api
from crm_app.models import Company, Contact, Deal, Lead, LeadResult, LostReason, ReasonKind, Role
from crm_app.services import api_keys, leads
from tests.factories import create_user

client = TestClient(api)


@pytest.fixture
def user(session):
    return create_user(session, role=Role.ADMIN, email="fin@example.com", name="Fin")


@pytest.fixture
def auth(session, user):
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email=user.email, name="test")
    return {"Authorization": f"Bearer {raw}"}


def _lead(session, user, **data):
    data = {"first_name": "Ann", "last_name": "Lee", "company_name": "Leeco", "amount": "900", **data}
    return leads.create_lead(session=session, user=user, data=data)


def test_api_converts_with_carried_values_once(session, user, auth):
    lead = _lead(session, user, emails="ann@leeco.example")
    body = {"contact": {"carry": True}, "company": {"carry": True}, "deal": {"carry": True, "title": "Big"}}
    r = client.post(f"/api/v1/leads/{lead.id}/convert", json=body, headers=auth)
    assert r.status_code == 200, r.text
    out = r.json()
    assert sorted(out["created"]) == ["company", "contact", "deal"]
    session.expire_all()
    assert session.get(Contact, out["contact_id"]).last_name == "Lee"
    assert session.get(Company, out["company_id"]).name == "Leeco"
    deal = session.get(Deal, out["deal_id"])
    assert deal.title == "Big" and str(deal.amount) == "900.00"
    assert session.get(Lead, lead.id).result == LeadResult.CONVERTED
    again = client.post(f"/api/v1/leads/{lead.id}/convert", json=body, headers=auth)
    assert again.status_code == 409


def test_api_convert_errors_are_per_field_and_roll_back(session, user, auth):
    lead = _lead(session, user)
    r = client.post(
        f"/api/v1/leads/{lead.id}/convert",
        json={"contact": {"carry": True}, "deal": {"title": "", "amount": "lots"}},
        headers=auth,
    )
    assert r.status_code == 422
    assert {tuple(d["loc"]) for d in r.json()["detail"]} >= {("body", "deal.amount")}
    assert session.exec(select(Contact)).first() is None
    assert client.post(f"/api/v1/leads/{lead.id}/convert", json={}, headers={}).status_code == 401
    assert (
        client.post(
            "/api/v1/leads/999999/convert", json={"contact": {"carry": True}}, headers=auth
        ).status_code
        == 404
    )


def test_api_closes_as_junk(session, user, auth):
    lead = _lead(session, user)
    reason = session.exec(select(LostReason).where(LostReason.kind == ReasonKind.LEAD_JUNK)).first()
    r = client.post(
        f"/api/v1/leads/{lead.id}/junk", json={"reason_id": reason.id, "comment": "spam"}, headers=auth
    )
    assert r.status_code == 200, r.text
    session.expire_all()
    assert session.get(Lead, lead.id).result == LeadResult.JUNK
    assert (
        client.post(f"/api/v1/leads/{lead.id}/junk", json={"reason_id": reason.id}, headers=auth).status_code
        == 409
    )


def test_cli_converts_and_junks(session, user, capsys):
    first = _lead(session, user)
    second = _lead(session, user, last_name="Other")
    assert cli.main(["lead", "convert", str(first.id), "--contact", "--deal", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["contact_id"] and out["deal_id"] and out["company_id"] is None
    assert cli.main(["lead", "convert", str(first.id), "--contact"]) == 1
    assert "already converted" in capsys.readouterr().err
    assert cli.main(["lead", "junk", str(second.id), "--reason", "nope"]) == 1
    assert "No junk reason" in capsys.readouterr().err
    assert cli.main(["lead", "junk", str(second.id), "--reason", "spam", "--comment", "bot"]) == 0
    session.expire_all()
    assert session.get(Lead, second.id).result == LeadResult.JUNK
    assert cli.main(["lead", "convert", str(second.id)]) == 1
    assert "Say what to convert into" in capsys.readouterr().err
