"""Set-up, login, the page guard, language and user management through the state classes."""

from sqlmodel import select

from crm_app import db
from crm_app.models import Role, User
from crm_app.services import auth, session_handover
from crm_app.state.auth_pages import LoginState, SetupState
from crm_app.state.session import SessionState
from crm_app.state.users import UsersState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate, ticket_of


def _users(db_url):
    with db.session(db_url) as s:
        return list(s.exec(select(User)).all())


def test_guard_sends_to_setup_then_login(root, db_url):
    guard = substate(root, SessionState)
    spec = call(guard, SessionState.check_login)
    assert "/setup" in str(spec)
    with db.session(db_url) as s:
        create_user(s)
    spec = call(guard, SessionState.check_login)
    assert "/login" in str(spec)
    assert guard.user_id == 0


def test_setup_shows_field_errors_and_creates_nothing(root, db_url):
    setup = substate(root, SetupState)
    events = call(setup, SetupState.submit, {"name": "", "email": "nope", "password": "123"})
    assert set(setup.errors) == {"name", "email", "password"}
    assert "/auth/session" not in str(events)
    assert _users(db_url) == []


def test_setup_creates_admin_and_logs_in(root, db_url):
    setup = substate(root, SetupState)
    events = call(setup, SetupState.submit, {"name": "Ada", "email": "Ada@Example.com", "password": PASSWORD})
    assert setup.errors == {}
    assert setup.user_role == "admin" and setup.user_email == "ada@example.com"
    sign_in(setup, _redeem(db_url, ticket_of(events)))
    guard = substate(root, SessionState)
    assert call(guard, SessionState.check_login) is None
    # a second set-up is refused, even called straight from the browser
    other = substate(root, SetupState)
    call(other, SetupState.submit, {"name": "Eve", "email": "eve@example.com", "password": PASSWORD})
    assert [u.email for u in _users(db_url)] == ["ada@example.com"]


def test_login_wrong_then_right_password(root, db_url):
    with db.session(db_url) as s:
        create_user(s, email="sam@example.com", name="Sam")
    login = substate(root, LoginState)
    events = call(login, LoginState.submit, {"email": "sam@example.com", "password": "wrong password"})
    assert login.errors == {"": "Wrong e-mail or password."}
    assert "/auth/session" not in str(events)
    events = call(login, LoginState.submit, {"email": "SAM@example.com", "password": PASSWORD})
    assert login.errors == {} and login.user_name == "Sam"
    with db.session(db_url) as s:
        user = auth.resolve_session(session=s, token=_redeem(db_url, ticket_of(events)))
        assert user is not None and user.name == "Sam"


def test_login_goes_on_to_the_page_asked_for(root, db_url):
    """/leads/5 without a session -> /login?next=/leads/5 -> after the login, /leads/5."""
    with db.session(db_url) as s:
        create_user(s, email="sam@example.com")
    guard = substate(root, SessionState)
    sign_in(guard, "", path="/leads/5?tab=history")
    events = call(guard, SessionState.check_login)
    assert "/login?next=%2Fleads%2F5%3Ftab%3Dhistory" in str(events)
    login = substate(root, LoginState)
    sign_in(login, "", path="/login?next=%2Fleads%2F5%3Ftab%3Dhistory")
    events = call(login, LoginState.submit, {"email": "sam@example.com", "password": PASSWORD})
    assert "next=%2Fleads%2F5%3Ftab%3Dhistory" in str(events)
    # another site's address is not followed
    sign_in(login, "", path="/login?next=https%3A%2F%2Fevil.example%2F")
    events = call(login, LoginState.submit, {"email": "sam@example.com", "password": PASSWORD})
    assert "evil" not in str(events) and "/auth/session?ticket=" in str(events)


def test_login_messages_follow_the_language(root, db_url):
    with db.session(db_url) as s:
        create_user(s, email="sam@example.com")
    login = substate(root, LoginState)
    login.lang = "fr"
    call(login, LoginState.submit, {"email": "", "password": ""})
    assert login.errors == {
        "email": "L'e-mail est obligatoire.",
        "password": "Le mot de passe est obligatoire.",
    }


def test_logout_ends_the_session(root, db_url):
    with db.session(db_url) as s:
        create_user(s, email="sam@example.com")
    login = substate(root, LoginState)
    events = call(login, LoginState.submit, {"email": "sam@example.com", "password": PASSWORD})
    token = _redeem(db_url, ticket_of(events))
    sign_in(login, token)
    events = call(login, SessionState.logout)
    assert login.user_id == 0 and "/auth/logout" in str(events)  # the route that clears the cookie
    with db.session(db_url) as s:
        assert auth.resolve_session(session=s, token=token) is None


def _redeem(db_url, ticket: str) -> str:
    """What GET /auth/session does with the ticket: the session token it sets as the cookie."""
    with db.session(db_url) as s:
        token = session_handover.redeem(session=s, ticket=ticket)
    assert token
    return token


def _logged_in(root, db_url, role: Role):
    with db.session(db_url) as s:
        user = create_user(s, role=role)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, UsersState)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state


def test_admin_adds_user_with_field_errors_first(root, db_url):
    users = _logged_in(root, db_url, Role.ADMIN)
    call(users, UsersState.load)
    assert users.loaded and len(users.rows) == 1
    call(users, UsersState.add_user, {"name": "Sue", "email": "bad", "role": "sales", "password": PASSWORD})
    assert "email" in users.errors
    call(
        users,
        UsersState.add_user,
        {"name": "Sue", "email": "sue@example.com", "role": "manager", "password": PASSWORD},
    )
    assert users.errors == {} and not users.dialog_open
    assert {r.email for r in users.rows} >= {"sue@example.com"}
    sue = next(r for r in users.rows if r.email == "sue@example.com")
    assert sue.role == "manager"
    call(users, UsersState.set_active, sue.id, False)
    assert not next(r for r in users.rows if r.id == sue.id).is_active


def test_sales_rep_cannot_manage_users_even_by_calling_handlers(root, db_url):
    users = _logged_in(root, db_url, Role.SALES)
    call(
        users,
        UsersState.add_user,
        {"name": "X", "email": "x@example.com", "role": "admin", "password": PASSWORD},
    )
    call(users, UsersState.change_role, users.user_id, "admin")
    assert "x@example.com" not in {u.email for u in _users(db_url)}
    assert {u.role for u in _users(db_url)} == {Role.SALES}


def test_forged_or_missing_token_is_refused(root, db_url):
    with db.session(db_url) as s:
        create_user(s, role=Role.ADMIN)
    users = substate(root, UsersState)
    sign_in(users, "forged-token")
    users.user_id = 1  # what the browser claims does not matter
    users.user_role = "admin"
    call(
        users,
        UsersState.add_user,
        {"name": "X", "email": "x@example.com", "role": "admin", "password": PASSWORD},
    )
    call(users, UsersState.load)
    assert users.rows == []
    assert users.user_id == 0
    assert "x@example.com" not in {u.email for u in _users(db_url)}


def test_language_choice_is_saved_on_the_user(root, db_url):
    users = _logged_in(root, db_url, Role.SALES)
    call(users, SessionState.set_language, "fr")
    assert users.lang == "fr" and users.tr["Deals"] == "Transactions"
    with db.session(db_url) as s:
        assert s.get(User, users.user_id).language == "fr"
