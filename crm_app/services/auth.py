"""Passwords, first-run set-up, login sessions, throttling and team members."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, update
from sqlmodel import Session, col, select

from crm_app.models import AuthSession, LoginAttempt, Role, User
from crm_app.models.base import saved_id, utcnow
from crm_app.services import defaults, permissions, reference, uow
from crm_app.services.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from crm_app.services.i18n import N_, Msg, normalize_language
from crm_app.services.validation import MAX_NAME, clean_text, normalize_email

MIN_PASSWORD = 8
MAX_PASSWORD = 1000
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_FREE_FAILURES = 5  # one account from one address
THROTTLE_ADDRESS_FREE_FAILURES = 20  # one address, any accounts
THROTTLE_ACCOUNT_FREE_FAILURES = 50  # one account, any addresses (not those the user came from)
THROTTLE_BASE_DELAY = 15  # seconds after the 5th failure, doubling with each one after
THROTTLE_MAX_DELAY = 15 * 60
SESSION_IDLE = timedelta(hours=float(os.environ.get("CRM_SESSION_IDLE_HOURS", "12")))
SESSION_ABSOLUTE = timedelta(days=float(os.environ.get("CRM_SESSION_MAX_DAYS", "14")))
SESSION_TOUCH_EVERY = timedelta(minutes=1)

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
WRONG_LOGIN = Msg("Wrong e-mail or password.")


# --- passwords ---------------------------------------------------------------------------


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses or more
ZXCVBN_MAX_INPUT = 72  # the most zxcvbn takes (its cost grows with the length); the rest only adds


def password_problem(password: str, *, email: str = "", name: str = "") -> Msg | None:
    """Why a new password is refused, or None. Strength is zxcvbn's score (dictionaries, keyboard
    patterns, repeats, dates, l33t: "Passw0rd!", "Summer2024", eight spaces and "aaaaaaaa" all
    fail), the user's own e-mail and name counting as known words."""
    if not password or not password.strip():
        return Msg("Password is required.")
    if len(password) > MAX_PASSWORD:
        return Msg("Password must be at most {max} characters.", max=MAX_PASSWORD)
    if len(password) < MIN_PASSWORD:
        return Msg("Password must be at least {min} characters.", min=MIN_PASSWORD)
    lowered = password.lower()
    if lowered in _common_passwords() or lowered in {email.lower(), name.lower()}:
        return Msg("This password is too common or too easy to guess. Choose another one.")
    from zxcvbn import zxcvbn

    known = [w for w in (email, email.partition("@")[0], *name.split()) if w]
    if zxcvbn(password[:ZXCVBN_MAX_INPUT], user_inputs=known)["score"] < MIN_PASSWORD_SCORE:
        return Msg(
            "This password is too easy to guess. Use a longer one, e.g. three or four unrelated words."
        )
    return None


# --- users -------------------------------------------------------------------------------


def needs_setup(*, session: Session) -> bool:
    return session.exec(select(User.id).limit(1)).first() is None


def _validate_user_fields(
    session: Session, *, name: str, email: str, password: str | None, exclude_id: int | None = None
) -> tuple[str, str]:
    errors: dict[str, Msg] = {}
    name, err = clean_text(name, field_label=N_("Name"), max_len=MAX_NAME, required=True)
    if err:
        errors["name"] = err
    email, err = normalize_email(email)
    if err:
        errors["email"] = err
    elif (existing := find_user_by_email(session=session, email=email)) and existing.id != exclude_id:
        errors["email"] = Msg("A user with this e-mail already exists.")
    if password is not None:
        err = password_problem(password, email=email, name=name)
        if err:
            errors["password"] = err
    if errors:
        raise ValidationError(errors)
    return name, email


def find_user_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def setup_first_admin(
    *, session: Session, name: str, email: str, password: str, language: str = "en"
) -> User:
    """Create the first administrator and the default settings. Refused once a user exists."""
    if not needs_setup(session=session):
        raise Conflict("Set-up is already done. Log in instead.")
    name, email = _validate_user_fields(session, name=name, email=email, password=password)
    defaults.ensure_defaults(session=session, language=normalize_language(language))
    user = User(
        name=name,
        email=email,
        role=Role.ADMIN,
        password_hash=hash_password(password),
        language=normalize_language(language),
    )
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def require_role(user: User | None, *roles: Role) -> User:
    """Deprecated (issue 6): every check goes through services.permissions (`require`,
    `require_user`, `require_settings`). Kept for code written before it; do not call it."""
    if user is None:
        raise NotAuthenticated()
    if roles and user.role not in roles:
        raise PermissionDenied()
    return user


def list_users(*, session: Session, actor: User, offset: int = 0, limit: int = 50) -> list[User]:
    permissions.require_user(actor)
    stmt = select(User).order_by(col(User.is_active).desc(), col(User.name), col(User.id)).offset(offset)
    return list(session.exec(stmt.limit(limit)).all())


def count_users(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def add_user(
    *, session: Session, actor: User | None, name: str, email: str, role: Role | str, password: str
) -> User:
    """Administrators add team members. actor=None is the `crm` command (trusted, local)."""
    if actor is not None:
        permissions.require_settings(session, actor)
    role = _parse_role(role)
    name, email = _validate_user_fields(session, name=name, email=email, password=password)
    defaults.ensure_defaults(session=session)
    language = actor.language if actor else "en"
    user = User(name=name, email=email, role=role, password_hash=hash_password(password), language=language)
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def _parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError({"role": Msg("Choose a role.")}) from None


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("This user does not exist.")
    return user


def change_role(*, session: Session, actor: User, user_id: int, role: Role | str) -> User:
    permissions.require_settings(session, actor)
    role = _parse_role(role)
    user = _get_user(session, user_id)
    if user.is_active and permissions.settings_editors_without(session, user, role=role) == 0:
        raise Conflict("The CRM needs at least one active administrator.")
    user.role = role
    session.add(user)
    uow.commit(session)
    return user


def set_active(*, session: Session, actor: User, user_id: int, active: bool) -> User:
    """Deactivating a user ends all their sessions at once."""
    permissions.require_settings(session, actor)
    user = _get_user(session, user_id)
    if not active:
        if user.id == actor.id:
            raise Conflict("You cannot deactivate yourself.")
        if user.is_active and permissions.settings_editors_without(session, user) == 0:
            raise Conflict("The CRM needs at least one active administrator.")
        session.exec(delete(AuthSession).where(col(AuthSession.user_id) == user.id))
    user.is_active = active
    session.add(user)
    uow.commit(session)
    return user


def set_language(*, session: Session, user: User, language: str) -> User:
    user = session.get(User, user.id) or user
    user.language = normalize_language(language)
    session.add(user)
    session.commit()
    return user


def update_profile(*, session: Session, user: User, name: str) -> User:
    name, err = clean_text(name, field_label=N_("Name"), max_len=MAX_NAME, required=True)
    if err:
        raise ValidationError({"name": err})
    user = session.get(User, user.id) or user
    user.name = name
    session.add(user)
    uow.commit(session)
    return user


def change_password(
    *, session: Session, user: User, current: str, new: str, keep_token: str | None = None
) -> None:
    """Changing the password ends every other session of the user."""
    user = session.get(User, user.id) or user
    if not verify_password(user.password_hash, current or ""):
        raise ValidationError({"current_password": Msg("The current password is wrong.")})
    err = password_problem(new or "", email=user.email, name=user.name)
    if err:
        raise ValidationError({"new_password": err})
    user.password_hash = hash_password(new)
    session.add(user)
    stmt = delete(AuthSession).where(col(AuthSession.user_id) == user.id)
    if keep_token:
        stmt = stmt.where(col(AuthSession.token_hash) != _token_hash(keep_token))
    session.exec(stmt)
    session.commit()


# --- login sessions and throttling -----------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _delay_left(count: int, free: int, last: datetime | None, now: datetime) -> int:
    """Seconds left of the delay that `count` failures (the last at `last`) earn after `free`."""
    if count < free or last is None:
        return 0
    if last.tzinfo is None:  # aggregate results bypass the column type on SQLite
        last = datetime.fromisoformat(str(last)).replace(tzinfo=now.tzinfo)
    delay = min(THROTTLE_MAX_DELAY, THROTTLE_BASE_DELAY * 2 ** min(count - free, 20))
    return max(0, int((last + timedelta(seconds=delay) - now).total_seconds()) + 1)


def _throttle_wait(session: Session, *, email: str, ip: str, now: datetime) -> int:
    """Seconds to wait before another try, 0 if none.

    Failures are counted so that nobody else can lock a user out:
    - one account from one address: 5 free failures, then 15 s doubling (at most 15 min);
    - one address over any accounts (guessing many accounts): 20 free failures, then the same;
    - one account from many addresses: 50 free failures, then the same, except for addresses the
      user has logged in from (a session of theirs came from there): the owner still gets in.
    """
    since = now - THROTTLE_WINDOW
    recent = col(LoginAttempt.at) >= since
    waits = [0]
    checks = [(and_(col(LoginAttempt.email) == email, col(LoginAttempt.ip) == ip), THROTTLE_FREE_FAILURES)]
    if ip:
        checks.append((col(LoginAttempt.ip) == ip, THROTTLE_ADDRESS_FREE_FAILURES))
    for condition, free in checks:
        count, last = session.exec(
            select(func.count(), func.max(LoginAttempt.at)).where(condition, recent)
        ).one()
        waits.append(_delay_left(count, free, last, now))
    count, last = session.exec(
        select(func.count(), func.max(LoginAttempt.at)).where(col(LoginAttempt.email) == email, recent)
    ).one()
    if count >= THROTTLE_ACCOUNT_FREE_FAILURES and not _known_address(session, email=email, ip=ip):
        waits.append(_delay_left(count, THROTTLE_ACCOUNT_FREE_FAILURES, last, now))
    return max(waits)


def _known_address(session: Session, *, email: str, ip: str) -> bool:
    """The user behind `email` has had a session opened from `ip`."""
    if not ip:
        return False
    found = session.exec(
        select(AuthSession.id)
        .join(User, col(User.id) == AuthSession.user_id)
        .where(col(User.email) == email, col(AuthSession.ip) == ip)
        .limit(1)
    ).first()
    return found is not None


def login(
    *,
    session: Session,
    email: str,
    password: str,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> tuple[User, str]:
    """Check the credentials and open a session. Returns (user, raw token for the cookie).

    The message never tells whether the e-mail exists. Failures within 15 minutes make further
    tries wait (15 s, doubling, at most 15 min): see `_throttle_wait` for what is counted. `ip`
    is the visitor's address (behind a proxy: `rate_limit.client_address` with CRM_TRUST_PROXY).
    """
    now = now or utcnow()
    errors: dict[str, Msg] = {}
    raw_email = (email or "").strip()
    if not raw_email:
        errors["email"] = Msg("E-mail is required.")
    elif len(raw_email) > 254:
        errors["email"] = Msg("E-mail must be at most {max} characters.", max=254)
    if not password:
        errors["password"] = Msg("Password is required.")
    elif len(password) > MAX_PASSWORD:
        errors["password"] = Msg("Password must be at most {max} characters.", max=MAX_PASSWORD)
    if errors:
        raise ValidationError(errors)
    email_key = raw_email.lower()
    ip = (ip or "")[:64]
    wait = _throttle_wait(session, email=email_key, ip=ip, now=now)
    if wait > 0:
        raise Throttled(wait)
    user = find_user_by_email(session=session, email=email_key)
    ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if not ok or user is None or not user.is_active:
        session.add(LoginAttempt(email=email_key[:254], ip=ip, at=now))
        session.commit()
        raise ValidationError({"": WRONG_LOGIN})
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)  # 256 bits
    session.add(
        AuthSession(
            user_id=saved_id(user),
            token_hash=_token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_ABSOLUTE,
            ip=ip or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == email_key, col(LoginAttempt.ip) == ip))
    session.exec(delete(AuthSession).where(col(AuthSession.expires_at) < now))
    # a statement, not an edit through the ORM: a login leaves the row's version alone, so two
    # logins of one user at once (two tabs, two workers) do not make one of them fail as stale
    session.exec(update(User).where(col(User.id) == user.id).values(last_login_at=now))
    session.commit()
    session.refresh(user)
    return user, token


def resolve_session(*, session: Session, token: str | None, now: datetime | None = None) -> User | None:
    """The active user behind a session token, or None (unknown, expired, idle or deactivated)."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    # the session and its user in one query: every page open and every event reads them
    # (and the settings stamp, for what services.reference keeps)
    found = session.exec(
        select(AuthSession, User, reference.stamp_column())
        .outerjoin(User, col(User.id) == col(AuthSession.user_id))
        .where(AuthSession.token_hash == _token_hash(token))
    ).first()
    if found is None:
        return None
    auth, user, stamp = found
    reference.note_stamp(session, stamp)
    if auth.expires_at <= now or auth.last_seen_at + SESSION_IDLE <= now:
        session.delete(auth)
        session.commit()
        return None
    if user is None or not user.is_active:
        return None
    if now - auth.last_seen_at >= SESSION_TOUCH_EVERY:
        auth.last_seen_at = now
        session.add(auth)
        session.commit()
    return user


def require_session(*, session: Session, token: str | None) -> User:
    user = resolve_session(session=session, token=token)
    if user is None:
        raise NotAuthenticated()
    return user


def logout(*, session: Session, token: str | None) -> None:
    if token:
        session.exec(delete(AuthSession).where(col(AuthSession.token_hash) == _token_hash(token)))
        session.commit()
