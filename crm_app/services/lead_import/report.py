"""What an import's summary says beyond its counts: the reasons rows failed, grouped with their
row counts, and the values that matched nothing and were left empty (`job.warnings`)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm_app.models import ImportRowError, User
from crm_app.services import formatting
from crm_app.services.i18n import Msg, gettext
from crm_app.services.lead_import.mapping import FIELDS_BY_KEY
from crm_app.services.lead_import.run import get_job

MAX_REASONS = 10


def failure_reasons(
    *, session: Session, user: User, job_id: int, limit: int = MAX_REASONS
) -> tuple[list[tuple[str, int]], int]:
    """The most frequent reasons rows failed or were skipped with a note, with their row counts
    (one GROUP BY), and how many rows the other reasons hold."""
    job = get_job(session=session, user=user, job_id=job_id)
    rows = func.count()
    grouped = session.exec(
        select(ImportRowError.reason, rows)
        .where(ImportRowError.job_id == job.id)
        .group_by(col(ImportRowError.reason))
        .order_by(rows.desc(), col(ImportRowError.reason))
    ).all()
    top = [(reason, int(n)) for reason, n in grouped[:limit]]
    return top, sum(int(n) for _reason, n in grouped[limit:])


def warning_lines(*, session: Session, user: User, job_id: int, lang: str = "en") -> list[str]:
    """'Source "Salon": left empty (rows: 6)', one line per value (job.warnings), in `lang`."""
    job = get_job(session=session, user=user, job_id=job_id)
    lines = []
    for name, value, rows in job.warnings or []:
        field = FIELDS_BY_KEY.get(str(name))
        label = gettext(lang, field.label) if field else str(name)
        count = formatting.number(int(rows), lang)
        if value:
            lines.append(
                Msg(
                    "{field} “{value}”: left empty (rows: {rows})", field=label, value=value, rows=count
                ).translate(lang)
            )
        else:
            lines.append(
                Msg("{field}, other values: left empty (rows: {rows})", field=label, rows=count).translate(
                    lang
                )
            )
    return lines
