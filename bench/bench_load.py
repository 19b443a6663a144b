"""Load: N websocket clients open /leads as a browser reload does, for T seconds (`bench.loadclient`).

Starts its own production server (`reflex run --env prod --single-port`) on a free port, once with
a temporary SQLite database and once with a temporary PostgreSQL database (when it answers; or
only on the database of `--load-db`; `--databases` chooses), bulk-seeded with
`--load-leads` leads (10,000 by default) and one administrator the clients log in as; the build
folder and the database live in a temporary folder. The server's process group is stopped and the
temporary files removed afterwards, also on failure or Ctrl-C. With `--url` it loads a running app
instead (then `--email` and `--password` say whom to log in as, and nothing is seeded).

Prints opens/s over the timed phase, p50/p95 of an open (TCP connect to the delta with the rows),
the errors and the websocket bytes received per open. No baseline: the figures are absolute.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import Row
from bench.loadclient import LoadResult, run_load

NAME = "load"
ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 300
EMAIL = "load.admin@example.com"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_url: str, leads: int, random_seed: int = 0) -> str:
    """Migrate, add the administrator the clients log in as, bulk-seed leads. Returns the password."""
    from sqlmodel import select

    from crm_app import db, migrations
    from crm_app.models import Role, User
    from crm_app.services import auth, bulk_seed, defaults

    password = secrets.token_urlsafe(16)
    migrations.upgrade(db_url)
    with db.session(db_url) as s:
        defaults.ensure_defaults(session=s)
        user = s.exec(select(User).where(User.email == EMAIL)).first()
        if user is None:
            user = User(email=EMAIL, name="Load Admin", role=Role.ADMIN)
            s.add(user)
        user.password_hash = auth.hash_password(password)
        user.is_active = True
        s.commit()
    with db.session(db_url) as s:
        bulk_seed.seed_bulk(session=s, leads=leads, random_seed=random_seed)
    db.dispose_engines()
    return password


@contextmanager
def server(db_url: str, tmp: Path) -> Iterator[str]:
    """`reflex run --env prod` on a free port, its build folder in `tmp`; yields its URL."""
    port = _free_port()
    log = tmp / "server.log"
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "REFLEX_DB_URL": db_url,
        "REFLEX_WEB_WORKDIR": str(tmp / "web"),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}:{bin_dir}:{os.environ.get('PATH', '')}",
    }
    env.pop("REFLEX_REDIS_URL", None)
    cmd = [
        str(bin_dir / "reflex"), "run", "--env", "prod", "--single-port",
        "--frontend-port", str(port), "--backend-port", str(port),
    ]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the app exited while starting:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=2) as r:
                    if r.status == 200:
                        with urllib.request.urlopen(f"{url}/", timeout=5):
                            break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start in {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server's whole process group (reflex run, its workers, the build's bun)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group, even once the leader is gone
    except ProcessLookupError:
        pass
    proc.wait(timeout=5)


def _load(url: str, args, email: str, password: str) -> LoadResult:
    return asyncio.run(
        run_load(url, email=email, password=password, clients=args.clients, seconds=args.seconds)
    )


def _rows(result: LoadResult, case: str) -> list[Row]:
    note = (
        f"p50 {result.percentile(50) * 1000:.0f} ms, p95 {result.percentile(95) * 1000:.0f} ms,"
        f" {result.mean('text_bytes') / 1000:.1f} kB/open, {result.error_count} errors"
    )
    # no open at all (every client failed, as when logging in broke) fails the bench: a table of
    # zeros must not pass for a measurement
    failed = not result.opens
    return [Row(NAME, case, result.seconds, len(result.opens), note, unit="opens", failed=failed)]


def run(args) -> list[Row]:
    if args.url:
        if not (args.email and args.password):
            raise SystemExit("--url needs --email and --password (a user who may see leads)")
        result = _load(args.url, args, args.email, args.password)
        print(result.summary(), file=sys.stderr)
        return _rows(result, f"open /leads, {args.clients} clients, {args.url}")
    if args.load_db:
        return _run_on(args, args.load_db)
    rows = []
    wanted = {d.strip() for d in args.databases.split(",")}
    if "sqlite" in wanted:
        rows += _run_on(args, None)
    if "postgresql" in wanted:
        with _pg_database() as pg_url:
            if pg_url is not None:
                rows += _run_on(args, pg_url)
    return rows


def _run_on(args, db_url: str | None) -> list[Row]:
    """Seed, start the server, load it: on `db_url`, or a temporary SQLite file."""
    with tempfile.TemporaryDirectory(prefix="crm-load-") as tmp:
        db_url = db_url or f"sqlite:///{Path(tmp) / 'load.db'}"
        kind = db_url.split(":", 1)[0].split("+", 1)[0]
        print(f"  seeding {args.load_leads:,} leads ({kind}) ...", file=sys.stderr, flush=True)
        password = seed(db_url, args.load_leads, args.random_seed)
        print("  starting the server (prod build) ...", file=sys.stderr, flush=True)
        with server(db_url, Path(tmp)) as url:
            result = _load(url, args, EMAIL, password)
        print(result.summary(), file=sys.stderr)
    return _rows(result, f"open /leads, {args.clients} clients ({args.load_leads:,} leads, {kind})")


@contextmanager
def _pg_database() -> Iterator[str | None]:
    """A new, empty PostgreSQL database for one load run, dropped afterwards (None when
    PostgreSQL does not answer)."""
    import sqlalchemy as sa

    from bench.bench_search import PG_ADMIN

    name = f"crm_load_{secrets.token_hex(4)}"
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        print("  PostgreSQL does not answer: load on PostgreSQL skipped", file=sys.stderr)
        yield None
        return
    try:
        yield sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        from crm_app import db

        db.dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
