"""The value mapping step of the lead import, as the import state shows it: one row per file
value that matches nothing (lead_import.values), each with the choices it offers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crm_app import db
from crm_app.services import auth, defaults, formatting, lead_import
from crm_app.services.errors import PermissionDenied
from crm_app.services.lead_import import values

OTHER = "*"  # the key of the "other values" row of a field (a folded value never is "*")


@dataclasses.dataclass
class ValueRow:
    id: str  # field and key: what `LeadImportState.value_choices` is keyed by
    field: str
    label: str  # the field's name, translated
    key: str  # values.value_key of the value, or OTHER
    value: str  # as the file writes it ("" for OTHER)
    shown: str  # what the row shows: the value, or "Other values (9,980)"
    rows: str  # its row count, formatted
    options: list[list[str]]  # [choice, label]


def unknown_values(token: str, path: str, mapping: dict[int, str]) -> list[values.ValueField]:
    """The file's unknown list values, for the session's user (a database thread)."""
    if not (path and Path(path).exists()):
        return []
    with db.session() as s:
        user = auth.require_session(session=s, token=token)
        try:
            return values.unknown_values(session=s, user=user, path=path, mapping=mapping)
        except PermissionDenied:  # the import itself says so, clearly, when it is started
            return []


def rows_of(fields: list[values.ValueField], t: Callable[[str], str], lang: str) -> list[ValueRow]:
    labels = {f.key: f.label for f in lead_import.FIELDS}
    out: list[ValueRow] = []
    for f in fields:
        label = t(labels.get(f.name, f.name))
        named = f.name in ("status", "source")  # defaults show in the user's language
        existing = [[choice, defaults.display_name(n, lang) if named else n] for choice, n in f.options]
        empty = [values.EMPTY, t("Leave empty")]
        for v in f.values:
            create = [[values.CREATE, t("Create “{value}”").format(value=v.value)]] if f.can_create else []
            out.append(
                ValueRow(
                    id=f"{f.name}|{v.key}",
                    field=f.name,
                    label=label,
                    key=v.key,
                    value=v.value,
                    shown=v.value,
                    rows=formatting.number(v.rows, lang),
                    options=[*create, empty, *existing],
                )
            )
        if f.other_values:
            out.append(
                ValueRow(
                    id=f"{f.name}|{OTHER}",
                    field=f.name,
                    label=label,
                    key=OTHER,
                    value="",
                    shown=t("Other values ({count})").format(count=formatting.number(f.other_values, lang)),
                    rows=formatting.number(f.other_rows, lang),
                    options=[empty, *existing],
                )
            )
    return out


def suggested(fields: list[values.ValueField]) -> dict[str, str]:
    """The choice each row starts with (a close existing name, else create, else empty)."""
    out = {f"{f.name}|{v.key}": v.choice for f in fields for v in f.values}
    out.update({f"{f.name}|{OTHER}": values.EMPTY for f in fields if f.other_values})
    return out


def choices(rows: list[ValueRow], chosen: dict[str, str]) -> dict[str, Any]:
    """What `run_import(values=...)` takes, from the rows and the user's choices."""
    out: dict[str, Any] = {}
    for row in rows:
        choice = chosen.get(row.id, values.EMPTY)
        if not any(choice == c for c, _label in row.options):
            choice = values.EMPTY
        entry = out.setdefault(row.field, {"values": {}})
        if row.key == OTHER:
            entry["other"] = choice
        else:
            entry["values"][row.key] = [choice, row.value]
    return out
