"""Reflex configuration. REFLEX_DB_URL and REFLEX_REDIS_URL override the defaults below.

CRM_STATE_TTL_SECONDS (default 3 hours) is how long a tab's UI state outlives its last event, in
the worker's memory, on disk, or as the TTL of its Redis keys (see crm_app/state_ttl.py).
"""

import os

import reflex as rx

from crm_app.db import database_url
from crm_app.state_ttl import state_ttl_seconds

config = rx.Config(
    app_name="crm_app",
    db_url=database_url(),
    # every state manager (memory, disk, Redis) expires a tab's state after this many idle seconds
    redis_token_expiration=state_ttl_seconds(),
    # without Redis, states live in the worker's memory only: Reflex's default "disk" mode also
    # pickles every changed state to .states/, and under load its write queue holds states past
    # their expiry (a restart loses nothing that matters: tabs reconnect and hydrate again)
    **(
        {}
        if os.environ.get("REFLEX_REDIS_URL")
        else {"state_manager_mode": rx.constants.StateManagerMode.MEMORY}
    ),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")
        ),
    ],
)
