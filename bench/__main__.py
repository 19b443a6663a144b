"""Run every bench module and print one table: `python -m bench [--leads N] [--only NAME] [--tabs N]`."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from bench import Row, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000, help="leads to insert (default 100,000)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts bench_contacts_list inserts")
    parser.add_argument("--random-seed", type=int, default=0)
    parser.add_argument("--tabs", type=int, default=5000, help="tabs bench_memory opens and closes")
    parser.add_argument("--only", help="run only the bench modules whose name contains this text")
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="where the list benches run (default: both)"
    )
    load = parser.add_argument_group("load (bench_load: websocket clients opening /leads)")
    load.add_argument("--clients", type=int, default=20, help="simulated browser tabs (default 20)")
    load.add_argument("--seconds", type=float, default=10.0, help="length of the timed phase (default 10)")
    load.add_argument("--load-leads", type=int, default=10_000, help="leads to seed (default 10,000)")
    load.add_argument(
        "--load-db",
        metavar="URL",
        help="database for the server it starts (default: a temporary SQLite file), e.g."
        " postgresql+psycopg://postgres@127.0.0.1:5432/crm_load (an existing, empty database)",
    )
    load.add_argument("--url", help="load a running app instead of starting one, e.g. http://localhost:3000")
    load.add_argument("--email", help="with --url: the user to log in as")
    load.add_argument("--password", help="with --url: that user's password")
    args = parser.parse_args(argv)

    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")
    )
    rows: list[Row] = []
    for name in names:
        if args.only and args.only not in name:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(module.run(args))
    print(format_table(rows))
    failed = [r for r in rows if r.failed]
    for r in failed:
        print(f"FAILED: {r.bench}: {r.case}: {r.note}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
