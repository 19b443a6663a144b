"""The last step of the lead import (/leads/import): the progress bar while it runs, then the
summary (counters, the failed rows file). Split from the page module to keep it short.
"""

from __future__ import annotations

import reflex as rx
from reflex.constants.colors import ColorType

from crm_app import routes
from crm_app.components.i18n import t, tn
from crm_app.components.import_values import summary_details
from crm_app.services.i18n import N_
from crm_app.state.lead_import import LeadImportState


def counter(label: str, value: rx.Var, color: ColorType, testid: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(value, size="7", weight="bold", color=rx.color(color, 11)),
            rx.text(t(label), size="2", color_scheme="gray"),
            spacing="1",
        ),
        data_testid=testid,
        flex="1",
    )


def counters() -> rx.Component:
    return rx.grid(
        counter(N_("Leads created"), LeadImportState.shown_counts["created"], "green", "count-created"),
        counter(N_("Leads updated"), LeadImportState.shown_counts["updated"], "blue", "count-updated"),
        counter(N_("Duplicates skipped"), LeadImportState.shown_counts["skipped"], "gray", "count-skipped"),
        counter(N_("Rows failed"), LeadImportState.shown_counts["failed"], "red", "count-failed"),
        columns=rx.breakpoints(initial="2", sm="4"),
        width="100%",
        spacing="3",
    )


def running_step() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(
                rx.cond(LeadImportState.dry_run, t("Dry run in progress…"), t("Import in progress…")),
                size="4",
                as_="h2",
            ),
            rx.progress(value=LeadImportState.progress_percent.to(int), max=100, aria_label=t("Progress")),
            rx.text(
                tn(
                    "{done} / {count} row",
                    "{done} / {count} rows",
                    LeadImportState.total,
                    done=LeadImportState.processed,
                ),
                size="2",
                color_scheme="gray",
            ),
            counters(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def done_step() -> rx.Component:
    title = rx.cond(
        LeadImportState.job_failed,
        t("The import stopped"),
        rx.cond(LeadImportState.dry_run, t("Dry run finished: nothing was saved"), t("Import finished")),
    )
    return rx.vstack(
        rx.card(
            rx.vstack(
                rx.heading(title, size="4", as_="h2"),
                rx.cond(
                    LeadImportState.job_failed,
                    rx.callout(
                        LeadImportState.job_message,
                        icon="triangle_alert",
                        color_scheme="red",
                        role="alert",
                        width="100%",
                    ),
                    rx.fragment(),
                ),
                counters(),
                summary_details(),
                rx.cond(
                    LeadImportState.dry_run,
                    rx.text(
                        t("These are the numbers the import would give. Change the mapping or import now."),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.fragment(),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            data_testid="import-summary",
        ),
        rx.hstack(
            rx.cond(
                LeadImportState.failed > 0,
                rx.button(
                    rx.icon("download", size=16),
                    t("Download failed rows"),
                    variant="soft",
                    color_scheme="red",
                    on_click=LeadImportState.download_failed_rows,
                ),
                rx.fragment(),
            ),
            rx.spacer(),
            rx.cond(
                LeadImportState.dry_run & ~LeadImportState.job_failed,
                rx.hstack(
                    rx.button(
                        t("Change the mapping"), variant="soft", on_click=LeadImportState.change_mapping
                    ),
                    rx.button(rx.icon("upload", size=16), t("Import"), on_click=LeadImportState.start_import),
                ),
                rx.hstack(
                    rx.button(t("Import another file"), variant="soft", on_click=LeadImportState.restart),
                    rx.button(rx.link(t("Go to leads"), href=routes.leads()), as_child=True),
                ),
            ),
            width="100%",
            align="center",
        ),
        spacing="4",
        width="100%",
    )
