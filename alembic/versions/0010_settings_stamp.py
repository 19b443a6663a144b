"""a stamp that changes with every write to users, permissions, pipelines, stages and sources

`settings_stamp` holds one row (id 1). Triggers on `user`, `role_permission`, `pipeline`, `stage`
and `source` give it a new random value after each write, in the writer's transaction, whatever
writes (the app, the `crm` command, SQL by hand): a process may keep what it read from those
tables for as long as the value it read with them stays. Random, not counted: a database emptied
and filled again (the tests do) never comes back to a value seen before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("user", "role_permission", "pipeline", "stage", "source")
SQLITE_OPS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "settings_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_context().dialect.name == "sqlite":
        op.execute("INSERT INTO settings_stamp (id, value) VALUES (1, random())")
        for table in TABLES:
            for what in SQLITE_OPS:
                op.execute(  # noqa: S608 - the names are this file's constants
                    f'CREATE TRIGGER settings_stamp_{table}_{what.lower()} AFTER {what} ON "{table}" '
                    "BEGIN INSERT OR REPLACE INTO settings_stamp (id, value) VALUES (1, random()); END"
                )
        return
    op.execute(
        "CREATE FUNCTION crm_settings_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO settings_stamp (id, value) VALUES (1, (random() * 9e18)::bigint) "
        "ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value; RETURN NULL; END $$"
    )
    op.execute("INSERT INTO settings_stamp (id, value) VALUES (1, (random() * 9e18)::bigint)")
    for table in TABLES:
        op.execute(
            f'CREATE TRIGGER settings_stamp_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION crm_settings_stamp()"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for table in TABLES:
            for what in SQLITE_OPS:
                op.execute(f"DROP TRIGGER IF EXISTS settings_stamp_{table}_{what.lower()}")
    else:
        for table in TABLES:
            op.execute(f'DROP TRIGGER IF EXISTS settings_stamp_{table} ON "{table}"')
        op.execute("DROP FUNCTION IF EXISTS crm_settings_stamp()")
    op.drop_table("settings_stamp")
