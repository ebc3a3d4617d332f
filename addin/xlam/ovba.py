"""MS-OVBA 2.4.1 compression, the RLE/LZ77 variant VBA stores module source in.

The copy token of 2.4.1.3.19.1: BitCount is the smallest integer >= 4 with
2**BitCount >= the distance into the chunk; the offset takes the top BitCount
bits, the length the rest, so MaximumLength = (0xFFFF >> BitCount) + 3.
"""

from __future__ import annotations

CHUNK = 4096
_MIN_MATCH = 3
_CANDIDATES = 96  # recent positions tried per 3-byte prefix: plenty for source text


def _bit_count(distance: int) -> int:
    bits = 4
    while (1 << bits) < distance:
        bits += 1
    return bits


def _longest_match(chunk: bytes, pos: int, table: dict[bytes, list[int]]) -> tuple[int, int]:
    if pos + _MIN_MATCH > len(chunk):
        return 0, 0
    bits = _bit_count(pos)
    max_length = min((0xFFFF >> bits) + 3, len(chunk) - pos)
    best_length, best_offset = 0, 0
    for start in reversed(table.get(chunk[pos:pos + _MIN_MATCH], [])[-_CANDIDATES:]):
        length = 0
        while length < max_length and chunk[start + length] == chunk[pos + length]:
            length += 1
        if length > best_length:
            best_length, best_offset = length, pos - start
            if length == max_length:
                break
    return best_offset, best_length


def _remember(chunk: bytes, start: int, end: int, table: dict[bytes, list[int]]) -> None:
    for i in range(start, min(end, len(chunk) - _MIN_MATCH + 1)):
        table.setdefault(chunk[i:i + _MIN_MATCH], []).append(i)


def compress_chunk(chunk: bytes) -> bytes:
    """The token sequences of one chunk (without its header)."""
    out = bytearray()
    table: dict[bytes, list[int]] = {}
    pos = 0
    while pos < len(chunk):
        flag_index, flags = len(out), 0
        out.append(0)
        for bit in range(8):
            if pos >= len(chunk):
                break
            offset, length = _longest_match(chunk, pos, table)
            if length >= _MIN_MATCH:
                bits = _bit_count(pos)
                token = ((offset - 1) << (16 - bits)) | (length - 3)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                _remember(chunk, pos, pos + length, table)
                pos += length
            else:
                out.append(chunk[pos])
                _remember(chunk, pos, pos + 1, table)
                pos += 1
        out[flag_index] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer holding ``data``."""
    out = bytearray([0x01])
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        packed = compress_chunk(chunk)
        if len(packed) + 2 > CHUNK + 2 or (len(chunk) == CHUNK and len(packed) >= CHUNK):
            header = 0x3000 | (CHUNK + 2 - 3)  # raw chunk: flag 0, exactly 4096 bytes
            out += header.to_bytes(2, "little") + chunk
        else:
            header = 0x8000 | 0x3000 | (len(packed) + 2 - 3)
            out += header.to_bytes(2, "little") + packed
    return bytes(out)
