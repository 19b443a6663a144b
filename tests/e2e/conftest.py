"""Browser tests: the production build, started once per test session on a free port with its own
temporary SQLite database and its own build folder (.web-e2e), so a running `make run` is untouched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crm_app import db, migrations
from crm_app.models import Role
from tests.factories import PASSWORD, create_user

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
START_TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, db_url: str, log: Path) -> None:
        self.url = url
        self.db_url = db_url
        self.log = log
        self._seen = 0

    def new_log_errors(self) -> list[str]:
        lines = self.log.read_text(errors="replace").splitlines()
        fresh, self._seen = lines[self._seen :], len(lines)
        return [line for line in fresh if "Traceback" in line or " ERROR" in line or "Error:" in line]


@contextmanager
def run_server(
    tmp: Path, db_url: str, *, workdir: str, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Start `reflex run --env prod` on a free port; stop its whole process group afterwards."""
    migrations.upgrade(db_url)
    port = _free_port()
    log = tmp / "server.log"
    env = {
        **os.environ,
        "REFLEX_DB_URL": db_url,
        "REFLEX_WEB_WORKDIR": workdir,
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "PATH": f"{ROOT / '.tools/node_modules/.bin'}:{ROOT / '.venv/bin'}:{os.environ.get('PATH', '')}",
    }
    env.pop("REFLEX_REDIS_URL", None)
    env.update(extra_env or {})
    cmd = [
        str(ROOT / ".venv/bin/reflex"), "run", "--env", "prod", "--single-port",
        "--frontend-port", str(port), "--backend-port", str(port),
    ]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited while starting:\n{log.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{url}/ping", timeout=2) as r:
                    if r.status == 200:
                        with urllib.request.urlopen(f"{url}/", timeout=5):
                            break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not start in {START_TIMEOUT}s:\n{log.read_text()[-4000:]}")
            time.sleep(1)
        server = Server(url, db_url, log)
        server.new_log_errors()
        yield server
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        db.dispose_engines()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium) or set CRM_CHROMIUM"
        )
    tmp = tmp_path_factory.mktemp("e2e")
    # a build folder per test run, so several runs (and `make run`) can go on side by side
    workdir = f".web-e2e-{os.getpid()}"
    try:
        with run_server(tmp, f"sqlite:///{tmp / 'crm.db'}", workdir=workdir) as server:
            yield server
    finally:
        shutil.rmtree(ROOT / workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(app_server) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _fail_on_app_errors(request, app_server):
    """Any error the app logs during a test fails that test."""
    app_server.new_log_errors()
    yield
    errors = app_server.new_log_errors()
    if errors:
        pytest.fail("the app logged errors:\n" + "\n".join(errors[:20]))


@pytest.fixture
def admin(app_server, first_run_done):
    """An administrator in the app's database (made directly through the services)."""
    with db.session(app_server.db_url) as s:
        from crm_app.services.auth import find_user_by_email

        user = find_user_by_email(session=s, email="boss@example.com")
        if user is None:
            user = create_user(s, role=Role.ADMIN, email="boss@example.com", name="Boss Admin")
    return {"email": "boss@example.com", "password": PASSWORD, "name": "Boss Admin"}


@pytest.fixture(scope="session")
def first_run_done():
    """Tests that need users run after the first-run test (see pytest_collection_modifyitems)."""
    return True


def pytest_collection_modifyitems(config, items):
    """Browser tests run last (Playwright's sync API keeps an event loop in the main thread),
    and the first-run journey, which needs an empty database, runs before the other ones."""

    def order(item) -> int:
        if "e2e" not in item.path.parts:
            return 0
        return 1 if item.get_closest_marker("first_run") else 2

    items.sort(key=order)


def login(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
