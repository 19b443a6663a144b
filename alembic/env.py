"""Alembic environment: the models' metadata and the engine from crm_app.db."""

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import crm_app.models  # noqa: F401 - registers every table
from crm_app.db import get_engine
from crm_app.services import party_index, search_index

target_metadata = SQLModel.metadata


def _url() -> str | None:
    return context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(_url()).connect() as conn:
        # SQLite table rebuilds (batch mode) must not fire foreign keys: dropping the old `deal`
        # would cascade-delete its line items. The pragma only works outside a transaction.
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            _run(conn)
            conn.commit()
        finally:
            if sqlite:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_declared,
    )
    with context.begin_transaction():
        context.run_migrations()
        _search_index(connection)


def _declared(name, _type, _parent) -> bool:
    """The search index's own tables, triggers and indexes are not in the models: leave them out of
    autogenerate's comparison."""
    return not (search_index.is_index_object(name) or party_index.is_index_object(name))


def _search_index(connection) -> None:
    """The lead search index exists whenever its columns do: a later migration that rebuilds
    `lead` on SQLite drops its triggers, and they come back here (with the index rebuilt)."""
    lead = sa.inspect(connection).get_columns("lead") if sa.inspect(connection).has_table("lead") else []
    if any(c["name"] == "search_text" for c in lead):
        search_index.install(connection)
    contact = (
        sa.inspect(connection).get_columns("contact") if sa.inspect(connection).has_table("contact") else []
    )
    if any(c["name"] == "search_text" for c in contact):
        party_index.install(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
