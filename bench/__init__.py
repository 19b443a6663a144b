"""Speed checks, each measured against a baseline in the same run (`python -m bench`).

Every `bench_*.py` module has `run(args) -> list[Row]`; `python -m bench` runs them all and
prints one table. Nothing here asserts a time: the ratios are for people to read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    bench: str
    case: str
    seconds: float
    rows: int
    note: str = ""
    unit: str = "rows"
    failed: bool = False  # a check of the bench failed (e.g. a plan that scans a whole table)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def format_table(rows: list[Row]) -> str:
    header = ("bench", "case", "time", "count", "per second", "note")
    cells = [
        (
            r.bench,
            r.case,
            f"{r.seconds * 1000:.1f} ms" if r.seconds < 1 else f"{r.seconds:.2f} s",
            f"{r.rows:,} {r.unit}",
            f"{r.rows_per_second:,.0f} {r.unit}/s",
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    right = {2, 3, 4}

    def line(values) -> str:
        cells = (
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(c) for c in cells)])
