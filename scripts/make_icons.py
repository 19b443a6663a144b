"""Draw the app's icons with the standard library only: `python scripts/make_icons.py`.

Writes assets/favicon.ico (32 and 16 px, PNG inside) and assets/logo.svg: a blue rounded square
with a white sales funnel (three bars narrowing downwards). Run again after changing the drawing;
both files are committed (no download, no image library).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BLUE = (0x1F, 0x5E, 0xD6)
WHITE = (0xFF, 0xFF, 0xFF)
# the funnel on a 32 x 32 grid: (top row, bottom row, left column, right column) of each bar
BARS = ((7, 11, 6, 26), (14, 18, 10, 22), (21, 25, 13, 19))


def _pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """Colour at (x, y) on the 32 x 32 drawing (transparent outside the rounded square)."""
    radius, size = 7.0, 32.0
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    if (x - cx) ** 2 + (y - cy) ** 2 > radius**2:
        return (0, 0, 0, 0)
    for top, bottom, left, right in BARS:
        if top <= y < bottom and left <= x < right:
            return (*WHITE, 255)
    return (*BLUE, 255)


def png(size: int) -> bytes:
    """The icon as a PNG of `size` x `size` pixels (each pixel the average of 4 x 4 samples)."""
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter: none
        for px in range(size):
            samples = [
                _pixel((px + (i + 0.5) / 4) * 32 / size, (py + (j + 0.5) / 4) * 32 / size)
                for i in range(4)
                for j in range(4)
            ]
            alpha = sum(s[3] for s in samples)
            if alpha == 0:
                row += bytes(4)
                continue
            rgb = [sum(s[k] * s[3] for s in samples) // alpha for k in range(3)]
            row += bytes([*rgb, alpha // len(samples)])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def ico(sizes: tuple[int, ...] = (32, 16)) -> bytes:
    images = [png(s) for s in sizes]
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, data in zip(sizes, images, strict=True):
        out += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(images)


def svg() -> str:
    bars = "".join(
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" rx="1" fill="#fff"/>'
        for top, bottom, left, right in BARS
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">'
        f'<rect width="32" height="32" rx="7" fill="#{"".join(f"{c:02x}" for c in BLUE)}"/>{bars}</svg>\n'
    )


def main() -> None:
    ASSETS.mkdir(exist_ok=True)
    (ASSETS / "favicon.ico").write_bytes(ico())
    (ASSETS / "logo.svg").write_text(svg(), encoding="utf-8")
    (ASSETS / "icon-192.png").write_bytes(png(192))


if __name__ == "__main__":
    main()
