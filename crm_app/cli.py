"""The `crm` command: migrate, add users, seed data, count rows.

It uses the app's database (REFLEX_DB_URL, else data/crm.db) and the same services as the UI.
Exit codes: 0 done, 1 refused or failed (message on stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic.util import CommandError as AlembicError
from sqlalchemy.exc import SQLAlchemyError

from crm_app import db, migrations
from crm_app.models import Role
from crm_app.services.errors import DomainError, ValidationError


class CommandError(Exception):
    """A problem to report on stderr, without a traceback."""


def _safe_url(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def _require_migrated(url: str) -> None:
    """Refuse to work on a database whose schema is missing or behind the code."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    hint = "run `crm db upgrade` first"
    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        if not Path(u.database).exists():  # do not leave an empty file behind
            raise CommandError(f"No database at {u.database}: {hint}.")
    heads = set(ScriptDirectory.from_config(migrations.alembic_config(url)).get_heads())
    with db.get_engine(url).connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if not current:
        raise CommandError(f"The database {_safe_url(url)} is not set up: {hint}.")
    if current != heads:
        raise CommandError(f"The database {_safe_url(url)} is not up to date: {hint}.")


# --- commands ----------------------------------------------------------------------------


def _db_upgrade(args, url: str) -> int:
    from crm_app.services import defaults

    migrations.upgrade(url)
    with db.session(url) as s:
        defaults.ensure_defaults(session=s)
        s.commit()
    print(f"Database {_safe_url(url)} is up to date.")
    return 0


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise CommandError("Give the password on standard input with --password-stdin.")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise CommandError("The passwords do not match.")
    return first


def _user_add(args, url: str) -> int:
    from crm_app.services import auth

    _require_migrated(url)
    password = _read_password(args)
    with db.session(url) as s:
        user = auth.add_user(
            session=s, actor=None, name=args.name, email=args.email, role=args.role, password=password
        )
    print(f"Added {user.role.value} {user.name} <{user.email}>.")
    return 0


def _seed(args, url: str) -> int:
    from crm_app.services import seed

    bulk = {k: getattr(args, k) for k in ("leads", "contacts", "companies", "deals", "activities")}
    if args.demo and any(bulk.values()):
        raise CommandError("Use either --demo or the bulk sizes (--leads, --contacts, ...), not both.")
    if not args.demo and not any(bulk.values()):
        raise CommandError("Nothing to seed: give --demo, or sizes such as --leads 1000.")
    _require_migrated(url)
    started = time.perf_counter()
    with db.session(url) as s:
        if args.demo:
            result = seed.seed_demo(session=s, random_seed=args.random_seed)
        else:
            result = seed.seed_bulk(session=s, random_seed=args.random_seed, **bulk)
    elapsed = time.perf_counter() - started
    if args.demo:
        counts = result["counts"]
        print("Demo data added: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()) + ".")
        print("Demo users (all with the same password):")
        for email, role in result["users"]:
            print(f"  {email}  ({role})")
        print(f"Password: {result['password']}")
    else:
        total = sum(result.values())
        print(
            "Added "
            + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.items() if n and k != "users")
            + f" in {elapsed:.1f} s ({total / max(elapsed, 1e-9):,.0f} rows/s)."
        )
        if result.get("users"):
            print(
                f"No active user existed: the records belong to the new sales user {seed.BULK_USER_EMAIL}"
                " (no usable password). Add an administrator with"
                " `crm user add EMAIL --name NAME --role admin --password-stdin`."
            )
    return 0


def _stats(args, url: str) -> int:
    from crm_app.services import stats

    _require_migrated(url)
    with db.session(url) as s:
        counts = stats.table_counts(session=s)
    if args.json:
        print(json.dumps(counts))
    else:
        width = max(len(k) for k in counts)
        for key, n in counts.items():
            print(f"{key.replace('_', ' '):<{width}}  {n:>10,}")
    return 0


# --- parser ------------------------------------------------------------------------------


def _non_negative(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {value}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm",
        description="Manage the CRM database (REFLEX_DB_URL, else data/crm.db).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db_parser = commands.add_parser("db", help="database schema")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="create or migrate the schema, add default settings").set_defaults(
        handler=_db_upgrade
    )

    user_parser = commands.add_parser("user", help="team members")
    user_commands = user_parser.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser("add", help="add a team member")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.SALES.value)
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    add.set_defaults(handler=_user_add)

    seed_parser = commands.add_parser("seed", help="add demo data or bulk data for benchmarks")
    seed_parser.add_argument("--demo", action="store_true", help="a small demo data set (empty CRM only)")
    for name in ("leads", "contacts", "companies", "deals", "activities"):
        seed_parser.add_argument(f"--{name}", type=_non_negative, default=0, metavar="N")
    seed_parser.add_argument("--random-seed", type=int, default=0, metavar="S")
    seed_parser.set_defaults(handler=_seed)

    stats_parser = commands.add_parser("stats", help="rows per table")
    stats_parser.add_argument("--json", action="store_true", help="one JSON object")
    stats_parser.set_defaults(handler=_stats)
    return parser


def _error(message: str) -> None:
    print(f"crm: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits with 2 on bad arguments
    url = db.database_url()
    try:
        return args.handler(args, url)
    except ValidationError as exc:
        for field, msg in exc.errors.items():
            _error(f"{field}: {msg}" if field else str(msg))
    except (DomainError, CommandError, AlembicError) as exc:
        _error(str(exc))
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _error(f"database error on {_safe_url(url)}: {detail}")
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
