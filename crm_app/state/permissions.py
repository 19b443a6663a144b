"""Settings -> Permissions: the role x entity x action matrix, one select per cell."""

from __future__ import annotations

import dataclasses

import reflex as rx

from crm_app.services import permissions
from crm_app.services.i18n import COLON, N_, SEMICOLON
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

ROLE_LABELS = {
    "admin": N_("Administrator"),
    "manager": N_("Manager"),
    "sales": N_("Sales representative"),
}


@dataclasses.dataclass
class ScopeOption:
    value: str
    label: str


@dataclasses.dataclass
class CellView:
    key: str  # "role.entity.action"
    label: str  # "Leads: Edit", the select's accessible name
    value: str
    options: list[ScopeOption]


@dataclasses.dataclass
class EntityRowView:
    label: str
    cells: list[CellView]


@dataclasses.dataclass
class RoleBlockView:
    role: str
    label: str
    rows: list[EntityRowView]


class PermissionsState(SessionState):
    blocks: list[RoleBlockView] = []
    action_labels: list[str] = []
    loaded: bool = False
    allowed: bool = False

    def _build(self, s) -> None:
        grid = permissions.matrix(s)
        options = {
            entity: [ScopeOption(v, self._t(permissions.SCOPE_LABELS[v])) for v in scopes]
            for entity, scopes in permissions.ENTITY_SCOPES.items()
        }
        self.action_labels = [self._t(permissions.ACTION_LABELS[a.value]) for a in permissions.Action]
        blocks = []
        for role, role_label in ROLE_LABELS.items():
            rows = []
            for entity, actions in permissions.MATRIX_ACTIONS.items():
                entity_label = self._t(permissions.ENTITY_LABELS[entity])
                rows.append(
                    EntityRowView(
                        label=entity_label,
                        cells=[
                            CellView(
                                key=f"{role}.{entity}.{action}",
                                label=self._t(COLON).join(
                                    (
                                        self._t(role_label),
                                        entity_label,
                                        self._t(permissions.ACTION_LABELS[action]),
                                    )
                                ),
                                value=grid[role][entity][action],
                                options=options[entity],
                            )
                            for action in actions
                        ],
                    )
                )
            blocks.append(RoleBlockView(role=role, label=self._t(role_label), rows=rows))
        self.blocks = blocks
        self.loaded = True

    @db_event
    def load(self):
        self.loaded = False
        self.allowed = False
        with self._db() as s, self._handling() as h:
            permissions.require_settings(s, self._page_user(s))
            self.allowed = True
            self._build(s)
        if h.failed:
            self.loaded = True
            return h.events
        return None

    @db_event
    def set_cell(self, key: str, value: str):
        parts = str(key).split(".")
        if len(parts) != 3:
            return None
        with self._db() as s:

            def refused(errors: dict[str, str]):
                self._build(s)  # the select shows the stored value again
                return rx.toast.error(self._t(SEMICOLON).join(errors.values()))

            with self._handling(refused) as h:
                permissions.set_matrix(
                    s, actor=self._user(s), cells={(parts[0], parts[1], parts[2]): str(value)}
                )
                self._build(s)
        if h.failed:
            return h.events
        return rx.toast.success(self._t("Saved."))
