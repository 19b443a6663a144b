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


def _carried_records(session, out: dict) -> tuple:
    """What a conversion made, as comparable values (ids and timestamps left out)."""
    from crm_app.models import CommKind, Communication, EntityType

    def comms(entity_type, entity_id):
        rows = session.exec(
            select(Communication.kind, Communication.normalized)
            .where(Communication.entity_type == entity_type, Communication.entity_id == entity_id)
            .order_by(Communication.kind, Communication.id)
        ).all()
        return [(CommKind(k).value, n) for k, n in rows]

    contact = session.get(Contact, out["contact_id"])
    company = session.get(Company, out["company_id"])
    deal = session.get(Deal, out["deal_id"])
    return (
        {k: getattr(contact, k) for k in ("honorific", "first_name", "last_name", "position", "address")},
        comms(EntityType.CONTACT, contact.id),
        (contact.source_id, contact.responsible_id),
        {k: getattr(company, k) for k in ("name", "website", "address")},
        comms(EntityType.COMPANY, company.id),
        (deal.title, deal.amount, deal.currency_code, deal.pipeline_id, deal.source_id, deal.responsible_id),
    )


def test_the_api_the_cli_and_the_service_carry_the_same_values(session, user, auth, capsys):
    """One "carry fields" rule (conversion.carried_values): the dialog's service call, the REST
    API's `"carry": true` and `crm lead convert` make the same contact, company and deal."""
    from crm_app.services import conversion

    data = {
        "honorific": "Dr",
        "position": "CTO",
        "address": "1 rue de la Paix",
        "website": "leeco.example",
        "emails": "ann@leeco.example",
        "phones": "+33 1 23 45 67 89",
        "currency_code": "EUR",
    }
    by_service, by_api, by_cli = (_lead(session, user, **data) for _ in range(3))

    carried = conversion.conversion_defaults(session=session, user=user, lead_id=by_service.id)
    result = conversion.convert_lead(
        session=session,
        user=user,
        lead_id=by_service.id,
        contact=carried["contact"],
        company=carried["company"],
        deal=carried["deal"],
    )
    service_out = {
        "contact_id": result.contact_id,
        "company_id": result.company_id,
        "deal_id": result.deal_id,
    }

    body = {"contact": {"carry": True}, "company": {"carry": True}, "deal": {"carry": True}}
    r = client.post(f"/api/v1/leads/{by_api.id}/convert", json=body, headers=auth)
    assert r.status_code == 200, r.text

    cli_args = ["lead", "convert", str(by_cli.id), "--contact", "--company", "--deal", "--json"]
    assert cli.main([*cli_args, "--as", user.email]) == 0
    cli_out = json.loads(capsys.readouterr().out)

    session.expire_all()
    expected = _carried_records(session, service_out)
    assert expected[0]["position"] == "CTO" and expected[1] == [
        ("email", "ann@leeco.example"),
        ("phone", "+33123456789"),
    ]
    assert expected[3]["name"] == "Leeco" and expected[5][0] == "Leeco deal"
    assert _carried_records(session, r.json()) == expected
    assert _carried_records(session, cli_out) == expected
