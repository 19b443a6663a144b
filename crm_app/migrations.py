"""Run Alembic from code (used by `crm db upgrade`, the app's start and the tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from crm_app.db import PROJECT_ROOT, database_url


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["url"] = url or database_url()
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
