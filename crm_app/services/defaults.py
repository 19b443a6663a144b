"""The settings a new CRM starts with: lead statuses, a deal pipeline, sources, currencies, reasons.

Names are stored in English; the UI shows the stored name (users rename them freely).
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from crm_app.models import Currency, LostReason, Pipeline, PipelineKind, ReasonKind, Source, Stage
from crm_app.models import StageSemantic as S

LEAD_STATUSES = [
    ("New", "#3b82f6", S.IN_PROGRESS),
    ("In progress", "#06b6d4", S.IN_PROGRESS),
    ("Processed", "#8b5cf6", S.IN_PROGRESS),
    ("Converted", "#22c55e", S.SUCCESS),
    ("Junk", "#ef4444", S.FAILURE),
]
DEAL_STAGES = [
    ("New", "#3b82f6", S.IN_PROGRESS),
    ("Preparing documents", "#06b6d4", S.IN_PROGRESS),
    ("Invoice", "#8b5cf6", S.IN_PROGRESS),
    ("In progress", "#f59e0b", S.IN_PROGRESS),
    ("Final invoice", "#f97316", S.IN_PROGRESS),
    ("Won", "#22c55e", S.SUCCESS),
    ("Lost", "#ef4444", S.FAILURE),
]
SOURCES = [
    ("web", "Website"),
    ("phone", "Phone call"),
    ("email", "E-mail"),
    ("referral", "Referral"),
    ("trade_show", "Trade show"),
    ("web_form", "Web form"),
    ("import", "Import"),
    ("api", "API"),
    ("other", "Other"),
]
CURRENCIES = [
    ("EUR", "Euro", Decimal("1"), True),
    ("USD", "US dollar", Decimal("1.08"), False),
    ("GBP", "Pound sterling", Decimal("0.85"), False),
]
DEAL_LOST_REASONS = ["Price too high", "Chose a competitor", "No budget", "No answer", "Other"]
LEAD_JUNK_REASONS = ["Duplicate", "Wrong contact details", "Not interested", "Spam", "Other"]


def ensure_defaults(*, session: Session) -> None:
    """Create whatever default list is still empty. Idempotent; commits nothing by itself."""
    if session.exec(select(Pipeline.id).where(Pipeline.kind == PipelineKind.LEAD)).first() is None:
        _pipeline(session, "Leads", PipelineKind.LEAD, LEAD_STATUSES)
    if session.exec(select(Pipeline.id).where(Pipeline.kind == PipelineKind.DEAL)).first() is None:
        _pipeline(session, "Sales", PipelineKind.DEAL, DEAL_STAGES)
    if session.exec(select(Source.id)).first() is None:
        for i, (code, name) in enumerate(SOURCES):
            session.add(Source(code=code, name=name, sort=(i + 1) * 10))
    if session.exec(select(Currency.code)).first() is None:
        for i, (code, name, rate, base) in enumerate(CURRENCIES):
            session.add(Currency(code=code, name=name, rate=rate, is_base=base, sort=i))
    if session.exec(select(LostReason.id)).first() is None:
        for kind, names in (
            (ReasonKind.DEAL_LOST, DEAL_LOST_REASONS),
            (ReasonKind.LEAD_JUNK, LEAD_JUNK_REASONS),
        ):
            for i, name in enumerate(names):
                session.add(LostReason(kind=kind, name=name, sort=(i + 1) * 10))
    session.flush()


def _pipeline(session: Session, name: str, kind: PipelineKind, stages) -> Pipeline:
    pipeline = Pipeline(name=name, kind=kind, is_default=True)
    session.add(pipeline)
    session.flush()
    for i, (stage_name, color, semantic) in enumerate(stages):
        session.add(
            Stage(pipeline_id=pipeline.id, name=stage_name, color=color, semantic=semantic, sort=(i + 1) * 10)
        )
    return pipeline


def base_currency(*, session: Session) -> str:
    code = session.exec(select(Currency.code).where(Currency.is_base)).first()
    return code or "EUR"
