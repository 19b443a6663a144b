"""Settings -> Leads: lead statuses, sources, junk reasons and the default phone region.

Everyone may read these lists; only administrators change them. Each list has its module
(lead_statuses, sources, junk_reasons, phone_region) on the rules every settings list shares
(settings_lists); this module gathers what the Settings -> Leads page, the API and the `crm`
command call, under the names they have always used.
"""

from __future__ import annotations

from crm_app.services.junk_reasons import (
    ReasonRow,
    add_junk_reason,
    delete_junk_reason,
    junk_reason_usage,
    list_junk_reasons,
    move_junk_reason,
    rename_junk_reason,
    reorder_junk_reasons,
)
from crm_app.services.lead_statuses import (
    SEMANTIC_LABELS,
    SEMANTIC_ORDER,
    StatusRow,
    add_status,
    delete_status,
    list_statuses,
    move_status,
    reorder_statuses,
    status_usage,
    update_status,
)
from crm_app.services.phone_region import (
    get_phone_region,
    region_choices,
    set_phone_region,
)
from crm_app.services.settings_lists import (
    COLOR_RE,
    DEFAULT_COLOR,
    MAX_ITEMS,
    MAX_NAME,
    InUse,
)
from crm_app.services.sources import (
    SYSTEM_SOURCES,
    SourceRow,
    add_source,
    delete_source,
    list_sources,
    move_source,
    rename_source,
    reorder_sources,
    set_source_active,
    source_usage,
)

__all__ = [
    "COLOR_RE",
    "DEFAULT_COLOR",
    "MAX_ITEMS",
    "MAX_NAME",
    "SEMANTIC_LABELS",
    "SEMANTIC_ORDER",
    "SYSTEM_SOURCES",
    "InUse",
    "ReasonRow",
    "SourceRow",
    "StatusRow",
    "add_junk_reason",
    "add_source",
    "add_status",
    "delete_junk_reason",
    "delete_source",
    "delete_status",
    "get_phone_region",
    "junk_reason_usage",
    "list_junk_reasons",
    "list_sources",
    "list_statuses",
    "move_junk_reason",
    "move_source",
    "move_status",
    "region_choices",
    "rename_junk_reason",
    "rename_source",
    "reorder_junk_reasons",
    "reorder_sources",
    "reorder_statuses",
    "set_phone_region",
    "set_source_active",
    "source_usage",
    "status_usage",
    "update_status",
]
