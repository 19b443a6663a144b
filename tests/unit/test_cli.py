"""The `crm` command, run in process against the test database (REFLEX_DB_URL)."""

import io
import json
import sqlite3

import pytest
import sqlalchemy as sa

from crm_app import cli, db
from crm_app.models import Role
from crm_app.services import auth
from tests.factories import PASSWORD, create_user

KEYS = {"users", "leads", "contacts", "companies", "deals", "products", "activities", "timeline_entries"}


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


@pytest.fixture
def other_db(tmp_path, monkeypatch):
    """REFLEX_DB_URL pointing at a SQLite file that is not migrated (nor created)."""
    path = tmp_path / "other.db"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("REFLEX_DB_URL", url)
    yield path
    engine = db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def stats_json(capsys) -> dict:
    assert cli.main(["stats", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_it_adds_a_user_with_the_password_from_stdin(session, stdin, capsys):
    stdin(PASSWORD + "\nignored second line\n")
    code = cli.main(
        ["user", "add", "Ann@Example.com", "--name", "Ann Admin", "--role", "admin", "--password-stdin"]
    )
    assert code == 0
    assert "ann@example.com" in capsys.readouterr().out
    user, _token = auth.login(session=session, email="ann@example.com", password=PASSWORD)
    assert user.role == Role.ADMIN and user.name == "Ann Admin"


def test_it_rejects_a_bad_email(session, stdin, capsys):
    stdin(PASSWORD + "\n")
    code = cli.main(["user", "add", "not-an-email", "--name", "Ann", "--password-stdin"])
    err = capsys.readouterr().err
    assert code != 0
    assert "email: Enter a valid e-mail address" in err
    assert "Traceback" not in err
    assert auth.count_users(session=session) == 0


def test_it_rejects_a_short_password(session, stdin, capsys):
    stdin("short\n")
    code = cli.main(["user", "add", "ann@example.com", "--name", "Ann", "--password-stdin"])
    assert code == 1
    assert "password: Password must be at least 8 characters." in capsys.readouterr().err


def test_it_rejects_a_taken_email(session, stdin, capsys):
    create_user(session, email="ann@example.com")
    stdin(PASSWORD + "\n")
    assert cli.main(["user", "add", "ann@example.com", "--name", "Ann", "--password-stdin"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_it_refuses_a_user_without_password_stdin_when_not_interactive(session, stdin, capsys):
    stdin("")
    assert cli.main(["user", "add", "ann@example.com", "--name", "Ann"]) == 1
    assert "--password-stdin" in capsys.readouterr().err


def test_it_rejects_an_unknown_role(session, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["user", "add", "ann@example.com", "--name", "Ann", "--role", "boss", "--password-stdin"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_stats_json_has_every_count(session, capsys):
    create_user(session)
    counts = stats_json(capsys)
    assert set(counts) == KEYS
    assert counts["users"] == 1 and counts["leads"] == 0


def test_stats_as_a_table(session, capsys):
    assert cli.main(["stats"]) == 0
    assert "timeline entries" in capsys.readouterr().out


def test_seed_demo_prints_the_logins(session, capsys):
    assert cli.main(["seed", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "@demo-crm.example.com" in out
    password = out.split("Password: ")[1].strip()
    auth.login(session=session, email="claire.dubois@demo-crm.example.com", password=password)
    assert stats_json(capsys)["leads"] == 40

    assert cli.main(["seed", "--demo"]) == 1
    assert "already has leads" in capsys.readouterr().err


def test_seed_bulk_leads(session, capsys):
    assert cli.main(["seed", "--leads", "50", "--random-seed", "4"]) == 0
    assert "50 leads" in capsys.readouterr().out
    assert stats_json(capsys)["leads"] == 50


@pytest.mark.parametrize(
    "argv", [["seed"], ["seed", "--demo", "--leads", "5"]], ids=["nothing", "demo-and-bulk"]
)
def test_seed_needs_one_kind_of_data(session, capsys, argv):
    assert cli.main(argv) == 1
    assert capsys.readouterr().err.startswith("crm: error: ")


def test_seed_rejects_a_negative_size(session, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["seed", "--leads", "-5"])
    assert exc.value.code == 2


def test_db_upgrade_is_idempotent_on_a_migrated_database(session, capsys):
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_db_upgrade_creates_a_new_database(other_db, capsys):
    assert cli.main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert other_db.exists()
    assert stats_json(capsys)["users"] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["stats", "--json"],
        ["seed", "--demo"],
        ["user", "add", "a@example.com", "--name", "A", "--password-stdin"],
    ],
    ids=["stats", "seed", "user-add"],
)
@pytest.mark.parametrize("state", ["missing-file", "empty-file"])
def test_an_unmigrated_database_gets_a_clear_message(other_db, stdin, capsys, argv, state):
    if state == "empty-file":
        sqlite3.connect(other_db).close()
    stdin(PASSWORD + "\n")
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert "run `crm db upgrade` first" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    if state == "missing-file":
        assert not other_db.exists()


def test_an_outdated_database_gets_a_clear_message(session, db_url, capsys):
    engine = db.get_engine(db_url)
    with engine.begin() as conn:
        head = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'old'")
    try:
        assert cli.main(["stats"]) == 1
    finally:  # the PostgreSQL test database is shared by the whole run
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert "not up to date: run `crm db upgrade` first" in capsys.readouterr().err


def test_an_unreachable_database_gets_a_clear_message(monkeypatch, capsys):
    monkeypatch.setenv("REFLEX_DB_URL", "postgresql+psycopg://crm:secret@127.0.0.1:1/crm")
    try:
        assert cli.main(["stats"]) == 1
    finally:
        engine = db._engines.pop("postgresql+psycopg://crm:secret@127.0.0.1:1/crm", None)
        if engine is not None:
            engine.dispose()
    err = capsys.readouterr().err
    assert err.startswith("crm: error: database error")
    assert "secret" not in err
