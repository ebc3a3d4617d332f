"""Every ribbon button, run through the xlwings remote engine on workbooks built from the corpus.

The remote engine (``xw.Book(json=…)``) records what a macro does as actions; a
read after a write still returns the payload's original values, so these tests
assert on ``book.json()`` actions, per sheet.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from wps_engine import RecordingRemote

from addin import ribbon
from addin.cli import main
from addin.pipeline import DraftOptions, draft_from_plan
from addin.progress.split import SHEET_FORM
from addin.units.directory import sample_directory
from addin.workbook import PLAN_HEADERS, TASK_HEADERS, directory_values, plan_values, task_values

MACROS = Path(__file__).resolve().parents[1] / "macros"
NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}
BUTTON_IDS = [b.get("id") for b in ET.parse(MACROS / "customUI14.xml").getroot().iterfind(".//ui:button", NS)]


def _sheet(name: str, values: list[list[object]]) -> dict:
    return {"name": name, "values": values or [[]], "pictures": [], "tables": []}


class RemoteBook:
    """A workbook payload for the remote engine, and the per-sheet view of its actions."""

    def __init__(self, sheets: dict[str, list[list[object]]]) -> None:
        payload = {"client": "Microsoft Office Scripts", "version": xw.__version__,
                   "book": {"name": "工作簿.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [],
                   "sheets": [_sheet(n, v) for n, v in sheets.items()]}
        self.book = xw.Book(json=payload)
        self.names = list(sheets)

    def actions(self) -> list[dict]:
        return self.book.json()["actions"]

    def written(self) -> dict[str, list[list[object]]]:
        """Sheet name -> the last values written to A1 of it."""
        names, result = list(self.names), {}
        for action in self.actions():
            if action["func"] == "addSheet":
                names.insert(action["args"][0], action["args"][1])
            elif action["func"] == "setValues" and action["start_row"] == 0 and action["start_column"] == 0:
                result[names[action["sheet_position"]]] = action["values"]
        return result

    def alerts(self) -> list[str]:
        return [a["args"][0] for a in self.actions() if a["func"] == "alert"]

    def colored(self) -> list[dict]:
        return [a for a in self.actions() if a["func"] == "setRangeColor"]


# Every button runs on both: the xlwings remote engine (Excel) and the WPS service's recording workbook.
ENGINES = {"xlwings": RemoteBook, "wps": RecordingRemote}
Engine = RemoteBook


@pytest.fixture(params=list(ENGINES), autouse=True)
def engine(request, monkeypatch):
    monkeypatch.setitem(globals(), "Engine", ENGINES[request.param])
    return request.param


@pytest.fixture
def workspace(corpus, tmp_path):
    """Settings, plan, tasks and directory of the 庙行镇 plan, as a working workbook would hold them."""
    plan = corpus / "plans" / "miaohang_2024.txt"
    draft = draft_from_plan(plan, DraftOptions(directory=sample_directory("庙行镇")))
    sheets = {
        "设置": [["选项", "值", "说明"], ["上级要点文件", str(plan), ""], ["输出文件夹", str(tmp_path / "输出"), ""],
               ["轮次", "2024年第3季度", ""], ["回收文件夹", str(tmp_path / "回收"), ""],
               ["统计日期", "2024-10-20", ""]],
        "上级要点": [list(PLAN_HEADERS)] + plan_values(draft.outline),
        "任务分解": [list(TASK_HEADERS)] + [task_values(r) for r in draft.rows],
        "单位名录": [["单位全称", "简称/别名", "类别", "所属分组", "职责关键词", "默认单位", "联系人", "电话", "邮箱"]]
        + directory_values(sample_directory("庙行镇")),
    }
    return sheets, tmp_path


def test_every_button_has_a_dispatcher_entry_and_a_sub():
    assert len(BUTTON_IDS) == 15 and sorted(BUTTON_IDS) == sorted(ribbon.ACTIONS)
    actions = {b.get("onAction") for b in ET.parse(MACROS / "customUI14.xml").getroot().iterfind(".//ui:button", NS)}
    vba = (MACROS / "FenJie.bas").read_text(encoding="ascii")
    for name in actions:
        assert f"Public Sub {name}(control As IRibbonControl)" in vba


def _run(sheets, button: str) -> RemoteBook:
    remote = Engine(sheets)
    ribbon.dispatch(button, remote.book)
    return remote


def test_btnSettings(workspace):
    remote = _run({"Sheet1": [[None]]}, "btnSettings")
    written = remote.written()["设置"]
    assert written[0] == ["选项", "值", "说明"] and [r[0] for r in written[1:]] == [k for k, _, _ in ribbon.SETTINGS]


def test_btnImportPlan(workspace):
    sheets, _ = workspace
    remote = _run({"设置": sheets["设置"]}, "btnImportPlan")
    rows = remote.written()["上级要点"]
    assert rows[0] == list(PLAN_HEADERS) and rows[1][3] == "2024年庙行镇政务公开工作要点"
    assert remote.alerts() == ["已导入《2024年庙行镇政务公开工作要点》：42 个层级条目。"]


def test_btnImportPlan_asks_for_the_file_and_keeps_it_in_settings(workspace, corpus, monkeypatch):
    sheets, _ = workspace
    plan = corpus / "plans" / "miaohang_2024.txt"
    asked = []
    monkeypatch.setattr(ribbon, "ask_for_file", lambda book, title, file_filter: asked.append(title) or plan)
    settings = [row if row[0] != "上级要点文件" else ["上级要点文件", "", ""] for row in sheets["设置"]]
    remote = _run({"设置": settings}, "btnImportPlan")
    assert asked == ["选择上级要点文件"]
    assert ["上级要点文件", str(plan), ""] in remote.written()["设置"]
    assert remote.alerts() == ["已导入《2024年庙行镇政务公开工作要点》：42 个层级条目。"]


def test_the_remote_engine_has_no_file_dialog(workspace):
    sheets, _ = workspace
    missing = ["上级要点文件", "D:/不存在/要点.docx", ""]
    settings = [row if row[0] != "上级要点文件" else missing for row in sheets["设置"]]
    remote = _run({"设置": settings}, "btnImportPlan")
    assert remote.alerts() == ["“设置”中的上级要点文件“D:/不存在/要点.docx”不存在。"]


def test_btnDecompose(workspace, engine):
    sheets, _ = workspace
    remote = _run({"设置": sheets["设置"], "单位名录": sheets["单位名录"]}, "btnDecompose")
    tasks = remote.written()["任务分解"]
    assert tasks[0] == list(TASK_HEADERS) and len(tasks) == 29
    assert tasks[18][5:8] == ["镇党政办公室", "镇机关各部门、各单位", "镇党群办"] or tasks[18][5] == "镇党政办"
    assert remote.alerts()[0].startswith("已生成 28 项任务")
    if engine != "xlwings":
        return  # the WPS front door writes values only
    funcs = [(a["func"], a.get("args")) for a in remote.actions()]
    assert ("setFontProperty", ["name", "仿宋"]) in funcs and ("setFontProperty", ["size", 11]) in funcs
    assert ("setColumnWidth", [46]) in funcs and ("setWrapText", [True]) in funcs, "the working sheet's look"
    assert ("setAutofit", ["rows"]) in funcs


def test_btnMatchUnits(corpus, workspace):
    sheets, _ = workspace
    draft = draft_from_plan(corpus / "plans" / "shanghai_2021.txt")
    rows = [task_values(r) for r in draft.rows]
    for row in rows:
        row[5] = row[6] = row[7] = ""
    remote = _run({"设置": sheets["设置"], "上级要点": [list(PLAN_HEADERS)] + plan_values(draft.outline),
                   "任务分解": [list(TASK_HEADERS)] + rows,
                   "单位名录": [sheets["单位名录"][0]] + directory_values(sample_directory("上海市"))}, "btnMatchUnits")
    written = remote.written()["任务分解"]
    assert written[1][6] == "各区政府、市政府各部门" and written[1][10] == "通知主送：各区政府、市政府各部门"
    assert "_备份_任务分解" in remote.written(), "the sheet is backed up before it is rewritten"


def test_btnDeadlines(workspace):
    sheets, _ = workspace
    rows = [list(r) for r in sheets["任务分解"]]
    rows[1][8], rows[2][8], rows[3][8] = "", "6 月底", "每季度"
    remote = _run({"设置": sheets["设置"], "上级要点": sheets["上级要点"], "任务分解": rows}, "btnDeadlines")
    written = remote.written()["任务分解"]
    assert written[1][8] == "全年" and written[2][8] == "6月底前" and written[2][11] == "2024-06-30"
    assert written[3][8] == "每季度" and written[3][11].count("、") == 3


def test_btnValidate(workspace):
    sheets, _ = workspace
    rows = [list(r) for r in sheets["任务分解"]]
    rows[2][0] = rows[1][0]
    remote = _run({"设置": sheets["设置"], "任务分解": rows, "单位名录": sheets["单位名录"]}, "btnValidate")
    findings = remote.written()["校验结果"]
    assert any(f[2] == "序号重复" and f[4] == "A2" for f in findings[1:])
    assert remote.colored()
    assert remote.alerts()[0].startswith("校验完成：2 错误")


def test_btnOfficial(workspace):
    sheets, tmp = workspace
    remote = _run({k: sheets[k] for k in ("设置", "上级要点", "任务分解")}, "btnOfficial")
    out = tmp / "输出" / "2024年庙行镇政务公开工作要点任务分解表（正式版式）.xlsx"
    assert remote.alerts() == [f"已生成正式版式任务分解表：{out}"]
    assert openpyxl.load_workbook(out)["任务分解表"]["A2"].value == "2024年庙行镇政务公开工作要点任务分解表"


def test_the_title_setting_reaches_every_output(workspace):
    sheets, tmp = workspace
    settings = [*sheets["设置"], ["标题", "庙行镇2024年政务公开工作实施方案", ""]]
    _run({"设置": settings, "上级要点": sheets["上级要点"], "任务分解": sheets["任务分解"]}, "btnOfficial")
    out = tmp / "输出" / "庙行镇2024年政务公开工作实施方案任务分解表（正式版式）.xlsx"
    assert openpyxl.load_workbook(out)["任务分解表"]["A2"].value == "庙行镇2024年政务公开工作实施方案任务分解表"
    _run({"设置": settings, "上级要点": sheets["上级要点"], "任务分解": sheets["任务分解"],
          "单位名录": sheets["单位名录"]}, "btnSplit")
    form = next((tmp / "输出" / "2024年第3季度_下发").glob("*.xlsx"))
    assert openpyxl.load_workbook(form).worksheets[0]["A2"].value.startswith(
        "庙行镇2024年政务公开工作实施方案任务进展反馈表（")


def _split(sheets) -> RemoteBook:
    return _run({k: sheets[k] for k in ("设置", "任务分解", "单位名录")}, "btnSplit")


def test_btnSplit(workspace):
    sheets, tmp = workspace
    remote = _split(sheets)
    forms = sorted((tmp / "输出" / "2024年第3季度_下发").glob("*.xlsx"))
    assert forms and remote.alerts() == [f"已为 {len(forms)} 个单位生成反馈表：{tmp / '输出' / '2024年第3季度_下发'}\n"
                                         "需指定单位（分组，未生成反馈表，请在单位名录中填写其成员单位）："
                                         "各村（任务 21）；居民区（任务 21）"]
    assert not any("各村" in p.name or "居民区" in p.name for p in forms), "no form addressed to a group"
    ledger = remote.written()["工作台账"]
    assert ledger[0][:3] == ["序号", "任务ID", "章节"] and len(ledger) == 29


def _directory_with_emails(sheets) -> list[list]:
    """The 单位名录 sheet with an address for every unit."""
    directory = [list(r) for r in sheets["单位名录"]]
    for i, row in enumerate(directory[1:], start=1):
        row[8] = f"unit{i}@town.test"
    return directory


def test_btnSendMail(workspace):
    sheets, tmp = workspace
    _split(sheets)
    directory = _directory_with_emails(sheets)
    remote = _run({"设置": sheets["设置"] + [["发件人邮箱", "gk@town.test", ""]], "单位名录": directory}, "btnSendMail")
    preview = remote.written()["邮件预览"]
    assert preview[0] == ["单位", "收件人", "主题", "附件", "大小", "检查"]
    emls = list((tmp / "输出" / "待发邮件").glob("*.eml"))
    ready = [r for r in preview[1:] if r[5] == "可发送"]
    assert len(emls) == len(ready) > 0
    assert remote.alerts()[0].startswith(f"已生成 {len(ready)} 封邮件")


def test_btnSendMail_through_smtp(workspace):
    from aiosmtpd.controller import Controller
    from test_mail import Recorder, _free_port

    sheets, _ = workspace
    _split(sheets)
    directory = _directory_with_emails(sheets)
    recorder, port = Recorder(), _free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = sheets["设置"] + [["发件人邮箱", "gk@town.test", ""], ["发送方式", "smtp", ""],
                                     ["SMTP服务器", "127.0.0.1", ""], ["SMTP端口", str(port), ""],
                                     ["SMTP加密", "none", ""]]
        remote = _run({"设置": settings, "单位名录": directory}, "btnSendMail")
    finally:
        controller.stop()
    ready = [r for r in remote.written()["邮件预览"][1:] if r[5] == "可发送"]
    assert len(recorder.messages) == len(ready) > 0
    assert remote.alerts()[0].startswith(f"已发送 {len(ready)} 封邮件")


@pytest.mark.parametrize(
    ("extra", "message"),
    [([["发送方式", "smtp", ""]], "发送方式为 smtp 时，请在“设置”中填写“SMTP服务器”。"),
     ([["发送方式", "smtp", ""], ["SMTP服务器", "mail.test", ""], ["SMTP端口", "四六五", ""]],
      "“设置”中的SMTP端口“四六五”或SMTP加密“ssl”无效：端口写数字，加密写 ssl、starttls 或 none。"),
     ([["发送方式", "传真", ""]], "“设置”中的发送方式“传真”无效：请写 eml、smtp 或 outlook。")],
)
def test_btnSendMail_with_bad_mail_settings(workspace, extra, message):
    sheets, _ = workspace
    _split(sheets)
    remote = _run({"设置": sheets["设置"] + extra, "单位名录": sheets["单位名录"]}, "btnSendMail")
    assert remote.alerts() == [message]


def test_btnMerge(workspace):
    sheets, tmp = workspace
    _split(sheets)
    (tmp / "回收").mkdir()
    form = next((tmp / "输出" / "2024年第3季度_下发").glob("*镇党政办*"))
    workbook = openpyxl.load_workbook(form)
    workbook[SHEET_FORM]["H4"] = "已完成"
    workbook.save(tmp / "回收" / form.name)
    remote = _run({"设置": sheets["设置"]}, "btnMerge")
    assert remote.alerts()[0].startswith("已合并：镇党政办 更新 1 项任务")
    ledger = remote.written()["工作台账"]
    column = {name: i for i, name in enumerate(ledger[0])}
    row = next(r for r in ledger[1:] if "镇党政办" in str(r[column["各单位状态"]]))
    assert "已完成" in row[column["各单位状态"]] and row[column["完成状态"]] in ("已完成", "部分完成")


@pytest.mark.parametrize("typed", ["2024-10-20", "2024年10月20日", "2024/10/20", "2024-10-20 00:00:00"])
def test_btnSummary(workspace, typed):
    sheets, tmp = workspace
    _split(sheets)
    settings = [row if row[0] != "统计日期" else ["统计日期", typed, ""] for row in sheets["设置"]]
    remote = _run({"设置": settings}, "btnSummary")
    out = tmp / "输出" / "进度汇总_2024-10-20.xlsx"
    assert remote.alerts() == [f"已生成进度汇总（截至 2024-10-20）：{out}"]
    assert openpyxl.load_workbook(out).sheetnames[:2] == ["总体情况", "分单位"]


def test_btnSummary_with_a_date_that_is_no_date(workspace):
    sheets, _ = workspace
    settings = [row if row[0] != "统计日期" else ["统计日期", "十月底", ""] for row in sheets["设置"]]
    remote = _run({"设置": settings}, "btnSummary")
    assert remote.alerts() == ["“设置”中的统计日期：日期“十月底”无法识别：请写成 2024-06-30 或 2024年6月30日。"]


def test_btnUnits(workspace):
    sheets, _ = workspace
    remote = _run({"设置": sheets["设置"], "任务分解": sheets["任务分解"]}, "btnUnits")
    assert remote.written()["单位名录"][0][0] == "单位全称"
    rows = [list(r) for r in sheets["任务分解"]]
    rows[1][6] = "镇经发"
    remote = _run({"设置": sheets["设置"], "任务分解": rows, "单位名录": sheets["单位名录"]}, "btnUnits")
    findings = remote.written()["校验结果"]
    assert findings[1][2] == "单位不在名录中" and "镇经发" in findings[1][5]


def test_btnUndo(workspace):
    sheets, _ = workspace
    old = [list(TASK_HEADERS), [1] + ["旧"] * (len(TASK_HEADERS) - 1)]
    remote = _run({"任务分解": sheets["任务分解"], "_备份_任务分解": old}, "btnUndo")
    assert remote.written()["任务分解"] == old and remote.alerts() == ["已恢复：任务分解。"]
    remote = _run({"任务分解": sheets["任务分解"]}, "btnUndo")
    assert remote.alerts() == ["没有可以撤销的操作。"]


def test_btnSelfCheck(workspace):
    sheets, _ = workspace
    message = _run({"设置": sheets["设置"]}, "btnSelfCheck").alerts()[0]
    assert message.startswith("Python：") and "FenJie：0.1.0" in message and "可写" in message


def test_btnHelp():
    assert _run({"Sheet1": [[None]]}, "btnHelp").alerts()[0].startswith("使用顺序：设置 → 导入上级要点")


def test_failures_become_messages_and_log_entries(workspace, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("APPDATA", raising=False)
    remote = _run({"Sheet1": [[None]]}, "btnImportPlan")
    assert remote.alerts() == ["请先在“设置”工作表中填写“上级要点文件”。"]

    def broken(path):
        raise RuntimeError("磁盘读取失败")

    monkeypatch.setattr(ribbon, "read_source", broken)
    sheets, _ = workspace
    message = _run({"设置": sheets["设置"]}, "btnImportPlan").alerts()[0]
    assert message.startswith("导入上级要点时出错：磁盘读取失败。详细信息已记入日志：")
    assert "RuntimeError: 磁盘读取失败" in (tmp_path / "state" / "FenJie" / "fenjie.log").read_text(encoding="utf-8")
    assert _run({"Sheet1": [[None]]}, "btnNope").alerts() == ["未知的按钮“btnNope”：请重新安装 FenJie 加载项。"]


def test_cli_and_ribbon_write_the_same_task_rows(corpus, workspace, tmp_path):
    sheets, _ = workspace
    out = tmp_path / "cli.xlsx"
    main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(out), "--sample-units", "庙行镇"])
    cli_rows = [list(r) for r in openpyxl.load_workbook(out)["任务分解"].values]
    remote = _run({"设置": sheets["设置"], "单位名录": sheets["单位名录"]}, "btnDecompose")
    ribbon_rows = [[None if v == "" else v for v in r] for r in remote.written()["任务分解"]]
    assert ribbon_rows == cli_rows
    shutil.rmtree(tmp_path / "输出", ignore_errors=True)
