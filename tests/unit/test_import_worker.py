"""The import's validation worker process ends with the process that started it."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# starts the pool the way run_import does, prints the worker's pid, then waits to be killed
_PARENT = """
import os, sys, time
from crm_app.services.lead_import import run
pool = run._worker_pool(sys.argv[1], {0: "last_name"})
print(pool.submit(os.getpid).result(timeout=60), flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_worker_dies_when_its_parent_is_killed(sqlite_template, tmp_path):
    db_path = tmp_path / "crm.db"
    shutil.copy(sqlite_template, db_path)
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, f"sqlite:///{db_path}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    worker_pid = None
    try:
        assert parent.stdout is not None
        worker_pid = int(parent.stdout.readline())
        assert worker_pid != parent.pid and _alive(worker_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while _alive(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker_pid), "the worker outlived its parent"
    finally:
        parent.kill()
        if worker_pid is not None and _alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)
