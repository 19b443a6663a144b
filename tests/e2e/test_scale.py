"""A growing team's set-up: PostgreSQL, Redis and two backend workers, driven in the browser."""

import json
import os
import re
import secrets
import shutil
import urllib.request

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from tests.conftest import PG_ADMIN_URL, REDIS_URL, _pg_reachable, unavailable
from tests.e2e.conftest import ROOT, login, run_server


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
        env = {"REFLEX_REDIS_URL": REDIS_URL, "GRANIAN_WORKERS": "2"}
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


def test_postgres_redis_two_workers(pg_redis_server, browser: Browser):
    with urllib.request.urlopen(f"{pg_redis_server.url}/_health", timeout=10) as r:
        health = json.load(r)
    assert health["status"] is True and health["db"] is True and health["redis"] is True
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
    context.close()
    assert pg_redis_server.new_log_errors() == []
