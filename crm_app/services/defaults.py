"""The settings a new CRM starts with: lead statuses, a deal pipeline, sources, currencies, reasons.

Names are stored in the first administrator's language. Until someone renames it, a default
shows in each user's language (`display_name`); a renamed one shows as it was named.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from sqlmodel import Session, select

from crm_app.models import Currency, LostReason, Pipeline, PipelineKind, ReasonKind, Source, Stage
from crm_app.models import StageSemantic as S
from crm_app.models.base import saved_id
from crm_app.services.i18n import LANGUAGES, N_, gettext

LEAD_STATUSES = [  # name, colour, kind, probability (none for leads)
    (N_("New"), "#3b82f6", S.IN_PROGRESS, 0),
    (N_("In progress"), "#06b6d4", S.IN_PROGRESS, 0),
    (N_("Processed"), "#8b5cf6", S.IN_PROGRESS, 0),
    (N_("Converted"), "#22c55e", S.SUCCESS, 0),
    (N_("Junk"), "#ef4444", S.FAILURE, 0),
]
DEAL_STAGES = [  # name, colour, kind, probability %
    (N_("New"), "#3b82f6", S.IN_PROGRESS, 10),
    (N_("Preparing documents"), "#06b6d4", S.IN_PROGRESS, 30),
    (N_("Invoice"), "#8b5cf6", S.IN_PROGRESS, 50),
    (N_("In progress"), "#f59e0b", S.IN_PROGRESS, 70),
    (N_("Final invoice"), "#f97316", S.IN_PROGRESS, 90),
    (N_("Won"), "#22c55e", S.SUCCESS, 100),
    (N_("Lost"), "#ef4444", S.FAILURE, 0),
]
NEW_PIPELINE_STAGES = [  # a pipeline added in Settings -> Deals starts with these
    (N_("New"), "#3b82f6", S.IN_PROGRESS, 10),
    (N_("In progress"), "#f59e0b", S.IN_PROGRESS, 50),
    (N_("Won"), "#22c55e", S.SUCCESS, 100),
    (N_("Lost"), "#ef4444", S.FAILURE, 0),
]
SOURCES = [
    ("web", N_("Website")),
    ("phone", N_("Phone call")),
    ("email", N_("E-mail")),
    ("referral", N_("Referral")),
    ("trade_show", N_("Trade show")),
    ("web_form", N_("Web form")),
    ("import", N_("Import")),
    ("api", N_("API")),
    ("other", N_("Other")),
]
CURRENCIES = [
    ("EUR", N_("Euro"), Decimal("1"), True),
    ("USD", N_("US dollar"), Decimal("1.08"), False),
    ("GBP", N_("Pound sterling"), Decimal("0.85"), False),
]
DEAL_LOST_REASONS = [
    N_("Price too high"),
    N_("Chose a competitor"),
    N_("No budget"),
    N_("No answer"),
    N_("Other"),
]
LEAD_JUNK_REASONS = [
    N_("Duplicate"),
    N_("Wrong contact details"),
    N_("Not interested"),
    N_("Spam"),
    N_("Other"),
]


@cache
def _default_msgids() -> dict[str, str]:
    """A default status, stage, source, reason, pipeline or currency name, as stored in any language -> its msgid."""
    names = [name for name, *_ in (*LEAD_STATUSES, *DEAL_STAGES)]
    names += (
        [name for _, name in SOURCES] + DEAL_LOST_REASONS + LEAD_JUNK_REASONS + [N_("Leads"), N_("Sales")]
    )
    names += [name for _, name, _, _ in CURRENCIES]
    found = {gettext(lang, name): name for lang in LANGUAGES if lang != "en" for name in names}
    found.update({name: name for name in names})  # an English name is its own msgid
    return found


def display_name(name: str, lang: str) -> str:
    """The name of a status, stage, source or reason as `lang` shows it: a default nobody renamed
    (its name still a default's, in whichever language it was created) in `lang`, any other name
    as stored."""
    msgid = _default_msgids().get(name)
    return gettext(lang, msgid) if msgid else name


def ensure_defaults(*, session: Session, language: str = "en") -> None:
    """Create whatever default list is still empty, named in `language` (the first administrator's;
    people rename them freely later). Idempotent; commits nothing by itself."""

    def _(name: str) -> str:
        return gettext(language, name)

    if session.exec(select(Pipeline.id).where(Pipeline.kind == PipelineKind.LEAD)).first() is None:
        _pipeline(session, _(N_("Leads")), PipelineKind.LEAD, LEAD_STATUSES, _)
    if session.exec(select(Pipeline.id).where(Pipeline.kind == PipelineKind.DEAL)).first() is None:
        _pipeline(session, _(N_("Sales")), PipelineKind.DEAL, DEAL_STAGES, _)
    if session.exec(select(Source.id)).first() is None:
        for i, (code, name) in enumerate(SOURCES):
            session.add(Source(code=code, name=_(name), sort=(i + 1) * 10))
    if session.exec(select(Currency.code)).first() is None:
        for i, (code, name, rate, base) in enumerate(CURRENCIES):
            session.add(Currency(code=code, name=_(name), rate=rate, is_base=base, sort=i))
    if session.exec(select(LostReason.id)).first() is None:
        for kind, names in (
            (ReasonKind.DEAL_LOST, DEAL_LOST_REASONS),
            (ReasonKind.LEAD_JUNK, LEAD_JUNK_REASONS),
        ):
            for i, name in enumerate(names):
                session.add(LostReason(kind=kind, name=_(name), sort=(i + 1) * 10))
    session.flush()


def _pipeline(session: Session, name: str, kind: PipelineKind, stages, translate) -> Pipeline:
    pipeline = Pipeline(name=name, kind=kind, is_default=True)
    session.add(pipeline)
    session.flush()
    add_stages(session, saved_id(pipeline), stages, translate)
    return pipeline


def add_stages(session: Session, pipeline_id: int, stages, translate) -> None:
    """`stages` ((name msgid, colour, kind, probability), ...) into a pipeline, in that order."""
    for i, (stage_name, color, semantic, probability) in enumerate(stages):
        session.add(
            Stage(
                pipeline_id=pipeline_id,
                name=translate(stage_name),
                color=color,
                semantic=semantic,
                probability=probability,
                sort=(i + 1) * 10,
            )
        )


def base_currency(*, session: Session) -> str:
    code = session.exec(select(Currency.code).where(Currency.is_base)).first()
    return code or "EUR"
