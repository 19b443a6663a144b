"""The real 50 MB limit on CSV files (no database needed)."""

import io

import pytest

from crm_app.services import lead_import


class _Zeros(io.RawIOBase):
    """A stream of `size` bytes of CSV-looking data, without holding them in memory."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"a," * (n // 2) + b"a" * (n % 2)
        self.left -= n
        return n


def test_an_upload_over_50_mb_is_refused_and_nothing_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_UPLOAD_DIR", str(tmp_path))
    with pytest.raises(lead_import.ImportFileError) as exc:
        lead_import.store_upload(io.BufferedReader(_Zeros(lead_import.MAX_FILE_BYTES + 1)))
    assert "larger than 50 MB" in str(exc.value.message)
    assert list(tmp_path.glob("*.csv")) == []


def test_an_upload_of_exactly_50_mb_is_taken(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_UPLOAD_DIR", str(tmp_path))
    path = lead_import.store_upload(io.BufferedReader(_Zeros(lead_import.MAX_FILE_BYTES)))
    assert path.stat().st_size == lead_import.MAX_FILE_BYTES
    path.unlink()


def test_a_file_over_50_mb_on_disk_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as f:  # sparse: no 50 MB written
        f.truncate(lead_import.MAX_FILE_BYTES + 1)
    with pytest.raises(lead_import.ImportFileError) as exc:
        lead_import.open_csv(big)
    assert "larger than 50 MB" in str(exc.value.message)
