"""A growing team's set-up: PostgreSQL, Redis and two backend workers, driven in the browser.

The test proves the workers share the users' state: a tab's websocket is moved from one worker
process to the other (each reconnection is a new connection, which the kernel hands to either
worker), and what the tab did through the first worker is there on the second, and back. Which
worker holds a tab's socket is read from Redis, where Reflex records each connected tab's owner
(`token_manager_socket_record_<tab token>`: the worker's instance id, one per worker process).
With one worker, or without Redis, the test fails.
"""

import json
import os
import pickle
import re
import secrets
import shutil
import time
import urllib.request

import pytest
import redis
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from crm_app import db
from tests.conftest import PG_ADMIN_URL, REDIS_URL, _pg_reachable, unavailable
from tests.e2e.conftest import ROOT, login, run_server
from tests.factories import create_lead

WORKERS = 2
RECONNECTS = 24  # each lands on the other worker with a chance of 1/2: 24 misses are 1 in 16 million


@pytest.fixture
def pg_redis_server(tmp_path, redis_url):
    reason = _pg_reachable()
    if reason:
        unavailable(reason)
    name = f"crm_e2e_{secrets.token_hex(4)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        env = {"REFLEX_REDIS_URL": REDIS_URL, "GRANIAN_WORKERS": str(WORKERS)}
        workdir = f".web-e2e-scale-{os.getpid()}"
        try:
            with run_server(tmp_path, url, workdir=workdir, extra_env=env) as server:
                yield server
        finally:
            shutil.rmtree(ROOT / workdir, ignore_errors=True)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tab_token(page: Page) -> str:
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    assert token, "the tab has no Reflex token"
    return token


def _socket_owner(r: redis.Redis, token: str) -> str | None:
    """The instance id of the worker holding this tab's websocket, None while it has none."""
    raw = r.get(f"token_manager_socket_record_{token}")
    return None if raw is None else pickle.loads(raw).instance_id  # a reflex SocketRecord


def _wait_owner(r: redis.Redis, token: str, *, present: bool, timeout: float = 15) -> str | None:
    deadline = time.monotonic() + timeout
    while True:
        owner = _socket_owner(r, token)
        if (owner is not None) == present:
            return owner
        if time.monotonic() > deadline:
            state = "no worker recorded the tab's websocket in Redis" if present else "the socket stayed"
            pytest.fail(f"{state} after {timeout}s (is the Redis state manager on?)")
        time.sleep(0.05)


def _reconnect_until(page: Page, r: redis.Redis, token: str, wanted) -> str:
    """Close the tab's websocket and open the leads list again in the same tab (same token, so
    the same state) until `wanted(owner)`; returns the new owner."""
    seen = set()
    for _ in range(RECONNECTS):
        page.goto("about:blank")  # the page and its websocket go
        _wait_owner(r, token, present=False)
        page.goto("/leads?resume=1")  # as the sidebar's link: back to the tab's place
        expect(page.get_by_label("Search leads")).to_be_visible()
        owner = _wait_owner(r, token, present=True)
        assert owner is not None
        assert _tab_token(page) == token  # still the same tab state, not a fresh one
        seen.add(owner)
        if wanted(owner):
            return owner
    pytest.fail(f"{RECONNECTS} reconnections all landed on the same worker(s) {seen}: is there only one?")


def _search(page: Page, text: str) -> None:
    page.get_by_label("Search leads").fill(text)
    page.get_by_role("button", name="Search", exact=True).click()


def _shows_search(page: Page, text: str, lead_name: str) -> None:
    """The list shows the search the tab's state holds (the text box and its one result)."""
    expect(page.get_by_label("Search leads")).to_have_value(text)
    rows = page.get_by_test_id("lead-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(lead_name)


def test_postgres_redis_two_workers_share_the_state(pg_redis_server, browser: Browser, redis_url):
    with urllib.request.urlopen(f"{pg_redis_server.url}/_health", timeout=10) as r:
        health = json.load(r)
    assert health["status"] is True and health["db"] is True and health["redis"] is True
    workers = pg_redis_server.worker_pids()
    assert len(workers) == WORKERS, f"worker processes of the server: {workers}"

    context = browser.new_context(base_url=pg_redis_server.url)
    page = context.new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup/?$"))
    page.get_by_label("Name").fill("Paula Postgres")
    page.get_by_label("E-mail").fill("paula@example.com")
    page.get_by_label("Password").fill("shared state passphrase")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    page.get_by_role("button", name="User menu").click()
    page.get_by_role("menuitem", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    login(page, "paula@example.com", "shared state passphrase")
    expect(page.get_by_role("heading", name="My day")).to_be_visible()

    first_tag, second_tag = f"first{secrets.token_hex(3)}", f"second{secrets.token_hex(3)}"
    with db.session(pg_redis_server.db_url) as s:
        create_lead(s, first_name="Fiona", last_name=f"Shared {first_tag}")
        create_lead(s, first_name="Simon", last_name=f"Shared {second_tag}")

    r = redis.Redis.from_url(redis_url)
    token = _tab_token(page)
    page.goto("/leads")
    _search(page, first_tag)  # held in the tab's state on the worker serving it now
    _shows_search(page, first_tag, "Fiona")
    first_worker = _wait_owner(r, token, present=True)

    # the same tab, now served by the other worker: still logged in, same search
    second_worker = _reconnect_until(page, r, token, lambda owner: owner != first_worker)
    _shows_search(page, first_tag, "Fiona")
    # not sent to the login page; /leads?resume=1 went back to the tab's place, held in its state
    expect(page).to_have_url(re.compile(rf"/leads/?\?q={first_tag}$"))

    # a change made through the second worker is seen back on the first one
    _search(page, second_tag)
    _shows_search(page, second_tag, "Simon")
    _reconnect_until(page, r, token, lambda owner: owner == first_worker)
    _shows_search(page, second_tag, "Simon")
    assert pg_redis_server.worker_pids() == workers  # the same two processes all along
    assert second_worker != first_worker

    context.close()
    r.close()
    assert pg_redis_server.new_log_errors() == []
