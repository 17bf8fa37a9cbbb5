"""Reading a screenshot's pixels without an imaging library: Chromium's PNGs are
8-bit RGB or RGBA, not interlaced, which is all this decodes."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator


def pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and not interlace, (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows = zlib.decompress(idat), width * channels, []
    previous = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        previous = _unfilter(line[0], bytearray(line[1:]), previous, channels)
        rows.append(bytes(previous))
    return width, height, rows


def _unfilter(kind: int, line: bytearray, prev: bytearray, bpp: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up, corner = prev[i], prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + left) & 255
        elif kind == 2:
            line[i] = (line[i] + up) & 255
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + pred) & 255
    return line


def colours(data: bytes) -> Iterator[tuple[int, int, int]]:
    width, _, rows = pixels(data)
    channels = len(rows[0]) // width if rows else 3
    for row in rows:
        for x in range(0, len(row), channels):
            yield row[x], row[x + 1], row[x + 2]


def count_near(data: bytes, rgb: str, tolerance: int = 24) -> int:
    """Pixels within ``tolerance`` of the colour ``#rrggbb``."""
    target = tuple(int(rgb[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        1
        for c in colours(data)
        if all(abs(a - b) <= tolerance for a, b in zip(c, target, strict=True))
    )
