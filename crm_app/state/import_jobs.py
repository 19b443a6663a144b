"""The lead import's work outside the state: its job row, the import itself and its report,
each in a database thread with its own short session (the import's worker thread writes)."""

from __future__ import annotations

from crm_app import db
from crm_app.models import ImportJob, User
from crm_app.services import auth, formatting, lead_import
from crm_app.services.errors import NotAuthenticated, NotFound
from crm_app.services.i18n import Msg


def read_job(job_id: int) -> ImportJob:
    """The job's row as it is now (its own short session: the worker thread writes it)."""
    with db.session() as s:
        job = s.get(ImportJob, job_id)
    if job is None:
        raise NotFound(Msg("This import does not exist."))
    return job


def create_job(
    token: str, columns: dict[int, str], width: int, file_name: str, policy: str, dry_run: bool
) -> tuple[int, int, dict[int, str]]:
    """The job's row, for the session's user (a database thread): (user id, job id, mapping)."""
    with db.session() as s:
        user = auth.require_session(session=s, token=token)
        mapping = lead_import.clean_mapping(columns, width)
        job = lead_import.create_job(
            session=s, user=user, filename=file_name, mapping=mapping, on_duplicate=policy, dry_run=dry_run
        )
        return user.id or 0, job.id or 0, mapping


def run_job(
    user_id: int,
    job_id: int,
    path: str,
    mapping: dict[int, str],
    policy: str,
    dry_run: bool,
    choices: dict | None = None,
):
    """The import itself, in a worker thread with its own database session."""
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None:  # what run_import's permission check raises for nobody
            raise NotAuthenticated()
        return lead_import.run_import(
            session=s,
            user=user,
            path=path,
            mapping=mapping,
            on_duplicate=policy,
            dry_run=dry_run,
            job_id=job_id,
            values=choices,
        )


def report(user_id: int, job_id: int, lang: str) -> tuple[list[list[str]], int, list[str]]:
    """The summary's grouped failure reasons [[reason, rows]], the rows of the others, and the
    values left empty."""
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotAuthenticated()
        reasons, rest = lead_import.failure_reasons(session=s, user=user, job_id=job_id)
        lines = lead_import.warning_lines(session=s, user=user, job_id=job_id, lang=lang)
    return [[r, formatting.number(n, lang)] for r, n in reasons], rest, lines
