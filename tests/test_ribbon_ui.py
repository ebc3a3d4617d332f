"""The ribbon's XML: well-formed, in the order of the work, and only real Office icons.

macros/customUI14.xml is the one list of buttons, labels, tips and groups; the Excel
add-in embeds it and the WPS add-in reads it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from addin import ribbon

UI = Path(__file__).resolve().parents[1] / "macros" / "customUI14.xml"
NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}

# The imageMso ids the ribbon may use, every one from Microsoft's "imageMso table" of
# [MS-CUSTOMUI] (Custom UI XML Markup Specification, section "Custom UI control id table").
# An id outside Office's lists shows a blank icon: PeopleInvite, used before, is in none.
KNOWN_IMAGE_MSO = frozenset({
    "AddressBook", "ChartInsert", "CheckNames", "Consolidate", "DateAndTimeInsert", "FileOpen", "FilePrintPreview",
    "FileSendAsAttachment", "Help", "HighImportance", "Info", "MailMergeMergeToDocument", "PropertySheet",
    "ReviewAcceptChange", "TableInsert", "Undo",
})

# The work, step by step: what the groups hold, in this order.
GROUPS = [
    ("准备", ["设置", "单位名录"]),
    ("分解", ["导入上级要点", "生成分解表", "匹配责任单位", "识别完成时限"]),
    ("校验与排版", ["校验", "生成正式分解表"]),
    ("下发与汇总", ["下发单位表", "发送邮件", "回收反馈", "进度汇总", "催办"]),
    ("工具", ["撤销上一步", "自检", "帮助"]),
]


def _buttons() -> list[ET.Element]:
    return list(ET.parse(UI).getroot().iterfind(".//ui:button", NS))


def test_groups_follow_the_work():
    groups = ET.parse(UI).getroot().iterfind(".//ui:group", NS)
    assert [(g.get("label"), [b.get("label") for b in g.iterfind("ui:button", NS)]) for g in groups] == GROUPS


def test_every_icon_is_a_known_office_image_and_each_button_has_its_own():
    images = [b.get("imageMso") for b in _buttons()]
    assert set(images) <= KNOWN_IMAGE_MSO, set(images) - KNOWN_IMAGE_MSO
    assert len(set(images)) == len(images), "no two buttons share an icon (自检 and 帮助 included)"
    assert "PeopleInvite" not in images


def test_every_button_has_a_tip_and_the_dispatcher_runs_them_in_ribbon_order():
    buttons = _buttons()
    assert all(b.get("screentip") == b.get("label") and b.get("supertip") for b in buttons)
    assert [b.get("id") for b in buttons] == list(ribbon.ACTIONS)
    assert [b.get("label") for b in buttons] == [label for label, _ in ribbon.ACTIONS.values()]
    ids = [b.get("id") for b in ET.parse(UI).getroot().iter() if b.get("id")]
    assert len(ids) == len(set(ids)), "control ids are unique"


_PROBE = """
import json, os, sys
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
import xlwings as xw
import addin.ribbon as ribbon
loaded = {"import": sorted(m for m in sys.modules if m.startswith("addin."))}
book = xw.Book(json={"client": "Microsoft Office Scripts", "version": xw.__version__, "names": [],
                     "book": {"name": "b.xlsx", "active_sheet_index": 0, "selection": "A1"},
                     "sheets": [{"name": "Sheet1", "values": [[None]], "pictures": [], "tables": []}]})
for button in sys.argv[1:]:
    ribbon.dispatch(button, book)
heavy = ("openpyxl", "pdfplumber", "docx", "python_calamine", "addin.pipeline", "addin.decompose")
loaded["after"] = sorted(m for m in heavy if m in sys.modules)
print(json.dumps(loaded))
"""


def test_a_click_imports_only_what_its_action_needs():
    """`import addin.ribbon` loads no engine module; 帮助, 设置 and 撤销 load neither openpyxl nor the engine."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _PROBE, "btnHelp", "btnSettings", "btnUndo"], capture_output=True,
                         text=True, check=True, cwd=UI.parents[1])
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["import"] == ["addin.errors", "addin.lock", "addin.ribbon", "addin.undo"]  # lock: stdlib only
    assert loaded["after"] == []


def test_names_the_ribbon_used_to_import_are_still_reachable():
    from addin import workbook
    from addin.deadlines import DEFAULT_DEADLINE

    assert ribbon.SHEET_TASKS == workbook.SHEET_TASKS and ribbon.DEFAULT_DEADLINE == DEFAULT_DEADLINE
    assert [k for k, _, _ in ribbon.SETTINGS][:3] == ["上级要点文件", "标题", "计划年度"]
