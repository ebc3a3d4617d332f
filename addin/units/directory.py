"""The 单位名录 (unit directory): who the office's units are, by every name they go by.

A directory comes from the 单位名录 sheet of the working workbook, or from a CSV or
.xlsx file the user points to. It folds aliases to full names (区府办 → 区政府办公室),
knows groups (各委办局) and their members, and each unit's 职责关键词.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import FenJieError

DIRECTORY_HEADERS = ("单位全称", "简称/别名", "类别", "所属分组", "职责关键词", "默认单位",
                     "联系人", "电话", "邮箱")
GROUP_CATEGORY = "分组"
_LIST_SEPARATORS = re.compile(r"[、，,;；/\n]+")
# Aliases are separated by ；(not 、, which occurs inside names such as 市政府各委、办、局).
_ALIAS_SEPARATORS = re.compile(r"[；;/\n]+")
SAMPLES = {
    "上海市": "sample_shanghai.csv",
    "宝山区": "sample_baoshan.csv",
    "普陀区": "sample_putuo.csv",
    "真新街道": "sample_zhenxin.csv",
    "庙行镇": "sample_miaohang.csv",
}


class DirectoryError(FenJieError):
    """A unit directory file or sheet cannot be used."""


@dataclass
class Unit:
    """One row of the directory."""

    name: str
    aliases: list[str] = field(default_factory=list)
    category: str = ""
    groups: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    default: bool = False
    contact: str = ""
    phone: str = ""
    email: str = ""

    @property
    def is_group(self) -> bool:
        """True for a group expression such as 各委办局."""
        return self.category == GROUP_CATEGORY


def _split_list(text: object, separators: re.Pattern[str] = _LIST_SEPARATORS) -> list[str]:
    return [part.strip() for part in separators.split(str(text or "")) if part.strip()]


def _fold(name: str) -> str:
    """Comparison key: no spaces, full-width brackets, no trailing 等."""
    name = re.sub(r"\s+", "", name).replace("(", "（").replace(")", "）")
    return re.sub(r"等(相关|有关)?(部门|单位)?$", "", name)


class UnitDirectory:
    """Units by name and alias, with groups and duty keywords."""

    def __init__(self, units: Iterable[Unit], source: str = "") -> None:
        self.units = list(units)
        self.source = source
        self._by_key: dict[str, Unit] = {}
        for unit in self.units:
            for key in (unit.name, *unit.aliases):
                self._by_key.setdefault(_fold(key), unit)

    def __len__(self) -> int:
        return len(self.units)

    def resolve(self, name: str) -> Unit | None:
        """The unit called ``name`` (full name or alias), or None."""
        return self._by_key.get(_fold(name))

    def canonical(self, name: str) -> str:
        """The full name of ``name`` when known, else ``name`` as written."""
        unit = self.resolve(name)
        return unit.name if unit else name

    def names(self) -> list[str]:
        """Every full name and alias, longest first (for scanning text)."""
        return sorted(self._by_key_names(), key=len, reverse=True)

    def _by_key_names(self) -> set[str]:
        return {n for unit in self.units for n in (unit.name, *unit.aliases)}

    def members(self, group: str) -> list[Unit]:
        """The units that belong to ``group`` (by its full name or an alias)."""
        unit = self.resolve(group)
        keys = {_fold(group)} | ({_fold(n) for n in (unit.name, *unit.aliases)} if unit else set())
        return [u for u in self.units if not u.is_group and keys & {_fold(g) for g in u.groups}]

    def defaults(self) -> list[Unit]:
        """Units marked 默认单位 (added to every task without a stated unit)."""
        return [u for u in self.units if u.default]

    def nearest(self, name: str, count: int = 3) -> list[str]:
        """The directory names closest to an unknown ``name``."""
        candidates = {_fold(n): self.resolve(n).name for n in self._by_key_names()}
        close = difflib.get_close_matches(_fold(name), list(candidates), n=count * 2, cutoff=0.4)
        seen: list[str] = []
        for key in close:
            if candidates[key] not in seen:
                seen.append(candidates[key])
        return seen[:count]

    def domain_owner(self, domain: str) -> Unit | None:
        """The unit in charge of a field of work named in a plan (教育, 税务, 环境保护).

        A unit whose name says the field (税务 → 市税务局) comes first; else the best
        职责关键词 match. Groups never own a field.
        """
        named = [u for u in self.units if not u.is_group and any(domain in n for n in (u.name, *u.aliases))]
        if named:
            return named[0]
        return next((u for u in self.keyword_units(domain) if not u.is_group), None)

    def keyword_units(self, text: str, context: str = "") -> list[Unit]:
        """Units whose 职责关键词 occur in ``text``, best match first.

        A longer keyword is more specific ("交通管理" over "交通"), so matches score
        by length; a keyword in ``context`` (the task name and section heading, which
        name the domain of a whole paragraph) counts double.
        """
        def score(unit: Unit) -> int:
            return sum(len(k) * ((k in text) + 2 * (k in context)) for k in unit.keywords)

        scored = [(score(u), i, u) for i, u in enumerate(self.units)]
        return [u for points, _, u in sorted(scored, key=lambda s: (-s[0], s[1])) if points]


def nearest_hint(near: list[str]) -> str:
    """"，最接近的是：A、B" for the names :meth:`UnitDirectory.nearest` found, or ""."""
    return f"，最接近的是：{'、'.join(near)}" if near else ""


def units_from_rows(rows: Sequence[Sequence[object]], source: str) -> UnitDirectory:
    """Build a directory from table rows whose first row is the header.

    Raises:
        DirectoryError: no 单位全称 column.
    """
    if not rows:
        raise DirectoryError(f"单位名录“{source}”是空的。")
    header = [re.sub(r"\s+", "", str(h or "")) for h in rows[0]]
    if "单位全称" not in header:
        raise DirectoryError(f"单位名录“{source}”第1行缺少“单位全称”列：请用 fenjie units init 生成的模板。")
    column = {name: header.index(name) for name in DIRECTORY_HEADERS if name in header}

    def cell(row, name):
        index = column.get(name)
        return "" if index is None or index >= len(row) or row[index] is None else str(row[index]).strip()

    units = []
    for row in rows[1:]:
        name = cell(row, "单位全称")
        if not name or name.startswith("#"):
            continue
        units.append(Unit(
            name=name, aliases=_split_list(cell(row, "简称/别名"), _ALIAS_SEPARATORS), category=cell(row, "类别"),
            groups=_split_list(cell(row, "所属分组")), keywords=_split_list(cell(row, "职责关键词")),
            default=cell(row, "默认单位") in ("是", "Y", "y", "1", "√", "TRUE", "True"),
            contact=cell(row, "联系人"), phone=cell(row, "电话"), email=cell(row, "邮箱"),
        ))
    return UnitDirectory(units, source)


def load_directory(path: str | Path, sheet: str = "单位名录") -> UnitDirectory:
    """Load a directory from a .csv (UTF-8 or GBK) or .xlsx/.xlsm/.xls file.

    Raises:
        DirectoryError: missing file, unknown format, or no 单位全称 column.
    """
    path = Path(path)
    if not path.is_file():
        raise DirectoryError(f"找不到单位名录文件“{path}”。")
    if path.suffix.lower() == ".csv":
        from ..plan.text import decode_text

        text = decode_text(path.read_bytes(), path.name)
        return units_from_rows(list(csv.reader(io.StringIO(text))), path.name)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return units_from_rows(sheet_rows(path, sheet), f"{path.name}/{sheet}")
    raise DirectoryError(f"单位名录“{path.name}”应为 .csv 或 .xlsx 文件。")


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    """All rows of ``sheet`` (or of the only sheet) of a workbook, read with python-calamine."""
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise DirectoryError(
            f"无法读取单位名录“{path.name}”：工作簿设有打开密码，请在 Excel 中取消密码后再试。") from None
    except (CalamineError, OSError, ValueError):
        raise DirectoryError(
            f"无法读取单位名录“{path.name}”：文件已损坏，或不是 Excel 工作簿（.xlsx/.xls）或 .csv 文件。") from None
    names = workbook.sheet_names
    chosen = sheet if sheet in names else names[0] if len(names) == 1 else None
    if chosen is None:
        raise DirectoryError(f"工作簿“{path.name}”中没有“{sheet}”工作表。")
    from ..sheets import sheet_grid

    try:
        return sheet_grid(workbook, path, chosen)
    except (CalamineError, OSError, ValueError) as exc:
        raise DirectoryError(f"无法读取单位名录“{path.name}”的“{chosen}”工作表：{exc}") from None


def sample_directory(name: str) -> UnitDirectory:
    """A bundled sample directory (上海市, 宝山区, 普陀区, 真新街道, 庙行镇)."""
    if name not in SAMPLES:
        raise DirectoryError(f"没有名为“{name}”的示例单位名录：可选 {'、'.join(SAMPLES)}。")
    data = resources.files("addin.units").joinpath("samples", SAMPLES[name]).read_text(encoding="utf-8")
    return units_from_rows(list(csv.reader(io.StringIO(data))), f"示例单位名录（{name}）")
