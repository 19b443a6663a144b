"""Run every bench module and print one table: `python -m bench [--leads N] [--tabs N]`."""

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
    parser.add_argument("--random-seed", type=int, default=0)
    parser.add_argument("--tabs", type=int, default=5000, help="tabs bench_memory opens and closes")
    parser.add_argument("--only", help="run only the bench modules whose name contains this text")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
