"""``fenjie wps build``: the WPS add-in folder, from the same ribbon list as the Excel add-in.

macros/customUI14.xml is the one list of buttons, labels, tips and groups. WPS
reads the 2006 customUI namespace, knows no ``imageMso`` (``getImage`` returns an
image file instead) and calls functions of the add-in's page, so each control is
copied with ``onAction="OnAction"`` and ``getImage="GetImage"``, and an SVG icon is
drawn per button. The JS and HTML are text files in ``assets/``; only the lists
(labels, icons, sheet names) and the service settings are generated.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .. import __version__
from ..errors import FenJieError
from ..undo import BACKUP_PREFIX
from .book import FENJIE_SHEETS

ADDIN_NAME = "fenjie"
EXCEL_NS = "http://schemas.microsoft.com/office/2009/07/customui"
WPS_NS = "http://schemas.microsoft.com/office/2006/01/customui"
ASSETS = Path(__file__).resolve().parent / "assets"
CALLBACKS = ("OnAddinLoad", "OnAction", "GetImage")
# A glyph per known button; a new button gets the first character of its label not used yet.
GLYPHS = {"btnImportPlan": "导", "btnDecompose": "分", "btnMatchUnits": "责", "btnDeadlines": "限",
          "btnValidate": "校", "btnOfficial": "表", "btnSplit": "发", "btnSendMail": "邮", "btnMerge": "收",
          "btnSummary": "汇", "btnUnits": "录", "btnUndo": "撤", "btnSelfCheck": "检", "btnSettings": "设",
          "btnHelp": "帮", "btnRemind": "催"}
GROUP_COLOURS = ("#1F5FA8", "#2E7D32", "#B26A00", "#6A4C93", "#00838F", "#AD1457")


@dataclass(frozen=True)
class Button:
    """One ribbon button as both add-ins show it."""

    id: str
    label: str
    group: str
    tip: str


def customui_path() -> Path:
    """macros/customUI14.xml of the source tree (the folder addin.xlam.build reads too; not imported
    from there, since that module imports xlwings, which the WPS path never needs)."""
    return Path(__file__).resolve().parents[2] / "macros" / "customUI14.xml"


def _read_customui(path: Path) -> ET.Element:
    if not path.exists():
        raise FenJieError(f"找不到功能区定义“{path}”：macros 文件夹只在 FenJie 源文件夹中，"
                          "请在源文件夹中用 pip install -e . 安装后再运行。")
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise FenJieError(f"无法读取功能区定义“{path}”：{exc}") from exc


def buttons(path: Path | None = None) -> list[Button]:
    """The ribbon's buttons, in order, with their group's label."""
    root = _read_customui(path or customui_path())
    found = []
    for group in root.iter(f"{{{EXCEL_NS}}}group"):
        for button in group.iter(f"{{{EXCEL_NS}}}button"):
            found.append(Button(button.get("id"), button.get("label", ""), group.get("label", ""),
                                button.get("supertip") or button.get("screentip", "")))
    if not found:
        raise FenJieError(f"功能区定义“{path}”中没有按钮。")
    return found


def ribbon_xml(path: Path | None = None) -> str:
    """customUI14.xml turned into WPS' ribbon.xml (2006 namespace, JS callbacks, image files)."""
    root = _read_customui(path or customui_path())
    ET.register_namespace("", WPS_NS)
    wps_root = _convert(root)
    wps_root.set("onLoad", "OnAddinLoad")
    ET.indent(wps_root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(wps_root, encoding="unicode") + "\n"


def _convert(element: ET.Element) -> ET.Element:
    tag = element.tag.replace(f"{{{EXCEL_NS}}}", f"{{{WPS_NS}}}")
    attributes = {k: v for k, v in element.attrib.items() if k not in ("imageMso", "onAction", "onLoad")}
    if "onAction" in element.attrib:
        attributes["onAction"] = "OnAction"
    if "imageMso" in element.attrib:
        attributes["getImage"] = "GetImage"
    converted = ET.Element(tag, attributes)
    for child in element:
        converted.append(_convert(child))
    return converted


def glyphs(items: list[Button]) -> dict[str, str]:
    """One distinct character per button for its icon."""
    chosen: dict[str, str] = {}
    for button in items:
        used = set(chosen.values())
        known = GLYPHS.get(button.id)
        chosen[button.id] = known if known and known not in used else next(
            (c for c in button.label if c not in used), button.label[:1] or "F")
    return chosen


def icon_svg(glyph: str, colour: str) -> str:
    """A 32×32 icon: the glyph in white on a rounded square of the group's colour."""
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">'
            f'<rect x="1" y="1" width="30" height="30" rx="6" fill="{colour}"/>'
            '<text x="16" y="22" text-anchor="middle" font-size="19" font-weight="bold" fill="#FFFFFF" '
            'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, SimHei, sans-serif">'
            f"{escape(glyph)}</text></svg>\n")


def _icons(items: list[Button], images: Path) -> dict[str, str]:
    groups = list(dict.fromkeys(b.group for b in items))
    marks = glyphs(items)
    images.mkdir(parents=True, exist_ok=True)
    paths = {}
    for button in items:
        colour = GROUP_COLOURS[groups.index(button.group) % len(GROUP_COLOURS)]
        (images / f"{button.id}.svg").write_text(icon_svg(marks[button.id], colour), encoding="utf-8")
        paths[button.id] = f"images/{button.id}.svg"
    (images / "fenjie.svg").write_text(icon_svg("F", GROUP_COLOURS[0]), encoding="utf-8")
    return paths


def config_js(url: str, token: str) -> str:
    """js/config.js: where the service is and the user's token (written by ``fenjie wps install``)."""
    settings = {"url": url, "token": token, "version": __version__}
    return "var FENJIE_CONFIG = " + json.dumps(settings, ensure_ascii=False) + ";\n"


def build_wps_addin(out: str | Path, customui: Path | None = None, url: str = "", token: str = "") -> Path:
    """Write the add-in folder ``out`` (replaced if it holds an earlier build).

    Raises:
        FenJieError: ``out`` exists and is not an earlier FenJie add-in, or the ribbon list is unreadable.
    """
    from .service import default_port

    out = Path(out)
    items = buttons(customui)
    if out.exists() and any(out.iterdir()) and not (out / "js" / "buttons.js").exists():
        raise FenJieError(f"文件夹“{out}”不是空的，也不是 FenJie 的 WPS 加载项：请换一个输出文件夹。")
    shutil.rmtree(out, ignore_errors=True)
    (out / "js").mkdir(parents=True)
    (out / "ribbon.xml").write_text(ribbon_xml(customui), encoding="utf-8")
    for name in ("index.html", "manifest.xml"):
        shutil.copyfile(ASSETS / name, out / name)
    shutil.copyfile(ASSETS / "ribbon.js", out / "js" / "ribbon.js")
    ribbon = {"labels": {b.id: b.label for b in items}, "icons": _icons(items, out / "images"),
              "sheets": list(FENJIE_SHEETS), "backupPrefix": BACKUP_PREFIX}
    (out / "js" / "buttons.js").write_text(
        "var FENJIE_RIBBON = " + json.dumps(ribbon, ensure_ascii=False, indent=1) + ";\n", encoding="utf-8")
    (out / "js" / "config.js").write_text(config_js(url or f"http://127.0.0.1:{default_port()}", token),
                                          encoding="utf-8")
    return out
