"""A minimal writer of the Compound File Binary format ([MS-CFB], version 3).

olefile and oletools only read compound files; vbaProject.bin has to be written.
Streams under 4,096 bytes live in the mini stream (64-byte sectors), larger ones
in 512-byte sectors; each storage's children form a binary search tree ordered
by name length, then upper-cased name, all nodes black.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR, MINI_SECTOR, CUTOFF = 512, 64, 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5


@dataclass
class Node:
    """A storage (``data`` None) or a stream of the compound file."""

    name: str
    data: bytes | None = None
    children: list[Node] = field(default_factory=list)

    def add(self, child: Node) -> Node:
        self.children.append(child)
        return child


def _order(node: Node) -> tuple[int, str]:
    return (len(node.name), node.name.upper())


def _sectors(size: int, unit: int) -> int:
    return (size + unit - 1) // unit


class _Writer:
    def __init__(self, root: Node) -> None:
        self.entries: list[tuple[Node, int]] = [(root, ROOT)]
        self._flatten(root)
        self.index = {id(node): i for i, (node, _) in enumerate(self.entries)}

    def _flatten(self, storage: Node) -> None:
        for child in sorted(storage.children, key=_order):
            self.entries.append((child, STORAGE if child.data is None else STREAM))
            if child.data is None:
                self._flatten(child)

    def _tree(self, children: list[Node]) -> int:
        """Build a balanced BST over sorted siblings; returns the root's entry id."""
        if not children:
            return NOSTREAM
        ordered = sorted(children, key=_order)
        middle = len(ordered) // 2
        node = ordered[middle]
        self.links[self.index[id(node)]] = (self._tree(ordered[:middle]), self._tree(ordered[middle + 1:]))
        return self.index[id(node)]

    def build(self) -> bytes:
        streams = [(i, n.data) for i, (n, kind) in enumerate(self.entries) if kind == STREAM]
        small = [(i, data) for i, data in streams if len(data) < CUTOFF]
        large = [(i, data) for i, data in streams if len(data) >= CUTOFF]
        mini_start, mini_chain, mini_stream = {}, [], bytearray()
        for i, data in small:
            count = _sectors(len(data), MINI_SECTOR)
            mini_start[i] = len(mini_chain) if data else ENDOFCHAIN
            first = len(mini_chain)
            mini_chain += [first + k + 1 for k in range(count - 1)] + ([ENDOFCHAIN] if count else [])
            mini_stream += data + b"\0" * (count * MINI_SECTOR - len(data))
        dir_sectors = _sectors(len(self.entries) * 128, SECTOR)
        minifat_sectors = _sectors(len(mini_chain) * 4, SECTOR)
        ministream_sectors = _sectors(len(mini_stream), SECTOR)
        data_sectors = sum(_sectors(len(d), SECTOR) for _, d in large)
        other_sectors = minifat_sectors + dir_sectors + ministream_sectors + data_sectors
        fat_sectors = 1
        while fat_sectors * (SECTOR // 4) < fat_sectors + other_sectors:  # the FAT also maps itself
            fat_sectors += 1
        fat: list[int] = [FATSECT] * fat_sectors
        layout = {}

        def allocate(key: str, count: int) -> int:
            if count == 0:
                return ENDOFCHAIN
            start = len(fat)
            fat.extend(start + k + 1 for k in range(count - 1))
            fat.append(ENDOFCHAIN)
            layout[key] = start
            return start

        minifat_start = allocate("minifat", minifat_sectors)
        dir_start = allocate("dir", dir_sectors)
        ministream_start = allocate("ministream", ministream_sectors)
        large_start = {i: allocate(f"s{i}", _sectors(len(d), SECTOR)) for i, d in large}
        fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))

        self.links: dict[int, tuple[int, int]] = {}
        child_of = {i: self._tree(node.children) for i, (node, kind) in enumerate(self.entries) if kind != STREAM}
        directory = bytearray()
        for i, (node, kind) in enumerate(self.entries):
            if kind == ROOT:
                start, size = (ministream_start, len(mini_stream)) if mini_stream else (ENDOFCHAIN, 0)
            elif kind == STORAGE:
                start, size = 0, 0
            else:
                size = len(node.data)
                start = mini_start[i] if size < CUTOFF else large_start[i]
            left, right = self.links.get(i, (NOSTREAM, NOSTREAM))
            directory += _entry(node.name, kind, left, right, child_of.get(i, NOSTREAM), start, size)
        directory += _entry("", 0, NOSTREAM, NOSTREAM, NOSTREAM, 0, 0) * (dir_sectors * 4 - len(self.entries))

        body = bytearray()
        body += struct.pack(f"<{len(fat)}I", *fat)
        minifat = mini_chain + [FREESECT] * (minifat_sectors * (SECTOR // 4) - len(mini_chain))
        body += struct.pack(f"<{len(minifat)}I", *minifat)
        body += directory
        body += mini_stream + b"\0" * (ministream_sectors * SECTOR - len(mini_stream))
        for _, data in large:
            body += data + b"\0" * (_sectors(len(data), SECTOR) * SECTOR - len(data))
        header = _header(fat_sectors, dir_start, minifat_start, minifat_sectors)
        return header + bytes(body)


def _entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le")
    name_field = (encoded + b"\0\0").ljust(64, b"\0") if name else b"\0" * 64
    length = len(encoded) + 2 if name else 0
    return (name_field + struct.pack("<HBB3I", length, kind, 1, left, right, child) + b"\0" * 16
            + struct.pack("<I", 0) + b"\0" * 16 + struct.pack("<IQ", start, size))


def _header(fat_sectors: int, dir_start: int, minifat_start: int, minifat_sectors: int) -> bytes:
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    return (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16
            + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
            + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, CUTOFF, minifat_start, minifat_sectors,
                          ENDOFCHAIN, 0)
            + struct.pack("<109I", *difat))


def write_compound_file(root: Node) -> bytes:
    """The bytes of a compound file whose root storage holds ``root``'s children."""
    if fat_capacity_exceeded(root):
        raise ValueError("compound file too large for a single-sector DIFAT header")
    return _Writer(root).build()


def fat_capacity_exceeded(root: Node) -> bool:
    """True for content beyond what 109 FAT sectors address (~7 MB): far above any VBA project."""
    def size(node: Node) -> int:
        return len(node.data) if node.data is not None else sum(size(c) for c in node.children)

    return size(root) > 109 * (SECTOR // 4) * SECTOR // 2
