"""Reflex configuration. REFLEX_DB_URL and REFLEX_REDIS_URL override the defaults below.

CRM_STATE_TTL_SECONDS (default 3 hours) is how long a closed tab's UI state outlives its last event,
in the worker's memory or as the TTL of its Redis keys (see crm_app/state_ttl.py).
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
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")
        ),
    ],
)
# Without Redis, states live in the worker's memory only: Reflex's default "disk" mode also pickles
# every changed state to .states/, and under load its write queue holds states past their expiry
# (a restart loses nothing that matters: tabs reconnect and hydrate again). With REFLEX_REDIS_URL
# the mode is left unset, so Reflex picks Redis; REFLEX_STATE_MANAGER_MODE still wins.
if not os.environ.get("REFLEX_REDIS_URL") and not os.environ.get("REFLEX_STATE_MANAGER_MODE"):
    config.state_manager_mode = rx.constants.StateManagerMode.MEMORY
