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
from typing import Any

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
    # The default settings lists are made with the first user (the first administrator's
    # language names them), not here.
    migrations.upgrade(url)
    print(f"Database {_safe_url(url)} is up to date.")
    return 0


def _db_reindex(args, url: str) -> int:
    from crm_app.services import search_index

    _require_migrated(url)
    started = time.perf_counter()
    with db.get_engine(url).begin() as conn:
        count = search_index.reindex(conn)
    print(f"Search index rebuilt: {count:,} lead(s) in {time.perf_counter() - started:.1f} s.")
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
        actor = _acting_user(s, _as_email(args)) if _as_email(args) else None
        user = auth.add_user(
            session=s, actor=actor, name=args.name, email=args.email, role=args.role, password=password
        )
    print(f"Added {user.role.value} {user.name} <{user.email}>.")
    return 0


def _seed(args, url: str) -> int:
    from crm_app.services import bulk_seed, demo_data  # faker and the generators: this command only

    bulk = {k: getattr(args, k) for k in ("leads", "contacts", "companies", "deals", "activities")}
    if args.demo and any(bulk.values()):
        raise CommandError("Use either --demo or the bulk sizes (--leads, --contacts, ...), not both.")
    if not args.demo and not any(bulk.values()):
        raise CommandError("Nothing to seed: give --demo, or sizes such as --leads 1000.")
    _require_migrated(url)
    started = time.perf_counter()
    result: dict[str, Any]
    with db.session(url) as s:
        if args.demo:
            result = demo_data.seed_demo(session=s, random_seed=args.random_seed)
        else:
            result = bulk_seed.seed_bulk(session=s, random_seed=args.random_seed, **bulk)
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
                f"No active user existed: the records belong to the new sales user {bulk_seed.BULK_USER_EMAIL}"
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


def _api_key_create(args, url: str) -> int:
    from crm_app.services import api_keys

    _require_migrated(url)
    with db.session(url) as s:
        actor = _acting_user(s, _as_email(args)) if _as_email(args) else None
        row, raw = api_keys.create_api_key(session=s, actor=actor, user_email=args.user, name=args.name)
    # the key alone on stdout (scripts capture it); it is stored hashed and never shown again
    print(raw)
    print(
        f"API key {row.name!r} ({row.prefix}...) created for {args.user}."
        " Copy it now: it is not shown again.",
        file=sys.stderr,
    )
    return 0


def _as_email(args) -> str | None:
    """`crm --as EMAIL COMMAND ...` or `crm COMMAND ... --as EMAIL` (the latter wins)."""
    return getattr(args, "as_user", None) or getattr(args, "global_as", None)


def _acting_user(session, email: str | None):
    """--as EMAIL (an active user), else the first active administrator. Every check the
    services make (services.permissions) is then made for that user."""
    from sqlmodel import col, select

    from crm_app.models import User

    stmt = select(User).where(User.is_active)
    if email:
        user = session.exec(stmt.where(User.email == email.strip().lower())).first()
        if user is None:
            raise CommandError(f"No active user with the e-mail {email}.")
        return user
    user = session.exec(stmt.where(User.role == Role.ADMIN).order_by(col(User.id))).first()
    if user is None:
        raise CommandError("No active administrator: name the acting user with --as EMAIL.")
    return user


def _import_leads(args, url: str) -> int:
    from crm_app.services import lead_import

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"No file at {path}.")
    if args.errors and not Path(args.errors).resolve().parent.is_dir():
        raise CommandError(f"No folder for {args.errors}.")
    _require_migrated(url)

    def progress(processed: int, total: int) -> None:
        if sys.stderr.isatty() and not args.json:
            print(f"\r{processed:,} / {total:,} rows", end="", file=sys.stderr, flush=True)

    with db.session(url) as s:
        user = _acting_user(s, _as_email(args))
        summary = lead_import.run_import(
            session=s,
            user=user,
            path=path,
            on_duplicate=args.on_duplicate,
            dry_run=args.dry_run,
            progress=progress,
            create_missing_values=args.create_missing_values,
        )
        warnings = lead_import.warning_lines(session=s, user=user, job_id=summary.job_id or 0)
        if args.errors:
            assert summary.job_id is not None  # run_import always works on a saved (flushed) job
            data = lead_import.failed_rows_csv(session=s, user=user, job_id=summary.job_id)
            Path(args.errors).write_bytes(data)  # in the imported file's encoding and separator
    if sys.stderr.isatty() and not args.json:
        print(file=sys.stderr)
    counts = {k: getattr(summary, k) for k in ("created", "updated", "skipped", "failed")}
    if args.json:
        print(json.dumps(counts))
        return 0
    prefix = "Dry run, nothing saved: would have" if args.dry_run else "Imported"
    print(
        f"{prefix} {path.name}: {counts['created']} created, {counts['updated']} updated,"
        f" {counts['skipped']} duplicates skipped, {counts['failed']} failed."
    )
    if warnings:
        print(
            "Values that match nothing were left empty (map them in the app, or add --create-missing-values):"
        )
        for line in warnings:
            print(f"  {line}")
    if args.errors:
        print(f"Failed rows written to {args.errors}.")
    elif counts["failed"]:
        print("See the failed rows and their reasons with --errors OUT.csv.")
    return 0


def _import_history(args, url: str) -> int:
    from crm_app.services import lead_import

    _require_migrated(url)
    with db.session(url) as s:
        rows, total = lead_import.list_imports(
            session=s, user=_acting_user(s, _as_email(args)), page=args.page - 1, page_size=args.limit
        )
    if args.json:
        keys = ("id", "filename", "user_name", "status", "created", "updated", "skipped", "failed")
        print(json.dumps({"total": total, "imports": [{k: getattr(r, k) for k in keys} for r in rows]}))
        return 0
    if not rows:
        print("No imports yet." if total == 0 else f"No imports on page {args.page} ({total} in all).")
        return 0
    for r in rows:
        print(
            f"#{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.user_name}  {r.filename}  {r.status}:"
            f" {r.created} created, {r.updated} updated, {r.skipped} skipped, {r.failed} failed"
        )
    print(f"{len(rows)} of {total} imports shown, newest first.")
    return 0


def _leads_n(count: int) -> str:
    return f"{count:,} lead" + ("" if count == 1 else "s")


def _import_undo(args, url: str) -> int:
    from crm_app.services import lead_import

    _require_migrated(url)
    with db.session(url) as s:
        user = _acting_user(s, _as_email(args))
        p = lead_import.undo_preview(session=s, user=user, job_id=args.job_id)
        print(
            f"Import #{p.job_id} ({p.filename}): {_leads_n(p.to_delete)} to the recycle bin,"
            f" {_leads_n(p.to_restore)} get their values back."
        )
        for title, refs, count in (
            ("Changed since the import (kept unless --include-changed)", p.changed, p.changed_count),
            ("Converted or junk since (always kept)", p.final, p.final_count),
            ("Not yours to delete or change (kept)", p.not_allowed, p.not_allowed_count),
        ):
            if count:
                print(f"{title}: {count}")
                for ref in refs:
                    print(f"  #{ref.id} {ref.name}")
                if count > len(refs):
                    print(f"  ... and {count - len(refs)} more")
        if not args.yes:
            if not sys.stdin.isatty():
                print("Nothing undone: add --yes to undo it.")
                return 0
            if input("Undo this import? [y/N] ").strip().lower() not in ("y", "yes"):
                print("Nothing undone.")
                return 0
        result = lead_import.undo_import(
            session=s, user=user, job_id=args.job_id, include_changed=args.include_changed
        )
    print(
        f"Import #{result.job_id} undone: {_leads_n(result.deleted)} moved to the recycle bin,"
        f" {result.restored} restored; kept: {result.kept_changed} changed since,"
        f" {result.kept_final} converted or junk, {result.kept_other} others."
    )
    return 0


def _export_leads(args, url: str) -> int:
    from crm_app.services import lead_import

    _require_migrated(url)
    with db.session(url) as s:
        try:
            count = lead_import.export_leads(session=s, user=_acting_user(s, _as_email(args)), path=args.file)
        except OSError as exc:
            raise CommandError(f"Cannot write {args.file}: {exc.strerror or exc}.") from None
    print(f"Exported {count} leads to {args.file}.")
    return 0


def _export_parties(args, url: str) -> int:
    from crm_app.services import parties, party_csv

    kind = parties.CONTACTS if args.export_command == "contacts" else parties.COMPANIES
    _require_migrated(url)
    with db.session(url) as s:
        try:
            count = party_csv.export(kind, session=s, user=_acting_user(s, _as_email(args)), path=args.file)
        except OSError as exc:
            raise CommandError(f"Cannot write {args.file}: {exc.strerror or exc}.") from None
    print(f"Exported {count} {args.export_command} to {args.file}.")
    return 0


def _import_products(args, url: str) -> int:
    from crm_app.services import product_csv

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"No file at {path}.")
    _require_migrated(url)
    with db.session(url) as s:
        report = product_csv.import_products(session=s, user=_acting_user(s, _as_email(args)), path=path)
    counts = {k: getattr(report, k) for k in ("created", "updated", "unchanged", "failed")}
    if args.json:
        print(json.dumps(counts))
        return 0
    print(
        f"Imported {path.name}: {counts['created']} products created, {counts['updated']} updated,"
        f" {counts['unchanged']} unchanged, {counts['failed']} failed"
        + (f"; {report.sections_created} sections created." if report.sections_created else ".")
    )
    if report.ignored_columns:
        print(f"Columns ignored: {', '.join(report.ignored_columns)}")
    for failure in report.failures:
        print(f"  Row {failure.row}: {'; '.join(str(r) for r in failure.reasons)}")
    if report.failed > len(report.failures):
        print(f"  ... and {report.failed - len(report.failures)} more rows")
    return 0


def _export_products(args, url: str) -> int:
    from crm_app.services import product_csv

    _require_migrated(url)
    with db.session(url) as s:
        try:
            count = product_csv.export_products(
                session=s, user=_acting_user(s, _as_email(args)), path=args.file
            )
        except OSError as exc:
            raise CommandError(f"Cannot write {args.file}: {exc.strerror or exc}.") from None
    print(f"Exported {count} products to {args.file}.")
    return 0


def _lead_convert(args, url: str) -> int:
    """Finalise a lead into a new contact/company/deal (the lead's values carried over) or links."""
    from crm_app.services import conversion

    if not (args.contact or args.company or args.deal or args.contact_id or args.company_id):
        raise CommandError(
            "Say what to convert into: --contact, --company, --deal, --contact-id or --company-id."
        )
    _require_migrated(url)
    with db.session(url) as s:
        user = _acting_user(s, _as_email(args))
        deal_title = {"title": args.deal_title} if args.deal_title else {}
        parts = conversion.carried_parts(
            session=s,
            user=user,
            lead_id=args.lead_id,
            parts={
                "contact": {"carry": True} if args.contact else None,
                "company": {"carry": True} if args.company else None,
                "deal": {"carry": True, **deal_title} if args.deal else None,
            },
        )
        result = conversion.convert_lead(
            session=s,
            user=user,
            lead_id=args.lead_id,
            contact=parts["contact"],
            company=parts["company"],
            deal=parts["deal"],
            contact_id=args.contact_id,
            company_id=args.company_id,
        )
    out = {
        "lead_id": args.lead_id,
        "contact_id": result.contact_id,
        "company_id": result.company_id,
        "deal_id": result.deal_id,
    }
    print(
        json.dumps(out)
        if args.json
        else f"Lead {args.lead_id} converted: "
        + ", ".join(f"{k} {v}" for k, v in out.items() if v and k != "lead_id")
    )
    return 0


def _lead_junk(args, url: str) -> int:
    from sqlmodel import select

    from crm_app.models import LostReason, ReasonKind
    from crm_app.services import conversion

    _require_migrated(url)
    with db.session(url) as s:
        user = _acting_user(s, _as_email(args))
        reasons = s.exec(select(LostReason).where(LostReason.kind == ReasonKind.LEAD_JUNK)).all()
        wanted = args.reason.strip().lower()
        reason = next((r for r in reasons if str(r.id) == wanted or r.name.lower() == wanted), None)
        if reason is None:
            names = ", ".join(r.name for r in reasons)
            raise CommandError(f"No junk reason {args.reason!r}. Choose one of: {names}.")
        conversion.close_as_junk(
            session=s, user=user, lead_id=args.lead_id, reason_id=reason.id, comment=args.comment
        )
    print(f"Lead {args.lead_id} closed as junk ({reason.name}).")
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


def _positive(value: str) -> int:
    n = _non_negative(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more: {value}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm",
        description="Manage the CRM database (REFLEX_DB_URL, else data/crm.db).",
    )
    parser.add_argument(
        "--as",
        dest="global_as",
        metavar="EMAIL",
        help="act as this user, with their permissions (default: the first active administrator;"
        " `user add` and `api-key create` without it act as the local operator)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db_parser = commands.add_parser("db", help="database schema")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="create or migrate the schema, add default settings").set_defaults(
        handler=_db_upgrade
    )
    db_commands.add_parser(
        "reindex", help="rebuild the search columns and index of every lead (kept up to date by every write)"
    ).set_defaults(handler=_db_reindex)

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

    key_parser = commands.add_parser("api-key", help="keys for the REST API")
    key_commands = key_parser.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    key_create = key_commands.add_parser("create", help="make a key for a user; prints it once")
    key_create.add_argument("--user", required=True, metavar="EMAIL", help="the user the key acts as")
    key_create.add_argument("--name", required=True, help="what the key is for, e.g. Zapier")
    key_create.set_defaults(handler=_api_key_create)

    import_parser = commands.add_parser("import", help="import records from a CSV file")
    import_commands = import_parser.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    import_leads = import_commands.add_parser("leads", help="import leads (headers matched automatically)")
    import_leads.add_argument("file", metavar="FILE")
    import_leads.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
    import_leads.add_argument(
        "--on-duplicate",
        choices=["skip", "update", "create"],
        default="skip",
        help="a row whose e-mail or phone is already known: skip it (default), update the lead, or create",
    )
    import_leads.add_argument("--errors", metavar="OUT.csv", help="write the failed rows and their reasons")
    import_leads.add_argument(
        "--create-missing-values",
        action="store_true",
        help="create the statuses and sources the file names that the CRM does not have"
        " (default: leave those fields empty, with a warning)",
    )
    import_leads.add_argument(
        "--json", action="store_true", help='print {"created": n, "updated": n, "skipped": n, "failed": n}'
    )
    import_leads.add_argument(
        "--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)"
    )
    import_leads.set_defaults(handler=_import_leads)
    import_products = import_commands.add_parser(
        "products", help="import catalogue products (a row whose SKU is known updates that product)"
    )
    import_products.add_argument("file", metavar="FILE")
    import_products.add_argument(
        "--json", action="store_true", help='print {"created": n, "updated": n, "unchanged": n, "failed": n}'
    )
    import_products.add_argument(
        "--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)"
    )
    import_products.set_defaults(handler=_import_products)
    history = import_commands.add_parser("history", help="past imports, newest first")
    history.add_argument("--page", type=_positive, default=1, help="page number (default 1)")
    history.add_argument(
        "--limit", type=_positive, default=20, help="imports per page (default 20, at most 100)"
    )
    history.add_argument("--json", action="store_true", help="print the page as JSON")
    history.add_argument("--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)")
    history.set_defaults(handler=_import_history)
    undo = import_commands.add_parser(
        "undo", help="undo an import: its new leads to the recycle bin, the values it replaced back"
    )
    undo.add_argument("job_id", type=int, metavar="JOB_ID", help="the import's number (crm import history)")
    undo.add_argument(
        "--include-changed", action="store_true", help="also undo the leads changed since the import"
    )
    undo.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    undo.add_argument("--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)")
    undo.set_defaults(handler=_import_undo)

    export_parser = commands.add_parser("export", help="export records to a CSV file")
    export_commands = export_parser.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    export_leads = export_commands.add_parser("leads", help="every lead, as `crm import leads` reads it")
    export_leads.add_argument("file", metavar="FILE")
    export_leads.add_argument(
        "--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)"
    )
    export_leads.set_defaults(handler=_export_leads)
    for what, text in (
        ("contacts", "every contact, with its primary company"),
        ("companies", "every company"),
    ):
        export_party = export_commands.add_parser(what, help=text)
        export_party.add_argument("file", metavar="FILE")
        export_party.add_argument(
            "--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)"
        )
        export_party.set_defaults(handler=_export_parties)
    export_products = export_commands.add_parser(
        "products", help="every product, as `crm import products` reads it"
    )
    export_products.add_argument("file", metavar="FILE")
    export_products.add_argument(
        "--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)"
    )
    export_products.set_defaults(handler=_export_products)

    lead_parser = commands.add_parser("lead", help="finalise a lead: convert it, or close it as junk")
    lead_commands = lead_parser.add_subparsers(dest="lead_command", required=True, metavar="ACTION")
    convert = lead_commands.add_parser(
        "convert", help="into a new contact/company/deal (values carried over) or links to existing ones"
    )
    convert.add_argument("lead_id", type=int, metavar="LEAD_ID")
    convert.add_argument("--contact", action="store_true", help="create a contact from the lead")
    convert.add_argument("--company", action="store_true", help="create a company from the lead")
    convert.add_argument(
        "--deal", action="store_true", help="create a deal (first stage of the default pipeline)"
    )
    convert.add_argument("--deal-title", help="the new deal's title (default: from the lead)")
    convert.add_argument("--contact-id", type=int, help="link an existing contact instead")
    convert.add_argument("--company-id", type=int, help="link an existing company instead")
    convert.add_argument("--json", action="store_true", help="print the ids as JSON")
    convert.add_argument("--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)")
    convert.set_defaults(handler=_lead_convert)
    junk = lead_commands.add_parser("junk", help="close a lead as junk")
    junk.add_argument("lead_id", type=int, metavar="LEAD_ID")
    junk.add_argument("--reason", required=True, help="a junk reason's name or id (Settings -> Leads)")
    junk.add_argument("--comment", default="", help="why")
    junk.add_argument("--as", dest="as_user", metavar="EMAIL", help="acting user (default: first admin)")
    junk.set_defaults(handler=_lead_junk)
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
