"""Reflex configuration. REFLEX_DB_URL and REFLEX_REDIS_URL override the defaults below."""

import reflex as rx

from crm_app.db import database_url

config = rx.Config(
    app_name="crm_app",
    db_url=database_url(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")
        ),
    ],
)
