"""What services.reference keeps per process (the permission matrix, the lead filters' choices) is
never older than the database: every write to those tables changes the settings stamp, through
the app, through plain SQL, or in another process; a session that wrote reads its own write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from crm_app import db
from crm_app.models import Role, SettingsStamp, Source, Stage, User
from crm_app.services import auth, lead_list, permissions, reference
from crm_app.services.permissions import Action, Scope
from tests.factories import PASSWORD, create_user


@pytest.fixture(autouse=True)
def _fresh_cache():
    reference.forget_all()
    yield
    reference.forget_all()


def _stamp(url: str) -> int | None:
    with db.session(url) as s:
        return s.exec(select(SettingsStamp.value)).first()


def _source_names(url: str) -> list[str]:
    with db.session(url) as s:
        return [name for _, name in lead_list.list_options(s).sources]


def _open_page(url: str, token: str) -> tuple[User | None, list[str]]:
    """What a page open does: the session (the stamp read with it), then the filters' choices."""
    with db.session(url) as s:
        user = auth.resolve_session(session=s, token=token)
        return user, [name for _, name in lead_list.list_options(s).sources]


def test_the_choices_are_read_once_while_nothing_changes(db_url):
    with db.session(db_url) as s:
        user = create_user(s, role=Role.ADMIN, email="ada@example.com")
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    first = _open_page(db_url, token)[1]
    engine = db.get_engine(db_url)
    queries: list[str] = []

    def seen(_conn, _cursor, statement, *_rest) -> None:
        queries.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        assert _open_page(db_url, token)[1] == first
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert not any("FROM source" in q for q in queries), queries  # kept, and the stamp came with the session


def test_writes_through_the_app_change_the_stamp_and_are_seen(db_url):
    with db.session(db_url) as s:
        create_user(s)
    before = _stamp(db_url)
    assert before is not None
    names = _source_names(db_url)
    with db.session(db_url) as s:
        s.add(Source(code="fair", name="Trade fair", sort=99))
        s.commit()
    assert _stamp(db_url) != before
    assert _source_names(db_url) == [*names, "Trade fair"]


def test_plain_sql_writes_are_seen_too(db_url):
    """Triggers, not the app, change the stamp: a fix made by hand in SQL shows at once."""
    with db.session(db_url) as s:
        create_user(s)
    names = _source_names(db_url)
    with db.get_engine(db_url).begin() as conn:
        conn.execute(sa.text("UPDATE source SET name = 'Renamed' WHERE id = (SELECT min(id) FROM source)"))
    assert _source_names(db_url) == ["Renamed", *names[1:]]
    with db.get_engine(db_url).begin() as conn:
        conn.execute(sa.text("DELETE FROM source WHERE name = 'Renamed'"))
    assert _source_names(db_url) == names[1:]


def test_a_user_deactivated_or_renamed_leaves_the_choices(db_url):
    with db.session(db_url) as s:
        ann = create_user(s, email="ann@example.com", name="Ann")
        create_user(s, email="bob@example.com", name="Bob")
    with db.session(db_url) as s:
        assert [n for _, n in lead_list.list_options(s).users] == ["Ann", "Bob"]
    with db.session(db_url) as s:
        row = s.get(User, ann.id)
        assert row is not None
        row.is_active = False
        s.add(row)
        s.commit()
    with db.session(db_url) as s:
        assert [n for _, n in lead_list.list_options(s).users] == ["Bob"]


def test_a_session_that_wrote_reads_its_own_write_before_committing(db_url):
    with db.session(db_url) as s:
        create_user(s)
    _source_names(db_url)  # kept
    with db.session(db_url) as s:
        stage = s.exec(select(Stage).order_by(Stage.id)).first()  # pyright: ignore[reportArgumentType]
        assert stage is not None
        stage.name = "Just renamed"
        s.add(stage)
        s.flush()
        statuses = [name for _, name, _, _ in lead_list.list_options(s).statuses]
        assert "Just renamed" in statuses
        s.rollback()
    with db.session(db_url) as s:
        assert "Just renamed" not in [name for _, name, _, _ in lead_list.list_options(s).statuses]


def test_a_permission_change_applies_to_the_next_request(db_url):
    with db.session(db_url) as s:
        admin = create_user(s, role=Role.ADMIN, email="ada@example.com")
        bob = create_user(s, role=Role.SALES, email="bob@example.com")
    with db.session(db_url) as s:
        assert permissions.scope(s, bob, "lead", Action.DELETE) == Scope.OWN
    with db.session(db_url) as s:
        permissions.set_matrix(s, actor=admin, cells={("sales", "lead", "delete"): "none"})
        assert permissions.scope(s, bob, "lead", Action.DELETE) == Scope.NONE
    with db.session(db_url) as s:
        assert permissions.scope(s, bob, "lead", Action.DELETE) == Scope.NONE
    with db.get_engine(db_url).begin() as conn:  # by hand, in SQL
        conn.execute(
            sa.text("UPDATE role_permission SET scope = 'all' WHERE role = 'sales' AND action = 'delete'")
        )
    with db.session(db_url) as s:
        assert permissions.scope(s, bob, "lead", Action.DELETE) == Scope.ALL


def test_without_a_stamp_row_nothing_is_kept(db_url):
    with db.session(db_url) as s:
        create_user(s)
        s.exec(sa.delete(SettingsStamp))  # pyright: ignore[reportArgumentType]
        s.commit()
    names = _source_names(db_url)
    with db.session(db_url) as s:
        s.exec(sa.delete(SettingsStamp))  # pyright: ignore[reportArgumentType]
        s.commit()
    assert _stamp(db_url) is None
    with Session(db.get_engine(db_url)) as s:
        s.connection().execute(
            sa.text("UPDATE source SET name = 'Changed' WHERE id = (SELECT min(id) FROM source)")
        )
        s.exec(sa.delete(SettingsStamp))  # pyright: ignore[reportArgumentType]
        s.commit()
    assert _source_names(db_url) == ["Changed", *names[1:]]
