"""Outputs a 科长 signs off: one title everywhere, Chinese typography, print layout of the formal table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from pdf_checks import column_texts, render_pdf, soffice_available
from table_builders import build_official_table

from addin.cli import main
from addin.layout import char_units
from addin.print_layout import name_pieces
from addin.progress.ledger import load_ledger
from addin.table import read_task_table
from addin.titles import plan_name, table_title, title_problem
from addin.typography import chinese_punctuation
from addin.units.cells import continues_on_next_line
from addin.workbook import SHEET_PLAN


@pytest.mark.parametrize(("text", "expected"), [
    ("政府网站引用或登载行政法规,要对照中国政府法制信息网", "政府网站引用或登载行政法规，要对照中国政府法制信息网"),
    ("主要做好以下工作:(一)完善制度;(二)加强培训.", "主要做好以下工作：（一）完善制度；（二）加强培训。"),
    ('打造"一网通办"总门户', "打造“一网通办”总门户"),
    ("各区政府(管委会)", "各区政府（管委会）"),
    ("共1,000项,完成率98.5%", "共1,000项，完成率98.5%"),  # numbers stay
    ("10:30在2024-10-10开会", "10:30在2024-10-10开会"),  # times and dates stay
    ("登录https://www.gov.cn/a,b,c查询", "登录https://www.gov.cn/a,b,c查询"),  # URLs stay
    ("上传Excel (xlsx), Word (docx)文件", "上传Excel (xlsx), Word (docx)文件"),  # English stays
    ("邮箱:gk@sh.gov.cn,电话:12345", "邮箱：gk@sh.gov.cn，电话：12345"),
    ("已经全角，。；：", "已经全角，。；：")
])
def test_chinese_punctuation(text, expected):
    assert chinese_punctuation(text) == expected


@pytest.mark.parametrize(("title", "name", "table"), [
    ("2024年庙行镇政务公开工作要点", "2024年庙行镇政务公开工作要点", "2024年庙行镇政务公开工作要点任务分解表"),
    ("《2022年区政务公开工作实施方案》", "2022年区政务公开工作实施方案", "2022年区政务公开工作实施方案任务分解表"),
    ("2021年上海市政务公开工作要点任务分解表", "2021年上海市政务公开工作要点",
     "2021年上海市政务公开工作要点任务分解表"),
])
def test_table_title_from_plan_name(title, name, table):
    assert plan_name(title) == name and table_title(title) == table


def test_a_notice_sentence_is_flagged_as_title():
    problem = title_problem("经区政府同意，现将《…方案》印发给你们，请认真贯彻落实。任务分解表")
    assert problem.startswith("标题“经区政府同意") and "“现将”“印发”" in problem
    assert title_problem("2024年庙行镇政务公开工作要点任务分解表") == ""


NOTICE_TITLE = "经区政府同意,现将《2024年庙行镇政务公开工作要点》印发给你们,请结合实际,认真贯彻落实。"


def test_the_title_is_one_setting_every_output_uses(corpus, tmp_path, capsys):
    """The 上级要点 sheet's 标题 row, edited by hand, is the title of the table, ledger, forms and mail."""
    draft = tmp_path / "草稿.xlsx"
    assert main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(draft)]) == 0
    workbook = openpyxl.load_workbook(draft)
    rows = list(workbook[SHEET_PLAN].values)
    assert [v or "" for v in rows[2][:4]] == ["标题", "", "", "2024年庙行镇政务公开工作要点"]
    # A title taken from a notice's sentence: validate says so, and it wraps in a taller row
    workbook[SHEET_PLAN]["D3"] = NOTICE_TITLE
    workbook.save(draft)
    capsys.readouterr()
    main(["validate", str(draft), "--no-write"])
    assert "标题“经区政府同意，现将《2024年庙行镇政务公开工作要点》印发给你们" in capsys.readouterr().out
    official = tmp_path / "正式.xlsx"
    assert main(["render", str(draft), "-o", str(official)]) == 0
    assert "提示：标题“经区政府同意" in capsys.readouterr().out, "render says so too"
    sheet = openpyxl.load_workbook(official)["任务分解表"]
    assert sheet["A2"].value == chinese_punctuation(NOTICE_TITLE) + "任务分解表"
    assert sheet.row_dimensions[2].height >= 2 * 22 * 1.3, "a two-line title gets a two-line row"
    # The user writes the plan's own name: every output follows
    workbook = openpyxl.load_workbook(draft)
    workbook[SHEET_PLAN]["D3"] = "庙行镇2024年政务公开工作实施方案"
    workbook.save(draft)
    assert main(["render", str(draft), "-o", str(official)]) == 0
    sheet = openpyxl.load_workbook(official)["任务分解表"]
    assert sheet["A2"].value == "庙行镇2024年政务公开工作实施方案任务分解表"
    assert sheet.row_dimensions[2].height < 2 * 22 * 1.3
    ledger = tmp_path / "台账.xlsx"
    assert main(["ledger", str(draft), "-o", str(ledger)]) == 0
    assert load_ledger(ledger).title == "庙行镇2024年政务公开工作实施方案工作台账"
    assert openpyxl.load_workbook(ledger).worksheets[0]["A2"].value == "庙行镇2024年政务公开工作实施方案工作台账"
    assert main(["split", str(ledger), "-o", str(tmp_path / "下发"), "--round", "2024年第3季度"]) == 0
    form = next((tmp_path / "下发").glob("*.xlsx"))
    assert openpyxl.load_workbook(form).worksheets[0]["A2"].value.startswith(
        "庙行镇2024年政务公开工作实施方案任务进展反馈表（")
    capsys.readouterr()
    assert main(["mail", "preview", str(ledger), "--forms", str(tmp_path / "下发")]) == 0
    subjects = [line.split("\t")[2] for line in capsys.readouterr().out.splitlines() if "\t" in line]
    assert subjects and all(s.startswith("【请反馈】庙行镇2024年政务公开工作实施方案（2024年第3季度·")
                            for s in subjects if s)


def _render_shanghai(corpus: Path, tmp_path: Path, name: str = "shanghai_2021"):
    table = build_official_table(corpus / "truth" / f"{name}.json", tmp_path / "source.xlsx")
    out = tmp_path / "正式.xlsx"
    assert main(["render", str(table), "-o", str(out)]) == 0
    return openpyxl.load_workbook(out)["任务分解表"]


def test_unit_names_break_only_after_a_list_mark(corpus, tmp_path):
    sheet = _render_shanghai(corpus, tmp_path)
    for column in "DEF":
        width = sheet.column_dimensions[column].width
        for row in range(5, sheet.max_row + 1):
            value = sheet[f"{column}{row}"].value
            if not isinstance(value, str):
                continue
            for line in value.split("\n"):
                if len(line) < 10:  # a name longer than the widest column may still wrap
                    assert sum(char_units(c) for c in line) * 12 / 11 <= width - 1, (column, row, line)
            lines = value.split("\n")
            assert all(line.endswith("、") or continues_on_next_line(line, after)
                       for line, after in zip(lines, lines[1:], strict=False)), (column, row)
    deadlines = [sheet[f"G{row}"].value for row in range(4, sheet.max_row + 1) if sheet[f"G{row}"].value]
    longest = max(sum(char_units(c) for c in d) for d in deadlines)
    assert longest * 12 / 11 <= sheet.column_dimensions["G"].width - 1, "a deadline on one line"


@pytest.mark.parametrize(("name", "pieces"), [
    ("区人力资源社会保障局", ["区人力资源", "社会保障局"]),  # between words, 局 kept with its word
    ("区住房保障房屋管理局", ["区住房保障", "房屋管理局"]),
    ("市住房城乡建设管理委", ["市住房", "城乡建设管理委"]),  # not after 城乡: "市住房城乡" reads as a unit
    ("镇社区事务受理服务中心", ["镇社区事务", "受理服务中心"]),
    ("营商环境办公室（财务管理办公室）", ["营商环境办公室", "（财务管理办公室）"]),  # before the bracket
    ("16项民心工程的市政府牵头部门", ["16项民心工程的市政府牵头部门"]),  # no break a reader would rejoin
    ("区财政局", ["区财政局"]),
])
def test_a_long_unit_name_breaks_between_words(name, pieces):
    """Real long names of the corpus' truth tables, in a column too narrow for them (20 digits)."""
    assert name_pieces(name, 20.0) == pieces
    assert "".join(pieces) == name


@pytest.mark.parametrize("name", ["zhenxin_2021", "miaohang_2024"])
def test_broken_unit_names_read_back_whole(corpus, tmp_path, name):
    """The formal table's in-name breaks read back as one name; on paper no line is half a name."""
    truth = json.loads((corpus / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    sheet = _render_shanghai(corpus, tmp_path, name)
    cells = [sheet[f"{c}{r}"].value for c in "DEF" for r in range(5, sheet.max_row + 1)]
    assert [v for v in cells if isinstance(v, str) and re.search(r"[^、]\n", v)], "some name is broken"
    rows = read_task_table(tmp_path / "正式.xlsx").rows
    typeset = [tuple([chinese_punctuation(n) for n in t[role]] for role in ("lead", "units", "assist"))
               for t in truth["rows"]]  # 营商环境办公室(…) is printed with full-width brackets
    assert [(r.lead, r.units, r.assist) for r in rows] == typeset
    if name != "zhenxin_2021" or not soffice_available():
        return
    # the names and parts of names as written, each on a line of its own; and the header
    pieces = {p for v in cells if isinstance(v, str) for p in re.split(r"、|\n", v) if p} | {"牵头单位", "责任单位",
                                                                                         "配合单位"}
    pdf = render_pdf(tmp_path / "正式.xlsx", tmp_path)
    for column in (3, 4, 5):
        for page, text in enumerate(column_texts(pdf, column)[1:], start=2):  # page 1 has the title
            for line in text.splitlines():
                assert all(p in pieces for p in line.strip().split("、") if p), (page, column, line)


def test_a_section_row_never_ends_a_page(corpus, tmp_path):
    sheet = _render_shanghai(corpus, tmp_path, "zhenxin_2021")
    sections = {row for row in range(4, sheet.max_row + 1)
                if sheet[f"A{row}"].value and str(sheet[f"A{row}"].value)[:2].rstrip("、").isalpha()
                and "、" in str(sheet[f"A{row}"].value)[:3]}
    breaks = {b.id for b in sheet.row_breaks.brk}
    assert sections and breaks
    assert not sections & breaks, "a break right after a section row leaves it alone at the page end"
    assert sheet.page_setup.scale and not sheet.sheet_properties.pageSetUpPr.fitToPage


def test_rows_keep_a_line_of_slack(corpus, tmp_path):
    sheet = _render_shanghai(corpus, tmp_path)
    from addin.layout import wrapped_lines

    width = sheet.column_dimensions["C"].width
    for row in range(5, sheet.max_row + 1):
        content = sheet[f"C{row}"].value
        if isinstance(content, str) and wrapped_lines(content, width * 11 / 12) > 1:
            needed = wrapped_lines(content, width * 11 / 12) * 12 * 1.35
            assert sheet.row_dimensions[row].height >= needed + 12, row


@pytest.mark.parametrize(("sentence", "heading", "name"), [
    ("加强政策解读材料质量把控,对政策制订过程中收集到的普遍关注点要有针对性地解读。", "推进政策文件精准解读",
     "加强政策解读材料质量把控"),  # a headline verb phrase names its requirement (as the official table)
    ("政府开放活动期间,要设置座谈或问卷调查等环节。", "办好政府开放活动", "办好政府开放活动"),  # a time, not a name
    ("持续对政务公开全领域标准化规范化目录优化调整,特别是要加强公开。", "动态优化更新政务公开标准目录",
     "动态优化更新政务公开标准目录"),  # a topic ("对…"), not a name
    ("严格落实《上海市重大行政决策程序规定》及配套文件,对重大行政决策事项实行目录管理。",
     "实行重大行政决策事项目录管理", "实行重大行政决策事项目录管理"),  # a document title is no task name
    ("聚焦区委、区政府中心工作和企业群众需求，鼓励区级部门拓展主题。", "深化政策集成式发布成果",
     "深化政策集成式发布成果"),
    ("做好住房保障、推进“两旧一村”改造情况和“15分钟社区生活圈”建设情况的信息公开。", "", "做好住房保障等信息公开"),
    ("加强就业促进、创业扶持、技能培训以及拥军优属等政策信息的公开、解读和推送工作。", "",
     "加强就业促进等政策信息的公开、解读和推送工作"),
])
def test_task_names(sentence, heading, name):
    from addin.task_names import task_name

    assert task_name(sentence, heading) == name


def test_one_odd_row_joins_its_block(corpus):
    from addin.pipeline import draft_from_plan

    rows = draft_from_plan(corpus / "plans" / "putuo_2024.txt").rows
    carbon = next(r for r in rows if r.content.startswith("持续推动碳达峰实施方案落实"))
    assert carbon.name == "优化“中华武数”布局，围绕促进经济健康发展做好信息公开", "one block, not split by one row"
    for before, row, after in zip(rows, rows[1:], rows[2:], strict=False):
        if before.name == after.name != row.name and before.section == row.section == after.section:
            assert not row.content.startswith(row.name), f"{row.source}: a headline clause splits a block"
    whole = [r.name for r in rows if r.name.rstrip("。") == r.content.rstrip("。")]
    assert all(len(n) <= 30 for n in whole), "a long one-sentence item gets a short name, not its whole text"


def test_a_merged_name_block_is_not_cut_by_a_page_break(corpus, tmp_path):
    sheet = _render_shanghai(corpus, tmp_path, "zhenxin_2021")
    breaks = {b.id for b in sheet.row_breaks.brk}
    blocks = [m for m in sheet.merged_cells.ranges if m.max_row > m.min_row]
    assert blocks
    assert not [str(m) for m in blocks if any(m.min_row <= b < m.max_row for b in breaks)]


@pytest.mark.parametrize(("unit", "contact", "expected"), [
    ("区司法局", "", "区司法局"), ("区司法局", "张三", "张三同志"), ("区司法局", "王科长", "王科长"),
    ("区司法局", "李四同志", "李四同志"),
])
def test_salutation(unit, contact, expected):
    from addin.mail.compose import salutation

    assert salutation(unit, contact) == expected


def test_every_page_starts_with_its_task_name(corpus, tmp_path):
    """A block of one name longer than a page is merged page by page, the name on each page."""
    draft, official = tmp_path / "草稿.xlsx", tmp_path / "正式.xlsx"
    assert main(["decompose", str(corpus / "plans" / "putuo_2024.txt"), "-o", str(draft)]) == 0
    assert main(["render", str(draft), "-o", str(official)]) == 0
    sheet = openpyxl.load_workbook(official)["任务分解表"]
    breaks = [b.id for b in sheet.row_breaks.brk]
    section_rows = {m.min_row for m in sheet.merged_cells.ranges if m.min_col == 1 and m.max_col > 2}
    assert breaks and all(sheet[f"B{b + 1}"].value or b + 1 in section_rows for b in breaks)
    assert not [str(m) for m in sheet.merged_cells.ranges
                if m.max_row > m.min_row and any(m.min_row <= b < m.max_row for b in breaks)]


def test_a_plan_inside_a_notice_gets_its_own_name_as_title(tmp_path, capsys):
    """The notice's sentence (现将《…》印发给你们) is not the title: the plan's name is, everywhere."""
    plan = Path(__file__).parent / "plans" / "通知_印发实施方案_示例.txt"
    draft, official, ledger = tmp_path / "草稿.xlsx", tmp_path / "正式.xlsx", tmp_path / "台账.xlsx"
    assert main(["decompose", str(plan), "-o", str(draft)]) == 0
    rows = list(openpyxl.load_workbook(draft)[SHEET_PLAN].values)
    assert rows[2][0] == "标题" and rows[2][3] == "青山镇2023年政务公开工作实施方案"
    assert main(["render", str(draft), "-o", str(official)]) == 0
    assert openpyxl.load_workbook(official)["任务分解表"]["A2"].value == "青山镇2023年政务公开工作实施方案任务分解表"
    assert main(["ledger", str(draft), "-o", str(ledger)]) == 0
    assert load_ledger(ledger).title == "青山镇2023年政务公开工作实施方案工作台账"
    capsys.readouterr()
    main(["validate", str(draft), "--no-write"])
    assert "像是通知正文" not in capsys.readouterr().out and "现将" not in rows[2][3]


def test_a_block_that_does_not_fit_is_split_to_fill_the_page(corpus, tmp_path):
    """上海 table: page 1 ended a third early when the next merged name block moved whole."""
    from addin.print_layout import printable_height, title_rows

    sheet = _render_shanghai(corpus, tmp_path)
    height = lambda row: sheet.row_dimensions[row].height or 15.0  # noqa: E731
    repeated = sum(height(r) for r in title_rows(sheet))
    breaks = [b.id for b in sheet.row_breaks.brk]
    fills = [(sum(height(r) for r in range(start + 1, end + 1)) + (repeated if start else 0))
             / printable_height(sheet) for start, end in zip([0, *breaks], breaks, strict=False)]
    assert fills[0] > 0.9 and min(fills) > 0.75, [f"{f:.0%}" for f in fills]
    top = {r: m.min_row for m in sheet.merged_cells.ranges if m.min_col == 2 for r in range(m.min_row, m.max_row + 1)}
    split = [b for b in breaks if b in top and sheet[f"B{top[b]}"].value == sheet[f"B{b + 1}"].value]
    assert split, "a block split over two pages, its name printed on both"
