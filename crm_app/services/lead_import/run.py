"""Running an import: jobs, batches, the duplicate policy, progress.

`run_import` validates every row with `leads.clean_lead_data` (the one validation rule), finds
possible duplicates with the one matcher (`duplicates.find_matches_batch`, one query per batch)
and against earlier rows of the file, applies the duplicate policy, and writes new leads through
the one write path, `leads.create_leads` (Core executemany: leads, phones and e-mails, and the
"created" history entry with the same "possible duplicates" as the lead form writes), existing
ones through `leads.fill_lead`. One transaction per batch: each batch commits together with the
job's counters, so a crash never leaves a written batch without its summary. Failed rows go to
`import_error` with the reason and the raw values; each lead created or updated gets an
`import_change` row (what undoing the import needs: `history`), and the job a heartbeat.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from crm_app.models import EntityType, ImportChange, ImportJob, ImportRowError, ImportStatus, Lead, User
from crm_app.models.base import utcnow
from crm_app.services import duplicates, leads, permissions
from crm_app.services.errors import DomainError, FinalLead, NotFound, PermissionDenied, ValidationError
from crm_app.services.i18n import SEMICOLON, Msg, gettext, tr
from crm_app.services.lead_import import values as value_map
from crm_app.services.lead_import.mapping import auto_map, clean_mapping
from crm_app.services.lead_import.rows import (
    Batch,
    Parsed,
    _name_key,
    _parse_batch,
    _reasons,
    _Refs,
    _Row,
    _row_keys,
    _SettingsCache,
    value_key,
)
from crm_app.services.lead_import.upload import _has_values, open_csv

BATCH_SIZE = 1_000
POLICIES = ("skip", "update", "create")


# --- the import -----------------------------------------------------------------------------


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    total: int = 0
    job_id: int | None = None


@dataclass
class _Context:
    session: Session
    user: User
    refs: _Refs
    mapping: dict[int, str]
    policy: str
    dry_run: bool
    job: ImportJob
    summary: ImportSummary
    settings: Any = None  # _SettingsCache: what clean_lead_data reads
    # dry run only: what earlier batches would have created (a real import finds them in the DB)
    seen: set[str] = field(default_factory=set)
    # company names read for the matcher, kept for the whole import (see duplicates.CompanyNames)
    company_names: duplicates.CompanyNames | None = None
    prepared: dict[str, Any] = field(default_factory=dict)  # the value mapping (values.prepare_values)
    # (field, value key) -> [value as in the file, rows]: values that matched nothing, left empty
    left_empty: dict[tuple[str, str], list[Any]] = field(default_factory=dict)


def create_job(
    *,
    session: Session,
    user: User,
    filename: str,
    mapping: dict[int, str] | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
) -> ImportJob:
    """A pending import job (the UI makes it first, so it can follow its progress)."""
    permissions.require(session, user, permissions.Action.IMPORT, EntityType.LEAD)
    if on_duplicate not in POLICIES:
        raise ValidationError({"on_duplicate": Msg("Choose skip, update or create.")})
    job = ImportJob(
        user_id=user.id,
        filename=Path(filename).name[:255],
        dry_run=dry_run,
        on_duplicate=on_duplicate,
        mapping=_job_mapping(mapping or {}, []),
    )
    session.add(job)
    session.commit()
    session.refresh(job)
    return job


def get_job(*, session: Session, user: User, job_id: int) -> ImportJob:
    """A job its owner (or a user who may import for everyone: managers by default) may look at."""
    permissions.require_user(user)
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(Msg("This import does not exist."))
    if not permissions.may_see_import(session, user, job.user_id):
        raise PermissionDenied()
    return job


def run_import(
    *,
    session: Session,
    user: User,
    path: str | Path,
    mapping: dict[int, str] | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
    job_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    values: dict[str, Any] | None = None,
    create_missing_values: bool = False,
) -> ImportSummary:
    """Import leads from a CSV file (see the module docstring). `mapping` None: `auto_map`.

    Duplicate policy: "skip" leaves rows whose e-mail or phone is already known (or, without
    any, whose names match a lead); "update" fills the matching lead with the row's non-empty
    values (history written by `leads.update_lead`); "create" creates them anyway.
    A dry run makes the same checks and writes only the job and its failed rows.
    `progress(processed, total)` is called after each batch.
    `values`: what list values that match nothing become (`lead_import.values`); those it does
    not name are left empty and counted in `job.warnings`, unless `create_missing_values`
    creates the missing statuses and sources first.
    """
    permissions.require(session, user, permissions.Action.IMPORT, EntityType.LEAD)
    if on_duplicate not in POLICIES:
        raise ValidationError({"on_duplicate": Msg("Choose skip, update or create.")})
    path = Path(path)
    if job_id is None:
        job = create_job(
            session=session, user=user, filename=path.name, mapping=mapping,
            on_duplicate=on_duplicate, dry_run=dry_run,
        )  # fmt: skip
    else:
        job = get_job(session=session, user=user, job_id=job_id)
        if job.status != ImportStatus.PENDING:
            raise ValidationError({"": Msg("This import has already run.")})
        job.on_duplicate, job.dry_run = on_duplicate, dry_run
    summary = ImportSummary(job_id=job.id)
    try:
        csv_file = open_csv(path)
        mapping = clean_mapping(
            auto_map(csv_file.headers) if mapping is None else mapping, len(csv_file.headers)
        )
        choices = values
        if create_missing_values:
            unknown = value_map.unknown_values(
                session=session, user=user, path=path, mapping=mapping, top=None
            )
            choices = {**value_map.create_all(unknown), **(values or {})}
        prepared = value_map.prepare_values(session=session, user=user, choices=choices, dry_run=dry_run)
        job = session.get(ImportJob, job.id) or job  # creating values committed
        job.mapping = {
            **_job_mapping(mapping, csv_file.headers, csv_file.encoding, csv_file.delimiter),
            "values": prepared,
        }
        job.status = ImportStatus.RUNNING
        job.total_rows = summary.total = csv_file.count_rows()
        job.heartbeat_at = utcnow()
        session.add(job)
        session.commit()
        refs = value_map.load_choices(_Refs.load(session), prepared)
        ctx = _Context(session, user, refs, mapping, on_duplicate, dry_run, job, summary)
        ctx.prepared = prepared
        ctx.settings = _SettingsCache(session)
        if progress:
            progress(0, summary.total)
        _run_batches(ctx, _batches(csv_file.records(), batch_size), summary.total, progress)
    except BaseException as exc:
        session.rollback()
        if isinstance(exc, DomainError):
            message = str(exc.message)
        else:
            message = "The import stopped: " + (str(exc) or exc.__class__.__name__)
        try:
            _finish(session, job, ImportStatus.FAILED, message)
        except Exception:  # the first error is the one to report
            session.rollback()
        raise
    summary.total = job.processed  # what was read, should the file have changed since it was counted
    _finish(session, job, ImportStatus.DONE, "")
    return summary


def _job_mapping(
    mapping: dict[int, str], headers: list[str], encoding: str = "", delimiter: str = ""
) -> dict[str, Any]:
    """What the job keeps: the mapping, and the file's headers, encoding and separator (for the
    failed-rows file, written as the file was)."""
    kept: dict[str, Any] = {"columns": {str(k): v for k, v in mapping.items()}, "headers": list(headers)}
    if encoding:
        kept |= {"encoding": encoding, "delimiter": delimiter}
    return kept


def _finish(session: Session, job: ImportJob, status: ImportStatus, message: str) -> None:
    job = session.get(ImportJob, job.id) or job
    job.status = status
    job.message = message[:2000]
    job.finished_at = utcnow()
    session.add(job)
    session.commit()


def _batches(records: Iterable[tuple[int, list[str], Msg | None]], size: int) -> Iterator[Batch]:
    batch: Batch = []
    for number, cells, problem in records:
        if not _has_values(cells):
            continue  # blank rows are not rows
        batch.append((number, cells, problem))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- validation in a second process ------------------------------------------------------
# Validation (e-mail and phone checks) is about half of an import's time and needs no writes:
# a worker process validates the next batch while this one writes the current one.

PARALLEL_MIN_ROWS = 20_000
_WORKER: dict[str, Any] = {}


def _die_with_parent(parent_pid: int) -> None:
    """End this worker when the process that started it dies, even by SIGKILL.

    A pool's worker waits on a pipe it holds both ends of, so it would otherwise wait forever,
    holding its database connection. On Linux the kernel sends SIGKILL (PR_SET_PDEATHSIG); a
    thread also checks the parent once a second (other systems, and a parent that died before
    the signal was asked for).
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the thread below still does it

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(1)

    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_start(parent_pid: int, url: str, mapping: dict[int, str], prepared: dict[str, Any]) -> None:
    from crm_app import db

    _die_with_parent(parent_pid)
    session = Session(db.get_engine(url))
    refs = value_map.load_choices(_Refs.load(session), prepared)
    _WORKER.update(session=session, settings=_SettingsCache(session), refs=refs, mapping=mapping)
    session.rollback()  # read what it needs, hold no transaction open


def _worker_parse(batch: Batch) -> Parsed:
    try:
        return _parse_batch(_WORKER["settings"], _WORKER["refs"], _WORKER["mapping"], batch)
    finally:
        _WORKER["session"].rollback()


def _parallel_pool(ctx: _Context, total: int):
    """A one-process pool for big files (CRM_IMPORT_WORKERS=0 turns it off), else None."""
    if total < PARALLEL_MIN_ROWS or os.environ.get("CRM_IMPORT_WORKERS", "1") == "0":
        return None
    url = ctx.session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return _worker_pool(url.render_as_string(hide_password=False), ctx.mapping, ctx.prepared)


def _worker_pool(url: str, mapping: dict[int, str], prepared: dict[str, Any] | None = None):
    """One spawned worker that validates batches and ends with this process (`_die_with_parent`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(os.getpid(), url, mapping, prepared or {}),
    )


def _run_batches(ctx: _Context, batches: Iterable[Batch], total: int, progress) -> None:
    """Validate and write every batch; with a worker, validation runs one batch ahead."""
    pool = _parallel_pool(ctx, total)
    if pool is None:
        for batch in batches:
            _run_batch(ctx, batch)
            if progress:
                progress(ctx.job.processed, total)
        return
    from collections import deque
    from concurrent.futures.process import BrokenProcessPool

    ahead: deque = deque()
    broken = False
    try:
        for batch in batches:
            ahead.append((batch, None if broken else pool.submit(_worker_parse, batch)))
            while len(ahead) > 2:
                broken = _write_next(ctx, ahead, progress, total, broken, BrokenProcessPool)
        while ahead:
            broken = _write_next(ctx, ahead, progress, total, broken, BrokenProcessPool)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _write_next(ctx: _Context, ahead, progress, total: int, broken: bool, broken_error) -> bool:
    batch, future = ahead.popleft()
    parsed = None
    if future is not None and not broken:
        try:
            parsed = future.result()
        except broken_error:
            broken = True  # the worker died: validate here from now on
    _run_batch(ctx, batch, parsed)
    if progress:
        progress(ctx.job.processed, total)
    return broken


def _run_batch(ctx: _Context, batch: Batch, parsed: Parsed | None = None) -> None:
    """Validate (unless a worker did), check duplicates and write one batch, with the job's
    counters, in one transaction."""
    session, summary = ctx.session, ctx.summary
    rows, failures = (
        parsed if parsed is not None else _parse_batch(ctx.settings, ctx.refs, ctx.mapping, batch)
    )
    # "create" flags what it finds, as the form does; the other policies also match rows without
    # an e-mail or phone on a lead's names (what re-importing the same file needs)
    by_names = ctx.policy != "create"
    if ctx.company_names is None:
        ctx.company_names = duplicates.CompanyNames(session)
    found = duplicates.find_matches_batch(
        session,
        [duplicates.candidate(r.data, names=_name_key(r) if by_names else None) for r in rows],
        company_names=ctx.company_names,
    )
    pending: list[_Row] = []  # rows to create, in file order
    pending_matches: dict[int, list[duplicates.Match]] = {}
    pending_by_key: dict[str, _Row] = {}
    updated = skipped = 0
    notes: list[tuple[int, list[str], list[Any]]] = []  # rows skipped for a reason the report gives
    filled: list[tuple[Lead, dict[str, Any]]] = []  # leads updated, with the values replaced
    for index, row in enumerate(rows):
        matches = found.get(index, [])
        keys = _row_keys(row) if ctx.policy != "create" else []
        is_duplicate, lead_id = duplicates.policy_target(matches)
        earlier = next((pending_by_key[k] for k in keys if k in pending_by_key), None)
        seen_before = any(k in ctx.seen for k in keys)
        if ctx.policy != "create" and (is_duplicate or earlier is not None or seen_before):
            if ctx.policy == "skip":
                skipped += 1
                continue
            if earlier is not None:
                _merge_into(earlier, row)  # one lead made from both rows
                updated += 1
            elif lead_id is not None:
                try:
                    given = {k: row.data[k] for k in row.given if k in row.data}
                    replaced: dict[str, Any] = {}
                    lead = leads.fill_lead(
                        session=session,
                        user=ctx.user,
                        lead_id=lead_id,
                        given=given,
                        commit=False,
                        check_only=ctx.dry_run,
                        replaced=replaced,
                    )
                    if replaced:
                        filled.append((lead, replaced))
                    updated += 1
                except FinalLead as exc:  # a converted or junk lead is never updated: listed, skipped
                    skipped += 1
                    notes.append((row.number, row.cells, [exc.message]))
                except DomainError as exc:
                    reasons = _reasons(exc) if isinstance(exc, ValidationError) else [exc.message]
                    failures.append((row.number, row.cells, reasons))
            elif seen_before:
                updated += 1  # dry run: the lead an earlier batch would have made gets updated
            else:
                skipped += 1  # known as a contact or company only: there is no lead to update
            continue
        if row.create_error:
            failures.append((row.number, row.cells, row.create_error))
            continue
        if matches:
            pending_matches[len(pending)] = matches
        pending.append(row)
        for k in keys:
            pending_by_key.setdefault(k, row)
    if ctx.dry_run:
        for row in pending:
            ctx.seen.update(_row_keys(row))
    elif pending:
        made = leads.create_leads(
            session=session,
            user=ctx.user,
            rows=[row.data for row in pending],
            origin="import",
            validated=True,
            matches=pending_matches,
            default_source_id=ctx.refs.import_source_id,
            commit=False,
        )
        ctx.company_names.added(
            [(new.id, row.data.get("company_name") or "") for new, row in zip(made, pending, strict=True)]
        )
        _record_changes(ctx, [new.id for new in made], filled)
    elif filled:
        _record_changes(ctx, [], filled)
    if failures or notes:
        lang = ctx.user.language
        session.connection().execute(
            insert(ImportRowError.__table__),  # type: ignore[attr-defined]
            [
                {
                    "job_id": ctx.job.id,
                    "row_number": number,
                    # in the importer's language: the summary and the failed-rows file show it
                    "reason": gettext(lang, SEMICOLON).join(tr(lang, m) for m in reasons)[:2000],
                    "raw": cells,
                }
                for number, cells, reasons in [*failures, *notes]
            ],
        )
    for row in rows:
        for name, value in row.left_empty:
            entry = ctx.left_empty.setdefault((name, value_key(name, value)), [value, 0])
            entry[1] += 1
    summary.created += len(pending)
    summary.updated += updated
    summary.skipped += skipped
    summary.failed += len(failures)
    job = ctx.job
    job.processed += len(batch)
    job.created, job.updated, job.skipped, job.failed = (
        summary.created, summary.updated, summary.skipped, summary.failed,
    )  # fmt: skip
    if ctx.left_empty:
        job.warnings = _warnings(ctx.left_empty)
    job.heartbeat_at = utcnow()  # a running job whose heartbeat stopped was interrupted (history)
    session.add(job)
    session.commit()


MAX_WARNINGS = 50


def _warnings(left_empty: dict[tuple[str, str], list[Any]]) -> list[list[Any]]:
    """What the job keeps of the values left empty: [[field, value, rows], ...], the most rows
    first; past MAX_WARNINGS one [field, "", rows] per field sums the other values."""
    ranked = sorted(((n, v, rows) for (n, _k), (v, rows) in left_empty.items()), key=lambda w: -w[2])
    out = [list(w) for w in ranked[:MAX_WARNINGS]]
    rest: dict[str, int] = {}
    for name, _value, rows in ranked[MAX_WARNINGS:]:
        rest[name] = rest.get(name, 0) + rows
    out += [[name, "", rows] for name, rows in rest.items()]
    return out


def _record_changes(ctx: _Context, created: list[int], filled: list[tuple[Lead, dict[str, Any]]]) -> None:
    """What undoing the import needs, in the batch's transaction (one executemany): each lead
    created (version 1), and each lead updated with its version after the update and the values
    it replaced."""
    if filled:
        ctx.session.flush()  # the updates get their new versions
    rows = [
        {"job_id": ctx.job.id, "lead_id": lead_id, "kind": "created", "version": 1, "before": {}}
        for lead_id in created
    ]
    rows += [
        {
            "job_id": ctx.job.id,
            "lead_id": lead.id,
            "kind": "updated",
            "version": lead.version,
            "before": before,
        }
        for lead, before in filled
    ]
    if rows:
        ctx.session.connection().execute(insert(ImportChange.__table__), rows)  # type: ignore[attr-defined]


def _merge_into(target: _Row, row: _Row) -> None:
    """A later row of the file for a lead still to be created: its values fill / overwrite
    (the same rule as for an existing lead, `leads.fill_values`)."""
    given = {k: row.data[k] for k in row.given if k in row.data}
    target.data.update(leads.fill_values(target.data, given))
    target.given |= row.given
