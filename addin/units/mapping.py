"""上下级单位对照: cascade a decomposition one level down.

A district or street that adopts its upper level's tasks (as 真新街道 reused the
municipal ones) replaces each upper-level unit by its own counterpart: 市教委 →
区教育局, 市政府各部门 → 各委办局. The table says so explicitly; where it is
silent, a unit whose name differs only in its level prefix (市司法局 → 区司法局)
is mapped when the office's directory knows the lower-level name.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..decompose import TaskRow
from .directory import DirectoryError, UnitDirectory, sheet_rows
from .infer import UnitSource

MAPPING_HEADERS = ("上级单位", "本级单位")
_LEVEL_PREFIX = re.compile(r"^(市|区|县|镇|街道)")


@dataclass
class UnitMapping:
    """Upper-level unit name → the lower level's unit names."""

    pairs: dict[str, list[str]] = field(default_factory=dict)
    level_prefix: str = "区"  # the lower level's prefix for the same-name rule

    def map_name(self, name: str, directory: UnitDirectory | None) -> list[str]:
        """The lower-level names for ``name`` (``[name]`` when nothing maps)."""
        if name in self.pairs:
            return self.pairs[name]
        if directory and _LEVEL_PREFIX.match(name):
            candidate = _LEVEL_PREFIX.sub(self.level_prefix, name)
            unit = directory.resolve(candidate)
            if unit:
                return [unit.name]
        return [name]


def mapping_from_rows(rows: list[list[object]], source: str, level_prefix: str = "区") -> UnitMapping:
    """Build a mapping from table rows with the header 上级单位, 本级单位."""
    if not rows:
        raise DirectoryError(f"上下级单位对照表“{source}”是空的。")
    header = [str(h or "").strip() for h in rows[0]]
    if not all(h in header for h in MAPPING_HEADERS):
        raise DirectoryError(f"上下级单位对照表“{source}”第1行应有“上级单位”“本级单位”两列。")
    upper, lower = header.index("上级单位"), header.index("本级单位")
    pairs: dict[str, list[str]] = {}
    for row in rows[1:]:
        cells = [str(c or "").strip() for c in row]
        if len(cells) > max(upper, lower) and cells[upper] and not cells[upper].startswith("#"):
            pairs[cells[upper]] = [n for n in re.split(r"[；;、，,\n]+", cells[lower]) if n.strip()]
    return UnitMapping(pairs, level_prefix)


def load_mapping(path: str | Path, level_prefix: str = "区") -> UnitMapping:
    """Load a 上下级单位对照 table from .csv or .xlsx."""
    path = Path(path)
    if not path.is_file():
        raise DirectoryError(f"找不到上下级单位对照表“{path}”。")
    if path.suffix.lower() == ".csv":
        from ..plan.text import decode_text

        rows = list(csv.reader(io.StringIO(decode_text(path.read_bytes(), path.name))))
    else:
        rows = sheet_rows(path, "上下级单位对照")
    return mapping_from_rows(rows, path.name, level_prefix)


def sample_mapping(level_prefix: str = "区") -> UnitMapping:
    """The bundled sample 上下级单位对照 (上海市市级 → 区级)."""
    from importlib import resources

    data = resources.files("addin.units").joinpath("samples", "sample_mapping_shanghai_to_district.csv")
    rows = list(csv.reader(io.StringIO(data.read_text(encoding="utf-8"))))
    return mapping_from_rows(rows, "示例上下级单位对照", level_prefix)


def cascade(rows: list[TaskRow], mapping: UnitMapping, directory: UnitDirectory | None = None) -> list[TaskRow]:
    """Replace every upper-level unit in ``rows`` by its lower-level counterparts."""
    for row in rows:
        sources = dict(row.unit_sources)
        row.unit_sources = {}
        for role in ("lead", "units", "assist"):
            mapped: list[str] = []
            for name in getattr(row, role):
                for new in mapping.map_name(name, directory):
                    if new not in mapped:
                        mapped.append(new)
                        changed = new != name
                        row.unit_sources[new] = UnitSource.MAPPED.value if changed else sources.get(name, "")
            setattr(row, role, mapped)
    return rows
