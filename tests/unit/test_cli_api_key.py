"""`crm api-key create`: prints the key once, stores only its hash; the key works on the API."""

from fastapi.testclient import TestClient
from sqlmodel import select

from crm_app import cli
from crm_app.api.app import api
from crm_app.models import ApiKey
from tests.factories import create_user


def test_it_prints_a_working_key_once(session, capsys):
    user = create_user(session, email="ann@example.com", name="Ann")
    assert cli.main(["api-key", "create", "--user", "Ann@Example.com", "--name", "Zapier"]) == 0
    out, err = capsys.readouterr()
    raw = out.strip()
    assert raw.startswith("crm_") and "\n" not in raw
    assert "not shown again" in err and raw not in err
    row = session.exec(select(ApiKey)).one()
    assert (row.name, row.user_id) == ("Zapier", user.id)
    assert raw not in (row.key_hash, row.prefix)
    r = TestClient(api).get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200 and r.json()["email"] == "ann@example.com"


def test_it_refuses_an_unknown_user(session, capsys):
    assert cli.main(["api-key", "create", "--user", "nobody@example.com", "--name", "X"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "No active user with this e-mail." in err
    assert session.exec(select(ApiKey)).first() is None


def test_it_refuses_an_empty_name(session, capsys):
    create_user(session, email="ann@example.com")
    assert cli.main(["api-key", "create", "--user", "ann@example.com", "--name", " "]) == 1
    assert "name: Name is required." in capsys.readouterr().err
