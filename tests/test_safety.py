"""Nothing lost: concurrent writers, locks, backups, permissions, undo per operation (issue 15)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from addin.cli import main
from addin.lock import lock_path
from addin.progress.split import SHEET_FORM, SHEET_META

REPO = Path(__file__).resolve().parents[1]
UNITS = ("区教育局", "区卫健委")


def build_table(path: Path, contents: list[tuple[str, str]]) -> Path:
    """A small 任务分解表: (任务内容, 责任单位) rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    sheet.append(["序号", "任务名称", "任务内容", "责任单位", "完成时限"])
    for seq, (content, unit) in enumerate(contents, start=1):
        sheet.append([seq, content[2:8], content, unit, "2024年6月底前"])
    workbook.save(path)
    return path


def fill_form(form: Path, out: Path, progress: str, status: str = "推进中") -> str:
    """Fill every task row of a returned form (columns found by header) and save it as ``out``."""
    workbook = openpyxl.load_workbook(form)
    sheet = workbook[SHEET_FORM]
    header = {c.value: c.column for c in sheet[3] if c.value}
    for row in range(4, sheet.max_row + 1):
        if sheet.cell(row, header["任务ID"]).value:
            sheet.cell(row, header["进展情况"]).value = progress
            sheet.cell(row, header["完成状态"]).value = status
    out.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(out)
    return {r[0]: r[1] for r in workbook[SHEET_META].iter_rows(values_only=True)}["单位"]


@pytest.fixture
def issued(tmp_path):
    """A ledger split for two units, and each unit's filled return in its own folder."""
    table = build_table(tmp_path / "分解表.xlsx", [("做好教育领域政务公开", UNITS[0]),
                                                  ("做好卫生健康领域政务公开", UNITS[1]),
                                                  ("共同推进基层公开标准化", "、".join(UNITS))])
    ledger = tmp_path / "台账.xlsx"
    assert main(["ledger", str(table), "-o", str(ledger)]) == 0
    assert main(["split", str(ledger), "-o", str(tmp_path / "下发"), "--round", "2024年第2季度"]) == 0
    folders = {}
    for form in sorted((tmp_path / "下发").glob("*.xlsx")):
        folder = tmp_path / f"回收{len(folders) + 1}"
        unit = fill_form(form, folder / form.name, f"已完成部署（{form.stem[:6]}）")
        folders[unit] = folder
    assert sorted(folders) == sorted(UNITS)
    return ledger, folders


def reports(ledger: Path) -> set[str]:
    """Units with a report in 反馈明细, read independently of FenJie."""
    rows = list(openpyxl.load_workbook(ledger)["反馈明细"].values)
    unit, progress = rows[0].index("单位"), rows[0].index("进展情况")
    return {row[unit] for row in rows[1:] if row[0] and row[progress]}


def _fenjie(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "addin.cli", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def test_two_merges_at_once_twenty_times(issued, tmp_path):
    ledger, folders = issued
    pristine = tmp_path / "台账-原样.xlsx"
    shutil.copy2(ledger, pristine)
    outcomes = {"both merged": 0, "second told busy": 0}
    for trial in range(20):
        target = tmp_path / f"并发{trial}" / "台账.xlsx"
        target.parent.mkdir()
        shutil.copy2(pristine, target)
        first, second = (_fenjie("merge", str(target), str(folder)) for folder in folders.values())
        results = [(p.wait(120), *p.communicate()) for p in (first, second)]
        for code, _out, err in results:
            assert "Traceback" not in err and code in (0, 1), err
            assert code == 0 or ("正忙" in err and "合并反馈" in err), err
        merged = {unit for (code, _, _), unit in zip(results, folders, strict=True) if code == 0}
        assert reports(target) == merged, f"trial {trial}: every merge reported done is in the ledger"
        outcomes["both merged" if len(merged) == 2 else "second told busy"] += 1
        assert not lock_path(target).exists()
    assert sum(outcomes.values()) == 20


def test_a_busy_ledger_is_named_plainly(issued, tmp_path):
    ledger, folders = issued
    holder = _fenjie("merge", str(ledger), str(next(iter(folders.values()))))
    holder.wait(120)
    lock = lock_path(ledger)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock.write_text(json.dumps({"owner": "张三", "host": os.uname().nodename, "pid": sleeper.pid,
                                    "time": "2024-06-30T09:00:00", "operation": "合并反馈"}), encoding="utf-8")
        waiting = _fenjie("merge", str(ledger), str(list(folders.values())[1]), env={"FENJIE_LOCK_WAIT": "0.5"})
        code, err = waiting.wait(120), waiting.communicate()[1]
        assert code == 1
        assert err.strip() == (f"错误：文件“台账.xlsx”正忙：张三（{os.uname().nodename}，进程 {sleeper.pid}）"
                               "自 2024-06-30 09:00:00 起正在执行“合并反馈”：请等其完成后再试。"
                               "如果确认没有在运行，可删除锁文件“.台账.xlsx.fenjie-lock”。")
        assert reports(ledger) == {next(iter(folders))}, "nothing written by the refused merge"
    finally:
        sleeper.kill()
        sleeper.wait()
    # the holder is gone now: its lock is stale and the next merge goes ahead
    assert main(["merge", str(ledger), str(list(folders.values())[1])]) == 0
    assert reports(ledger) == set(UNITS) and not lock.exists()


@pytest.mark.parametrize("lock_name", ["~$台账.xlsx", ".~lock.台账.xlsx#"])
def test_office_lock_checked_before_anything_is_written(issued, capsys, lock_name):
    ledger, folders = issued
    before, backups = ledger.read_bytes(), sorted(ledger.parent.glob("台账.备份-*"))
    (ledger.parent / lock_name).write_text("owner", encoding="utf-8")
    assert main(["merge", str(ledger), str(next(iter(folders.values())))]) == 1
    assert f"发现锁文件“{lock_name}”" in capsys.readouterr().err
    assert ledger.read_bytes() == before
    assert sorted(ledger.parent.glob("台账.备份-*")) == backups, "no backup either: nothing was replaced"


def test_validate_output_over_an_existing_file_is_backed_up(tmp_path, capsys):
    table = build_table(tmp_path / "表.xlsx", [("做好政务公开", "区教育局")])
    existing = tmp_path / "已有.xlsx"
    existing.write_bytes(b"someone's work")
    (tmp_path / "~$已有.xlsx").write_text("owner", encoding="utf-8")
    assert main(["validate", str(table), "-o", str(existing)]) == 1
    assert "正在被 Excel 或 WPS 打开" in capsys.readouterr().err and existing.read_bytes() == b"someone's work"
    (tmp_path / "~$已有.xlsx").unlink()
    assert main(["validate", str(table), "-o", str(existing)]) == 0
    backup = next(tmp_path.glob("已有.备份-*.xlsx"))
    assert backup.read_bytes() == b"someone's work"
    assert f"原文件已备份为：{backup}" in capsys.readouterr().out
    assert "校验结果" in openpyxl.load_workbook(existing).sheetnames


def test_outputs_keep_the_folders_permissions_and_partials_are_cleaned(tmp_path):
    table = build_table(tmp_path / "表.xlsx", [("做好政务公开", "区教育局")])
    stale = tmp_path / ".~fenjie-oldhost-1-abc.xlsx"
    stale.write_bytes(b"partial")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".~fenjie-otherhost-1-def.xlsx"
    fresh.write_bytes(b"another clerk's save in progress")
    previous = os.umask(0o022)
    try:
        assert main(["ledger", str(table), "-o", str(tmp_path / "台账.xlsx")]) == 0
    finally:
        os.umask(previous)
    assert (tmp_path / "台账.xlsx").stat().st_mode & 0o777 == 0o644
    assert not stale.exists() and fresh.exists()


def test_disk_full_during_backup_leaves_no_truncated_backup(tmp_path, monkeypatch):
    from addin import safe_io
    from addin.errors import WorkbookWriteError

    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"x" * 10_000)

    def full_disk(source, destination, **_):
        Path(destination).write_bytes(Path(source).read_bytes()[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_io.shutil, "copy2", full_disk)
    with pytest.raises(WorkbookWriteError, match="无法备份“.*”（磁盘空间不足）：原文件未改动"):
        safe_io.write_atomically(target, lambda temp: temp.write_bytes(b"new"))
    assert target.read_bytes() == b"x" * 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["台账.xlsx"]


def test_undo_reverts_the_last_operation_not_an_earlier_one(issued, tmp_path, capsys):
    ledger, folders = issued
    assert main(["merge", str(ledger), str(next(iter(folders.values())))]) == 0
    merged = reports(ledger)
    directory = tmp_path / "名录.csv"
    directory.write_text("单位全称,邮箱\n区教育局,jyj@example.cn\n区卫健委,wjw@example.cn\n", encoding="utf-8-sig")
    assert main(["mail", "send", str(ledger), "--forms", str(tmp_path / "下发"), "--units", str(directory)]) == 0
    assert "发送记录" in openpyxl.load_workbook(ledger).sheetnames
    capsys.readouterr()
    assert main(["undo", str(ledger)]) == 0
    assert capsys.readouterr().out.startswith("已撤销“发送邮件”")
    after = openpyxl.load_workbook(ledger)
    assert "发送记录" not in after.sheetnames and reports(ledger) == merged, "the merge stays"
    assert main(["undo", str(ledger)]) == 0
    assert capsys.readouterr().out.startswith("已撤销“合并反馈”") and reports(ledger) == set()


def test_undo_after_validate_fix_keeps_every_sheet_feature(tmp_path, capsys):
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    path = build_table(tmp_path / "表.xlsx", [("做好政务公开 ,落实", "区教育局"), ("推进公开", "区卫健委")])
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = "A1:E3"
    sheet.print_title_rows = "1:1"
    validation = DataValidation(type="list", formula1='"区教育局,区卫健委"', showErrorMessage=True)
    validation.add("D2:D3")
    sheet.add_data_validation(validation)
    sheet.conditional_formatting.add("A2:A3", CellIsRule(operator="greaterThan", formula=["1"],
                                                         fill=PatternFill("solid", bgColor="FFC7CE")))
    workbook.save(path)
    assert main(["validate", str(path), "--fix"]) in (0, 1)
    assert main(["undo", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("已撤销“校验”")
    restored = openpyxl.load_workbook(path).active
    assert restored.freeze_panes == "A2" and restored.auto_filter.ref == "A1:E3"
    assert restored.print_title_rows == "$1:$1"
    assert [str(v.sqref) for v in restored.data_validations.dataValidation] == ["D2:D3"]
    assert [str(r.sqref) for r in restored.conditional_formatting] == ["A2:A3"]
    assert restored["C2"].value == "做好政务公开 ,落实"


HOSTILE = Path(__file__).parent / "hostile"


@pytest.mark.parametrize("name", ["35_long_unit_names.xlsx", "36_slash_units.xlsx"])
def test_unit_names_that_make_bad_file_names(name, tmp_path, capsys):
    ledger, forms = tmp_path / "台账.xlsx", tmp_path / "下发"
    assert main(["ledger", str(HOSTILE / name), "-o", str(ledger)]) == 0
    assert main(["split", str(ledger), "-o", str(forms), "--round", "2024年第2季度"]) == 0
    units = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines() if "\t" in line]
    files = sorted(forms.glob("*.xlsx"))
    assert len(files) == len(units), "one form per unit: no two units share a file name"
    assert all(len(f.name) <= 80 and len(f.name.encode()) <= 240 for f in files)
    directory = tmp_path / "名录.csv"
    directory.write_text("单位全称,邮箱\n" + "".join(f"\"{u}\",u{i}@example.cn\n" for i, u in enumerate(units)),
                         encoding="utf-8-sig")
    assert main(["mail", "send", str(ledger), "--forms", str(forms), "--units", str(directory),
                 "--out", str(tmp_path / "邮件")]) == 0
    assert "未发送 0" in capsys.readouterr().out
    assert len(list((tmp_path / "邮件").glob("*.eml"))) == len(units)


def test_long_names_are_shortened_stably_and_kept_apart():
    from addin.progress.split import feedback_file_name

    long_name = "区政府办公室" + "（区大数据中心、区政务服务中心）" * 12
    assert feedback_file_name("2024年第2季度", long_name) == feedback_file_name("2024年第2季度", long_name)
    assert feedback_file_name("R", long_name) != feedback_file_name("R", long_name + "甲")
    assert feedback_file_name("R", "区府办/区大数据中心") == "R_区府办／区大数据中心_任务进展反馈表.xlsx"
    assert feedback_file_name("R", "区府办 区大数据中心") != feedback_file_name("R", "区府办区大数据中心")


def test_line_breaks_in_the_round_are_refused(issued, capsys):
    ledger, _ = issued
    assert main(["split", str(ledger), "-o", str(ledger.parent / "x"), "--round", "2024年\r\nBcc: x@evil.test"]) == 1
    assert "轮次" in capsys.readouterr().err and not (ledger.parent / "x").exists()


@pytest.mark.parametrize("argv", [
    ["decompose", "{plan}", "-o", "{out}/分解.xlsx"], ["ledger", "{table}", "-o", "{out}/台账.xlsx"],
    ["render", "{table}", "-o", "{out}/正式.xlsx"], ["validate", "{table}", "-o", "{out}/校验.xlsx"],
    ["units", "init", "-o", "{out}/名录.xlsx"]])
def test_an_unwritable_folder_is_one_chinese_line(argv, tmp_path, capsys, monkeypatch, corpus):
    from addin import safe_io

    def refuse(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(dir))

    monkeypatch.setattr(safe_io.tempfile, "mkstemp", refuse)
    (tmp_path / "只读").mkdir()
    table = build_table(tmp_path / "表.xlsx", [("做好政务公开", "区教育局")])
    values = {"plan": str(corpus / "plans" / "putuo_2024.txt"), "table": str(table), "out": str(tmp_path / "只读")}
    assert main([a.format(**values) for a in argv]) == 1
    assert capsys.readouterr().err.strip() == f"错误：无法在“{tmp_path / '只读'}”中写入文件（没有权限）。"


def test_xml_entities_are_refused_not_expanded(tmp_path, capsys):
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML, "openpyxl parses workbooks through defusedxml (installed by setup.py)"
    assert main(["decompose", str(HOSTILE / "34_xml_entities.docx"), "-o", str(tmp_path / "分解.xlsx")]) == 1
    assert capsys.readouterr().err.strip() == (
        "错误：文件“34_xml_entities.docx”的内部 XML（word/document.xml）含有 DOCTYPE/实体声明，Office 软件不会生成"
        "这样的文件，可能是恶意构造的：为安全起见 FenJie 不展开实体、不读取此文件。"
        "请在 Word/Excel/WPS 中打开并另存为新文件后再试。")
    assert not (tmp_path / "分解.xlsx").exists()


def test_hostile_returns_are_merged_or_named(issued, tmp_path, capsys):
    ledger, folders = issued
    unit, folder = next(iter(folders.items()))
    form = next(folder.glob("*.xlsx"))
    workbook = openpyxl.load_workbook(form)
    sheet = workbook[SHEET_FORM]
    header = {c.value: c.column for c in sheet[3] if c.value}
    sheet.cell(4, header["进展情况"]).value = "第一段_x000B_第二段"  # how Excel stores a pasted Word line break
    sheet["XFD1048576"] = "x"  # one stray cell: a used range of 17 billion cells
    workbook.save(form)
    shutil.copy(form, folder / "另存为.ods")
    capsys.readouterr()
    assert main(["merge", str(ledger), str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"已合并：{unit}" in out and "未合并：另存为.ods：.ods 格式无法合并" in out
    detail = list(openpyxl.load_workbook(ledger)["反馈明细"].values)
    assert "第一段\n第二段" in [row[detail[0].index("进展情况")] for row in detail[1:]]


def test_stale_locks_are_replaced_and_live_ones_respected(tmp_path):
    from addin.lock import FileBusyError, check_not_busy, writer_lock

    ledger = tmp_path / "台账.xlsx"
    ledger.write_bytes(b"x")
    lock = lock_path(ledger)
    lock.write_text(json.dumps({"owner": "王五", "host": "另一台电脑", "pid": 1, "time": "2024-06-30T09:00:00",
                                "operation": "合并反馈"}), encoding="utf-8")
    with pytest.raises(FileBusyError, match="正忙：王五（另一台电脑，进程 1）"):
        check_not_busy(ledger)  # another machine's lock: its process cannot be checked, so it counts
    old = time.time() - 3 * 3600
    os.utime(lock, (old, old))
    check_not_busy(ledger)  # hours old: left by a crash
    with writer_lock(ledger, "下发反馈表", wait=0):
        assert json.loads(lock.read_text(encoding="utf-8"))["operation"] == "下发反馈表"
        with writer_lock(ledger, "下发反馈表", wait=0):  # re-entrant within one process
            check_not_busy(ledger)
        assert lock.exists()
    assert not lock.exists()


def test_cells_knows_what_openpyxl_knows():
    """addin.cells keeps its own copy of two openpyxl facts (so a ribbon click need not import openpyxl)."""
    from openpyxl.cell import cell as openpyxl_cell

    from addin import cells

    assert set(cells.ERROR_CODES) == set(openpyxl_cell.ERROR_CODES)
    assert cells.ILLEGAL_CHARACTERS_RE.pattern == openpyxl_cell.ILLEGAL_CHARACTERS_RE.pattern
