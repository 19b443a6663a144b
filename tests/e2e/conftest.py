"""Browser tests: the production build, started once per test session on a free port with its own
temporary SQLite database and its own build folder (.web-e2e-<pid>), so a running `make run` is
untouched.

Each test module starts from a migrated, empty database (`fresh_database`: every row deleted
between modules, which takes milliseconds where starting a server per module takes ~20 s), so
modules pass alone and in any order; the `admin` fixture adds the administrator a test logs in with.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crm_app import db, migrations
from crm_app.models import Role
from tests.conftest import empty_database, row_counts
from tests.factories import PASSWORD, create_user

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
START_TIMEOUT = 300
ADMIN_EMAIL = "boss@example.com"
# the reflex command of the Python running the tests (a worktree may have no .venv of its own)
REFLEX = Path(sys.executable).parent / "reflex"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, db_url: str, log: Path, pid: int) -> None:
        self.url = url
        self.db_url = db_url
        self.log = log
        self.pid = pid  # `reflex run`: the backend workers are its child processes
        self._seen = 0

    def worker_pids(self) -> list[int]:
        """The server's worker processes (children of `reflex run`), from /proc."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:  # fields after the command name: state, ppid, ...
                pids.append(int(stat.parent.name))
        return sorted(pids)

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
        str(REFLEX), "run", "--env", "prod", "--single-port",
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
        server = Server(url, db_url, log, proc.pid)
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


def _uses_app_server(items) -> bool:
    return any("app_server" in item.fixturenames for item in items)


@pytest.fixture(autouse=True)
def _fail_on_app_errors(request):
    """Any error the app logs during a test fails that test."""
    if not _uses_app_server([request.node]):
        yield  # a test with its own server (test_scale) checks that server's log itself
        return
    app_server = request.getfixturevalue("app_server")
    app_server.new_log_errors()
    yield
    errors = app_server.new_log_errors()
    if errors:
        pytest.fail("the app logged errors:\n" + "\n".join(errors[:20]))


@pytest.fixture(scope="module", autouse=True)
def fresh_database(request) -> None:
    """Every module starts from a migrated, empty database: no user, no settings lists (the first
    administrator's setup, or the first factory, makes those)."""
    if not _uses_app_server(i for i in request.session.items if i.module is request.module):
        return
    app_server = request.getfixturevalue("app_server")
    empty_database(app_server.db_url)
    counts = row_counts(app_server.db_url)
    assert not any(counts.values()), counts


@pytest.fixture
def admin(app_server):
    """An administrator in the app's database (made directly, with the factories)."""
    with db.session(app_server.db_url) as s:
        from crm_app.services.auth import find_user_by_email

        if find_user_by_email(session=s, email=ADMIN_EMAIL) is None:
            create_user(s, role=Role.ADMIN, email=ADMIN_EMAIL, name="Boss Admin")
    return {"email": ADMIN_EMAIL, "password": PASSWORD, "name": "Boss Admin"}


PHONE = {"width": 390, "height": 844}


def pytest_generate_tests(metafunc):
    """A main journey (marked `phone`) runs twice: in the default window and in a phone's."""
    if metafunc.definition.get_closest_marker("phone") is not None:
        metafunc.parametrize("screen", ["laptop", "phone"], indirect=True)


@pytest.fixture(autouse=True)
def screen(request) -> str:
    """The window the test's page has: 'phone' (390 x 844) or the default 'laptop' (1280 x 720)."""
    name = getattr(request, "param", "laptop")
    if name == "phone" and "page" in request.fixturenames:
        # the same journey again: from the database it found the first time (as if run alone)
        empty_database(request.getfixturevalue("app_server").db_url)
        request.getfixturevalue("page").set_viewport_size(PHONE)
    return name


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop in the main thread."""
    items.sort(key=lambda item: "e2e" in item.path.parts)


def login(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def main_nav(page):
    """The sidebar's links: on a phone, in the drawer the menu button opens."""
    menu = page.get_by_role("button", name="Sections")
    if menu.is_visible():
        menu.click()
    return page.get_by_role("navigation", name="Main")
