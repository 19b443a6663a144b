"""Uploaded CSV files: where they wait for their import, and reading them.

`open_csv` sniffs the encoding (UTF-8 with or without BOM, UTF-16 with BOM, else the one
charset-normalizer recognises: Windows-1252, Shift-JIS, cp1251...) and the separator, rejects binary files, and streams records (a 50 MB file is read in one pass,
never held in memory).
"""

from __future__ import annotations

import codecs
import csv
import itertools
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import charset_normalizer

from crm_app.services.errors import DomainError
from crm_app.services.i18n import N_, Msg

MAX_FILE_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 5
SAMPLE_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024
DELIMITERS = (",", ";", "\t")


class ImportFileError(DomainError):
    """The file cannot be read as CSV (binary, unknown encoding, malformed)."""


# --- uploaded files --------------------------------------------------------------------------

UPLOAD_MAX_AGE = 24 * 3600  # seconds an unused upload is kept


def upload_dir() -> Path:
    """Where uploaded CSV files wait for their import: CRM_UPLOAD_DIR, else data/uploads.

    Not Reflex's upload folder: that one is served to anyone who knows a file's name.
    """
    from crm_app.db import PROJECT_ROOT

    path = Path(os.environ.get("CRM_UPLOAD_DIR") or PROJECT_ROOT / "data" / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(source: BinaryIO, *, max_bytes: int | None = None) -> Path:
    """Copy an uploaded file to a new private file, refusing it past `max_bytes` (50 MB)."""
    max_bytes = max_bytes or MAX_FILE_BYTES
    directory = upload_dir()
    _remove_old_uploads(directory)
    path = directory / f"{secrets.token_hex(16)}.csv"
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := source.read(READ_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ImportFileError(
                        Msg(
                            "This file is larger than {max} MB: split it into smaller files.",
                            max=max_bytes // 2**20,
                        )
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def remove_upload(path: str | Path | None) -> None:
    """Delete an uploaded file (only ever one inside the upload folder)."""
    if not path:
        return
    path = Path(path)
    if path.parent.resolve() == upload_dir().resolve():
        path.unlink(missing_ok=True)


def _remove_old_uploads(directory: Path) -> None:
    limit = time.time() - UPLOAD_MAX_AGE
    for old in directory.glob("*.csv"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass  # another worker removed it first


# --- reading the file -----------------------------------------------------------------------

_MAGIC = (
    (b"PK\x03\x04", N_("This is a zip or Excel (.xlsx) file, not a CSV file. Save it as CSV first.")),
    (b"\xd0\xcf\x11\xe0", N_("This is an Excel (.xls) file, not a CSV file. Save it as CSV first.")),
    (b"%PDF", N_("This is a PDF file, not a CSV file.")),
)
_NOT_TEXT = N_("This file is not a CSV text file (it holds binary data).")
_UNKNOWN_ENCODING = N_("This file is not a text file in a known encoding: save it as CSV in UTF-8.")
MAX_CHAOS = 0.1  # charset-normalizer's "mess" in a decoded sample: past it, the guess is refused
_PREFERRED = "cp1252"  # among encodings that read the sample alike (Western European text)


def _sniff_encoding(path: Path) -> str:
    """utf-16 (with BOM), utf-8-sig, else the encoding charset-normalizer recognises.

    UTF-8 is tried first, over the whole file in one pass: most files are, and it is exact.
    Otherwise 64 KB around the first byte that is not UTF-8 tell the encoding (Shift-JIS,
    cp1251, Big5...), and the whole file must decode with it. Western European text fits
    cp1250 as well as cp1252 on a short sample: cp1252 is taken then, as Windows writes it.
    """
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    if not head:
        raise ImportFileError(Msg("This file is empty."))
    for magic, message in _MAGIC:
        if head.startswith(magic):
            raise ImportFileError(Msg(message))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if _first_error(path, "utf-16") is None:
            return "utf-16"
        raise ImportFileError(Msg(_UNKNOWN_ENCODING))
    if b"\x00" in head:
        raise ImportFileError(Msg(_NOT_TEXT))
    error_at = _first_error(path, "utf-8-sig")
    if error_at is None:
        return "utf-8-sig"
    for encoding in _guess_encodings(_sample_around(path, error_at)):
        if _first_error(path, encoding) is None:
            return encoding
    raise ImportFileError(Msg(_UNKNOWN_ENCODING))


def _first_error(path: Path, encoding: str) -> int | None:
    """Where the file stops decoding with `encoding` (about: the byte offset), None if it never does.

    Read in chunks, in one pass. NUL bytes outside UTF-16 refuse the file: it is not text.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    try:
        with path.open("rb") as f:
            while chunk := f.read(READ_CHUNK):
                if encoding != "utf-16" and b"\x00" in chunk:
                    raise ImportFileError(Msg(_NOT_TEXT))
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    return max(offset + exc.start, 0)
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def _sample_around(path: Path, offset: int) -> bytes:
    """SAMPLE_BYTES of whole lines from the file's start, or around `offset` when it is further."""
    start = 0 if offset < SAMPLE_BYTES else offset - SAMPLE_BYTES // 2
    with path.open("rb") as f:
        f.seek(start)
        sample = f.read(SAMPLE_BYTES)
        more = bool(f.read(1))
    if start and b"\n" in sample:
        sample = sample[sample.index(b"\n") + 1 :]
    if more and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]  # no character cut in two
    return sample


def _guess_encodings(sample: bytes) -> list[str]:
    """The encodings that read the sample as text, equally likely (none: unknown)."""
    matches = list(charset_normalizer.from_bytes(sample, threshold=MAX_CHAOS))
    if not matches:
        return []
    least = min(m.chaos for m in matches)
    best = [m for m in matches if m.chaos <= least]
    if any(_PREFERRED in m.could_be_from_charset for m in best):
        return [_PREFERRED]
    return [m.encoding for m in best]


def _sniff_delimiter(sample: str, truncated: bool) -> str:
    """The separator that gives the most columns, consistently, over the first records."""
    lines = sample.splitlines(keepends=True)
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)][:50]
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        consistent = sum(1 for r in records if len(r) == width) / len(records)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _check_text(sample: str) -> None:
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\t\r\n\f")
    if controls > max(2, len(sample) // 200):
        raise ImportFileError(Msg(_NOT_TEXT))


@dataclass
class CsvFile:
    """A CSV file ready to stream: its encoding, separator, headers and the first rows."""

    path: Path
    encoding: str
    delimiter: str
    headers: list[str]
    preview: list[list[str]]
    size: int
    header_row: int = 1  # the row number of the headers (blank rows before them are skipped)

    def records(self) -> Iterator[tuple[int, list[str], Msg | None]]:
        """(row number, cells, problem) for every row after the headers, blank rows included.

        Row numbers count records the way a spreadsheet shows them: the header row is 1 (when
        the file starts with it), a value with line breaks inside quotes stays in one row.
        `problem` is set for a row that cannot be taken as read (see `read_records`).
        """
        for number, cells, problem in read_records(self.path, self.encoding, self.delimiter):
            if number > self.header_row:
                yield number, cells, problem

    def count_rows(self) -> int:
        """Rows after the headers that hold something (one quick pass over the file)."""
        return sum(1 for _n, cells, _p in self.records() if _has_values(cells))


MAX_FIELD_CHARS = 128 * 1024  # one value; longer fails its row, not the file
MAX_UNCLOSED_QUOTES = 20  # each one costs reading the file again up to it: past that, refused
_CSV_LIMIT = 2**31 - 1  # the csv module's own limit: lengths are checked here instead, per row
_BREAKS = "\r\n"


class _Lines:
    """The lines of an open file from line `skipped` + 1 on, counted; the last one kept."""

    def __init__(self, f, skipped: int) -> None:
        self.count = skipped
        self.last = ""
        self._lines = itertools.islice(f, skipped, None)

    def __iter__(self) -> Iterator[str]:
        for line in self._lines:
            self.count += 1
            self.last = line
            yield line


def read_records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str], Msg | None]]:
    """(row number, cells, problem) for every record of the file, streamed.

    Rows that fail on their own, the others of the file being kept:

    - a quote that is not closed (`1,"Anna,x@y.fr` then more lines) would take the next lines,
      up to the next quote or the end of the file, into one value. The quotes are read strictly
      for that: a quoted value that goes on past its line and then ends badly (a quote followed
      by something other than a separator, or the end of the file) is a stray quote. Its row
      fails ("a quote opened in this row (line N) is not closed"), with the values of its first
      line, and reading goes on at the next line as if that quote were not there: one stray
      quote costs one row, as a user expects, not the whole file nor the rows after it. Past
      MAX_UNCLOSED_QUOTES such rows, the file is refused. A badly closed quote within one line
      (`a,"b"c`) is read leniently, as before.
    - a value over MAX_FIELD_CHARS characters fails its row ("field too long"), cut to that length.
    """
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_LIMIT))
    number = skipped = unclosed = 0
    while True:
        resume = None
        with path.open(encoding=encoding, newline="") as f:
            lines = _Lines(f, skipped)
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            while True:
                start = lines.count + 1  # the line the next record starts on
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error:
                    number += 1
                    cells = next(csv.reader([lines.last], delimiter=delimiter))  # lenient
                    if lines.count == start:  # within one line: take it as the lenient reader does
                        yield number, *_check_lengths(cells)
                        continue
                    with path.open(encoding=encoding, newline="") as again:
                        first = next(itertools.islice(again, start - 1, None))
                    unclosed += 1
                    if unclosed > MAX_UNCLOSED_QUOTES:
                        raise ImportFileError(
                            Msg(
                                "More than {max} quotes in this file are not closed (the last on line"
                                " {line}): check the quotes, or save the file as CSV again.",
                                max=MAX_UNCLOSED_QUOTES,
                                line=start,
                            )
                        ) from None
                    cells = [c.rstrip(_BREAKS) for c in next(csv.reader([first], delimiter=delimiter))]
                    problem = Msg("A quote opened in this row (line {line}) is not closed.", line=start)
                    yield number, _cut(cells), problem
                    resume = start
                    break
                number += 1
                yield number, *_check_lengths(cells)
        if resume is None:
            return
        skipped = resume


def _cut(cells: list[str]) -> list[str]:
    return [c[:MAX_FIELD_CHARS] for c in cells]


def _check_lengths(cells: list[str]) -> tuple[list[str], Msg | None]:
    for index, cell in enumerate(cells):
        if len(cell) > MAX_FIELD_CHARS:
            problem = Msg(
                "Field too long: column {column} holds {length} characters, at most {max}.",
                column=index + 1,
                length=len(cell),
                max=MAX_FIELD_CHARS,
            )
            return _cut(cells), problem
    return cells, None


def _has_values(cells: list[str]) -> bool:
    return any(c.strip() for c in cells)


def open_csv(path: str | Path, *, preview_rows: int = PREVIEW_ROWS) -> CsvFile:
    """Sniff a CSV file and read its headers and first rows. Raises ImportFileError."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise ImportFileError(Msg("This file cannot be read.")) from None
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            Msg(
                "This file is larger than {max} MB: split it into smaller files.", max=MAX_FILE_BYTES // 2**20
            )
        )
    encoding = _sniff_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(SAMPLE_BYTES)
        truncated = bool(f.read(1))
    _check_text(sample)
    delimiter = _sniff_delimiter(sample, truncated)
    csv_file = CsvFile(path, encoding, delimiter, [], [], size)
    for number, cells, problem in read_records(path, encoding, delimiter):
        if not csv_file.headers:
            if _has_values(cells):
                if problem is not None:
                    raise ImportFileError(Msg("The header row cannot be read: {problem}", problem=problem))
                csv_file.headers = [c.strip() or f"Column {i + 1}" for i, c in enumerate(cells)]
                csv_file.header_row = number
            continue
        if _has_values(cells):
            csv_file.preview.append(cells)
            if len(csv_file.preview) >= preview_rows:
                break
    if not csv_file.headers:
        raise ImportFileError(Msg("This file is empty."))
    return csv_file
