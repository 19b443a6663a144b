"""CSV import of leads: `lead_import.run_import` against a raw sqlite3 executemany of the same rows.

A CSV of N leads (names from bulk_seed's faker pools, a unique e-mail and phone each, company, position,
website, address, amount) is written to a temporary folder. The import runs on a fresh, migrated
SQLite file: it reads and sniffs the file, validates every row with `leads.clean_lead_data`, checks
duplicates with the one matcher (`duplicates.find_matches_batch`: e-mails and phones in one query
per batch of 1,000, close company names once per 3-letter prefix) and writes each lead with its
e-mail, phone and "created" history entry (4 rows per lead) through the one write path of every
way in, `leads.create_leads`, one transaction per batch.
The baseline inserts the same leads and communications (3 rows per lead, no history, no checks)
with two sqlite3 executemany calls into another fresh file, in the same process.

Memory: the import of 10,000 and of N rows each runs in a child process that reports its peak
resident memory above what it held before the import (VmHWM - VmRSS), so the figures show whether
memory grows with the file.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import select

from bench import Row
from bench.bench_seed import _fresh_db, _raw_insert
from crm_app import db
from crm_app.models import Role, User
from crm_app.models.base import utcnow
from crm_app.services import bulk_seed, lead_import

NAME = "import"
HEADERS = [
    "First name", "Last name", "Company name", "Position", "E-mail", "Phone",
    "Website", "Address", "Opportunity", "Currency",
]  # fmt: skip
MEMORY_SMALL = 25_000  # above lead_import.PARALLEL_MIN_ROWS: both sizes take the same path


def _items(ctx: bulk_seed.BulkContext, n: int, random_seed: int) -> list[tuple[dict, list[dict]]]:
    """bulk_seed's lead rows, each with a unique e-mail and phone (so every row is created)."""
    items = []
    for i, (row, comms) in enumerate(bulk_seed.lead_rows(ctx, n, random_seed=random_seed)):
        email, phone = comms[0], comms[1]
        local, domain = email["value"].split("@")
        email = {**email, "value": f"{local}.{i}@{domain}", "normalized": f"{local}.{i}@{domain}".lower()}
        digits = f"{i:08d}"
        phone = {
            **phone,
            "value": f"+33 1 {digits[0:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}",
            "normalized": f"+331{digits}",
        }
        items.append((row, [email, phone]))
    return items


def _write_csv(path: Path, items: list[tuple[dict, list[dict]]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        for row, (email, phone) in items:
            writer.writerow(
                [
                    row["first_name"], row["last_name"], row["company_name"], row["position"],
                    email["value"], phone["value"], row["website"], row["address"],
                    "" if row["amount"] is None else str(row["amount"]), row["currency_code"],
                ]
            )  # fmt: skip


def _validate_only(url: str, path: Path) -> float:
    """Seconds to read and validate every row the way the import does, writing nothing."""
    csv_file = lead_import.open_csv(path)
    mapping = lead_import.auto_map(csv_file.headers)
    with db.session(url) as s:
        refs = lead_import._Refs.load(s)
        settings = lead_import._SettingsCache(s)
        started = time.perf_counter()
        for number, cells, _problem in csv_file.records():
            lead_import._parse_row(settings, refs, mapping, number, cells)
        return time.perf_counter() - started


def _import(url: str, path: Path) -> lead_import.ImportSummary:
    with db.session(url) as s:
        user = s.exec(select(User).where(User.is_active).order_by(User.id)).first()
        assert user is not None
        if user.role == Role.SALES:  # the bulk seed's user; importing needs a manager's rights
            user.role = Role.MANAGER
            s.commit()
        return lead_import.run_import(session=s, user=user, path=path)


_CHILD = """
import json, sys, time
from pathlib import Path
from bench.bench_import import _import

def vm(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0

url, path = sys.argv[1], Path(sys.argv[2])
import crm_app.services.lead_import, crm_app.services.leads  # imports before the baseline
before = vm("VmRSS")
started = time.perf_counter()
summary = _import(url, path)
seconds = time.perf_counter() - started
print(json.dumps({"created": summary.created, "before": before, "peak": vm("VmHWM"), "seconds": seconds}))
"""


def _memory(directory: str, name: str, now, csv_path: Path) -> dict:
    url, _path = _fresh_db(directory, name, now)
    db.dispose_engines()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, url, str(csv_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the memory run failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(args) -> list[Row]:
    n, random_seed = args.leads, args.random_seed
    bulk_seed.name_pools(random_seed)
    with tempfile.TemporaryDirectory(prefix="crm-bench-import-") as tmp:
        now = utcnow()
        import_url, _ = _fresh_db(tmp, "import.db", now)
        _raw_url, raw_path = _fresh_db(tmp, "raw.db", now)
        with db.session(import_url) as s:
            ctx = bulk_seed.prepare_bulk(session=s, now=now)
        items = _items(ctx, n, random_seed)
        csv_path = Path(tmp) / "leads.csv"
        _write_csv(csv_path, items)
        small_path = Path(tmp) / "small.csv"
        _write_csv(small_path, items[:MEMORY_SMALL])
        size_mb = csv_path.stat().st_size / 2**20
        db.dispose_engines()

        started = time.perf_counter()
        summary = _import(import_url, csv_path)
        t_import = time.perf_counter() - started
        db.dispose_engines()
        if summary.created != n or summary.failed:
            raise RuntimeError(f"the import did not create every lead: {summary}")

        started = time.perf_counter()
        _raw_insert(raw_path, items)
        t_raw = time.perf_counter() - started
        del items
        t_validate = _validate_only(import_url, csv_path)
        db.dispose_engines()

        mem_small = _memory(tmp, "mem-small.db", now, small_path)
        mem_full = _memory(tmp, "mem-full.db", now, csv_path)

    def growth(m: dict) -> str:
        return f"{(m['peak'] - m['before']) / 2**20:.1f} MB"

    ratio = t_raw / t_import
    rows = [
        Row(
            NAME,
            "raw sqlite3 executemany (baseline)",
            t_raw,
            n,
            "lead + e-mail + phone, no checks; ratio 1.00",
        ),
        Row(
            NAME,
            "run_import (CSV, validation, duplicates, history)",
            t_import,
            n,
            f"{size_mb:.1f} MB file; {ratio:.2f} of the raw rate (aim: 0.25 or more)",
        ),
        Row(
            NAME,
            "of which reading + validation alone (no writes)",
            t_validate,
            n,
            f"clean_lead_data on every row, {t_validate / t_import:.0%} of the import's time"
            " if done in line; a second process does it one batch ahead",
        ),
        Row(
            NAME,
            f"memory: import of {min(MEMORY_SMALL, n):,} rows (child process)",
            mem_small["seconds"],
            mem_small["created"],
            f"peak memory above the start: {growth(mem_small)}",
        ),
        Row(
            NAME,
            f"memory: import of {n:,} rows (child process)",
            mem_full["seconds"],
            mem_full["created"],
            f"peak memory above the start: {growth(mem_full)}",
        ),
    ]
    for row in rows:
        row.unit = "leads"
    return rows
