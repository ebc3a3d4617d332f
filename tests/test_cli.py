"""The fenjie command line, the draft workbook it writes, and golden files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from xlsx_parts import extract_golden, golden_parts, xlsx_parts

from addin.cli import build_parser, main
from addin.workbook import PLAN_HEADERS, SHEET_PLAN, SHEET_TASKS, TASK_HEADERS

GOLDEN = Path(__file__).parent / "golden"


def _commands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"用法：fenjie {command}")
    assert "\n选项：\n" in out and "显示本帮助并退出" in out and "usage" not in out


def test_decompose_writes_both_sheets(corpus, tmp_path, capsys):
    out = tmp_path / "分解.xlsx"
    assert main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"已分解 28 项任务，写入：{out}\n有 1 处需要核对，见“校验结果”工作表。"
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == [SHEET_TASKS, SHEET_PLAN, "校验结果"]
    # 26 rows state no deadline: the default is named as a choice, not passed off as the plan's.
    hint = workbook["校验结果"]["F2"].value
    assert hint.startswith("26 项任务原文未写完成时限，已按默认“全年”填写（I2、I3、"), hint
    tasks = list(workbook[SHEET_TASKS].values)
    assert tasks[0] == TASK_HEADERS
    assert tasks[1][:5] == (1, "一、全方位推进各领域信息主动公开",
                            "（一）做好“打造宝山科创中心主阵地重要承载区”建设信息公开",
                            "落实宝山科创中心主阵地重要承载区建设信息公开", tasks[1][4])
    assert tasks[1][6] == "镇经发办、镇经发中心"
    assert tasks[1][9] == "一（一）1（第22行）"
    assert len(tasks) == 29
    plan = list(workbook[SHEET_PLAN].values)
    assert plan[0] == PLAN_HEADERS
    assert plan[1][3] == "2024年庙行镇政务公开工作要点"


def test_calamine_reads_the_same_rows(corpus, tmp_path):
    out = tmp_path / "分解.xlsx"
    main(["decompose", str(corpus / "plans" / "putuo_2024.txt"), "-o", str(out)])
    by_openpyxl = [list(r) for r in openpyxl.load_workbook(out)[SHEET_TASKS].values]
    by_calamine = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(SHEET_TASKS).to_python()
    normalize = [[("" if v is None else int(v) if isinstance(v, float) else v) for v in row]
                 for row in by_openpyxl]
    assert by_calamine == normalize


def test_default_output_and_backup(corpus, tmp_path, capsys):
    plan = tmp_path / "要点.txt"
    shutil.copy(corpus / "plans" / "putuo_2024.txt", plan)
    assert main(["decompose", str(plan)]) == 0
    out = tmp_path / "要点_任务分解.xlsx"
    assert out.exists()
    before = out.read_bytes()
    assert main(["decompose", str(plan), "--granularity", "item"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    backups = list(tmp_path.glob("要点_任务分解.备份-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert lines[-1] == f"原文件已备份为：{backups[0]}"


@pytest.mark.parametrize(("lock", "program"), [("~$分解.xlsx", "Excel 或 WPS"),
                                               (".~lock.分解.xlsx#", "LibreOffice 或 WPS")])
def test_open_in_excel_is_refused(corpus, tmp_path, capsys, lock, program):
    out = tmp_path / "分解.xlsx"
    out.write_bytes(b"original")
    (tmp_path / lock).write_bytes(b"owner")
    assert main(["decompose", str(corpus / "plans" / "putuo_2024.txt"), "-o", str(out)]) == 1
    assert capsys.readouterr().err.strip() == (f"错误：文件“分解.xlsx”正在被 {program} 打开（发现锁文件“{lock}”）："
                                               "请先关闭该文件再试；如果确认没有打开，可删除该锁文件。")
    assert out.read_bytes() == b"original"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~fenjie")] == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_target_is_refused(corpus, tmp_path, capsys):
    out = tmp_path / "分解.xlsx"
    out.write_bytes(b"original")
    out.chmod(0o444)
    assert main(["decompose", str(corpus / "plans" / "putuo_2024.txt"), "-o", str(out)]) == 1
    assert "只读" in capsys.readouterr().err


def test_formula_like_text_stays_text(tmp_path):
    plan = tmp_path / "要点.txt"
    plan.write_text("2024年某区工作要点\n一、总体\n1.=SUM(A1:A9)做好公开。\n2.@取消\x07控制字符。\n",
                    encoding="utf-8")
    out = tmp_path / "out.xlsx"
    assert main(["decompose", str(plan), "-o", str(out)]) == 0
    sheet = openpyxl.load_workbook(out)[SHEET_TASKS]
    assert sheet["E2"].value == "=SUM(A1:A9)做好公开。" and sheet["E2"].data_type == "s"
    assert sheet["E3"].value == "@取消控制字符。"


def test_draft_matches_golden_file(corpus, tmp_path):
    """Set FENJIE_REGEN_GOLDEN=1 to refresh tests/golden after an intended change."""
    out = tmp_path / "draft.xlsx"
    main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(out)])
    folder = GOLDEN / "miaohang_2024_draft"
    if os.environ.get("FENJIE_REGEN_GOLDEN"):
        shutil.rmtree(folder, ignore_errors=True)
        extract_golden(out, folder)
    expected = golden_parts(folder)
    produced = xlsx_parts(out)
    assert sorted(produced) == sorted(expected)
    for name in expected:
        assert produced[name] == expected[name], name


@pytest.mark.parametrize(
    "command",
    [["units", "init"], ["units", "check"], ["mail", "preview"], ["mail", "send"], ["mail", "remind"],
     ["addin", "build"], ["addin", "install"], ["addin", "remove"], ["addin", "status"], ["addin", "bundle"]],
    ids=lambda c: " ".join(c),
)
def test_every_subcommand_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f"用法：fenjie {' '.join(command)}")


@pytest.mark.parametrize(("argv", "message"), [
    (["frob"], "fenjie：错误：参数 命令 的值“frob”无效，可选：decompose, units"),
    (["summary", "台账.xlsx", "-o", "汇总.xlsx", "--warn-days", "abc"],
     "fenjie summary：错误：参数 --warn-days 的值“abc”不是有效的整数"),
    (["mail", "send", "台账.xlsx", "--via", "fax"],
     "fenjie mail send：错误：参数 --via 的值“fax”无效，可选：eml, smtp, outlook"),
    (["validate"], "fenjie validate：错误：缺少必需的参数：file"),
    (["validate", "表.xlsx", "--sheet"], "fenjie validate：错误：参数 --sheet 后面需要一个值"),
    (["validate", "表.xlsx", "--units", "名录.csv", "--sample-units", "上海市"],
     "fenjie validate：错误：参数 --sample-units 不能与 --units 同时使用"),
    (["units", "check", "表.xlsx", "多余"], "fenjie：错误：无法识别的参数：多余"),
])
def test_argument_errors_are_chinese(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：fenjie") and message in err and "error" not in err and "usage" not in err


def test_units_init_takes_the_file_name_as_written(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["units", "init", "单位名录.xlsx"]) == 0
    assert (tmp_path / "单位名录.xlsx").is_file() and "已生成空白单位名录：单位名录.xlsx" in capsys.readouterr().out


def test_demo_runs_the_whole_cycle(tmp_path):
    out = tmp_path / "演示"
    result = subprocess.run([sys.executable, "-m", "addin.cli", "demo", "-o", str(out)],
                            capture_output=True, text=True, check=True)
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"示例上级要点：{out / 'sample_plan_putuo_2024.txt'}"
    steps = [line.split("：")[0].split(" ")[0] for line in lines[1:-1]]
    assert steps == ["1", "2", "3", "4", "5", "6", "7", "8", "9"], lines
    for line in lines[:-1]:
        assert Path(line.rsplit("：", 1)[1]).exists(), line
    assert len(list((out / "5_下发反馈表").glob("*.xlsx"))) > 3
    assert len(list((out / "6_回收反馈表").glob("*.xlsx"))) == 3
    emls = list((out / "9_待发邮件").glob("*.eml"))
    assert emls and all(e.name.endswith("_2024年第3季度.eml") for e in emls)
    assert "7 合并：3 个单位有更新" in "\n".join(lines)
    summary = openpyxl.load_workbook(out / "8_进度汇总.xlsx")
    assert summary.worksheets[0]["A1"].value == "2024年上海市普陀区政务公开工作要点进度汇总"


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["summary", "台账.xlsx", "-o", "汇总.xlsx", "--as-of", "十月底"],
      "错误：--as-of 日期“十月底”无法识别：请写成 2024-06-30 或 2024年6月30日。"),
     (["mail", "remind", "台账.xlsx", "--as-of", "2024-13-01"],
      "错误：--as-of 日期“2024-13-01”无法识别：请写成 2024-06-30 或 2024年6月30日。")],
)
def test_bad_report_dates(argv, message, capsys):
    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == message


def test_decompose_never_writes_over_its_plan(corpus, tmp_path, capsys):
    import shutil

    plan = Path(shutil.copy(corpus / "truth" / "baoshan_2020_table.json", tmp_path / "上级分解表.xlsx"))
    before = plan.read_bytes()
    assert main(["decompose", str(plan), "-o", str(plan)]) == 1
    message = "错误：输出文件不能是上级要点文件本身（上级分解表.xlsx）：请用 -o 另选文件名。"
    assert capsys.readouterr().err.strip() == message
    assert plan.read_bytes() == before


_IMPORT_PROBE = """
import contextlib, io, json, sys
from addin.cli import main
with contextlib.suppress(SystemExit), contextlib.redirect_stderr(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("addin", "openpyxl", "jinja2", "pdfplumber",
                                                                        "docx", "lxml"))))
"""
# What no step of the quarterly round uses: plan reading, decomposition's pipeline, validation and marking, mail.
_NOT_FOR_THE_ROUND = ("addin.pipeline", "addin.markup", "addin.validate", "addin.mail.compose", "addin.mail.send",
                      "addin.plan.pdf_reader", "addin.plan.docx_reader", "pdfplumber", "docx")


def _loaded_by(tmp_path: Path, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _IMPORT_PROBE, *args], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_command_line_imports_only_what_the_command_uses(tmp_path):
    """Each round step is a whole process (#17): parsing loads neither openpyxl nor jinja2; split, merge and
    summary (stopped here at their missing ledger, after their imports) load no plan reading, validation or mail."""
    parsed = _loaded_by(tmp_path, "split")  # a missing argument: argparse stops before any command runs
    assert [m for m in parsed if m.split(".")[0] in ("openpyxl", "jinja2", "lxml")] == [], parsed
    assert "addin.render" not in parsed and "addin.mail.compose" not in parsed
    for command in (["split", "无此台账.xlsx", "-o", "out"], ["merge", "无此台账.xlsx", "returns"],
                    ["summary", "无此台账.xlsx", "-o", "汇总.xlsx"]):
        loaded = _loaded_by(tmp_path, *command)
        assert "addin.progress.ledger" in loaded, command  # the probe reached the command's own imports
        assert [m for m in _NOT_FOR_THE_ROUND if m in loaded] == [], command


def test_merge_of_a_fenjie_ledger_loads_no_openpyxl(tmp_path):
    """merge reads returns with python-calamine and writes the ledger by patching its package (#17): a whole
    process that never imports openpyxl, jinja2 or the form renderer (0.3–0.5 s of every merge before)."""
    plan = Path(__file__).parent / "plans" / "省级政务公开工作要点_示例.txt"
    assert main(["decompose", str(plan), "-o", str(tmp_path / "分解表.xlsx")]) in (0, 1)
    assert main(["ledger", str(tmp_path / "分解表.xlsx"), "-o", str(tmp_path / "台账.xlsx")]) == 0
    assert main(["split", str(tmp_path / "台账.xlsx"), "-o", str(tmp_path / "下发"), "--round", "2024年第1季度"]) == 0
    form = sorted((tmp_path / "下发").glob("*.xlsx"))[0]
    workbook = openpyxl.load_workbook(form)
    sheet = workbook["任务进展反馈"]
    header = next(r for r in range(1, 10) if "进展情况" in [c.value for c in sheet[r]])
    column = next(c.column for c in sheet[header] if c.value == "进展情况")
    sheet.cell(header + 1, column, "已完成部署")
    workbook.save(form)
    before = (tmp_path / "台账.xlsx").read_bytes()
    loaded = _loaded_by(tmp_path, "merge", "台账.xlsx", "下发")
    assert (tmp_path / "台账.xlsx").read_bytes() != before  # the merge wrote the report
    assert [m for m in loaded if m.split(".")[0] in ("openpyxl", "jinja2") or m == "addin.render"] == []
