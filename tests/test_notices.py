"""Prose documents as offices receive them (issue #12, part B).

A plan inside a 通知, its title and year; unit notes of every shape in other
provinces' plans (shared/corpus/shapes, traditional script included); note scope;
no silent guesses; boilerplate that is no task. Each real case runs as .txt, and
where the shape occurs in Word or PDF, as .docx (Word auto-numbering) and .pdf.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from builders import build_docx, build_pdf

from addin.cli import main
from addin.outline import parse_outline
from addin.pipeline import DraftOptions, draft_from_plan
from addin.plan import read_plan
from addin.units import extract_unit_notes, note_segments

NOTICE = Path(__file__).parent / "plans" / "通知_印发实施方案_示例.txt"
REPORT_NOTICE = Path(__file__).parent / "plans" / "政府工作报告_通知_示例.txt"
SHAPES = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "shapes"
TRUTH = Path(__file__).resolve().parents[1] / "benchmarks" / "shapes_truth"
FORMATS = ("txt", "docx", "pdf")


def _shape(stem: str) -> Path:
    return next(SHAPES.glob(f"{stem}_*.txt"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each source as .txt, .docx and .pdf (built once per module)."""
    out = tmp_path_factory.mktemp("notices")
    cache: dict[tuple[Path, str], Path] = {}

    def get(source: Path, kind: str) -> Path:
        if kind == "txt":
            return source
        if (source, kind) not in cache:
            build = build_docx if kind == "docx" else build_pdf
            cache[source, kind] = build(source, out / f"{source.stem}.{kind}")
        return cache[source, kind]

    return get


# ---------------------------------------------------------------- notices: title, year, metadata

@pytest.mark.parametrize("kind", FORMATS)
def test_a_notice_with_its_own_instructions_is_metadata_of_the_plan_it_hands_over(built, kind):
    draft = draft_from_plan(built(NOTICE, kind))
    outline = draft.outline
    assert (outline.title, outline.year, outline.issued, outline.doc_number, outline.addressees) == (
        "青山镇2023年政务公开工作实施方案", 2023, date(2023, 3, 15), "青政发〔2023〕12号", "各行政村、各有关单位")
    contents = [row.content for row in draft.rows]
    assert len(contents) == 7
    assert not any("思想认识" in c or "督促检查" in c or "印发给你们" in c for c in contents), "the notice's 一、二、三"
    assert not any("组织领导" in c or "督查考核" in c for c in contents), "the closing 工作要求"
    assert contents[0] == "及时发布本镇出台的重要政策文件，同步做好解读材料的发布。"


@pytest.mark.parametrize("kind", FORMATS)
def test_note_scope_in_the_notice_fixture(built, kind):
    rows = draft_from_plan(built(NOTICE, kind)).rows
    got = [(row.lead, row.units, row.assist, row.deadline) for row in rows]
    finance = ["镇财政所", "镇农业综合服务中心"]
    assert got == [
        ([], ["镇党政办"], ["各行政村"], "全年"),
        # One note after four sub-items covers all four, deadline included.
        *[([], finance, ["各行政村"], "9月底前")] * 4,
        # Labelled lines after an item are its note; 以下任务均需各行政村配合 adds 各行政村.
        (["镇乡村振兴办"], [], ["镇财政所", "各行政村"], "全年"),
        # No unit of its own: nothing guessed, only the standing 配合 unit.
        ([], [], ["各行政村"], "全年"),
    ]
    assert not any("以下任务" in row.content or "不再一一列出" in row.content for row in rows)


@pytest.mark.parametrize("kind", FORMATS)
def test_a_work_report_breakdown_inside_its_notice(built, kind):
    """Labelled notes on one line, unlabelled notes with a deadline clause, a note after three sub-items."""
    draft = draft_from_plan(built(REPORT_NOTICE, kind))
    assert (draft.outline.title, draft.outline.year) == ("2023年《政府工作报告》重点工作任务分解方案", 2023)
    got = [(row.content, row.lead, row.units, row.assist, row.deadline) for row in draft.rows]
    farm = (["县农业农村局"], ["各乡镇"], [], "全年")
    assert got == [
        ("地区生产总值增长6.5%。（牵头领导：王某）", [], ["县发改局"], [], "12月底前"),
        ("城乡居民人均可支配收入分别增长6%和7.5%。（牵头领导：李某）", [], ["县统计局", "县人社局"], [], "全年"),
        ("实施重点项目120个，完成投资150亿元。", ["县发改局"], [], ["各乡镇", "县直有关部门"], "12月底前"),
        ("新建5G基站200个，实现乡镇全覆盖。", [], ["县工信局"], [], "10月底前"),
        ("新增城镇就业3000人。", [], ["县人社局"], [], "全年"),
        ("完成农村改厕5000户，开展人居环境整治。", *farm),
        ("完成改厕任务；", *farm), ("建立管护机制；", *farm), ("开展评比活动。", *farm),
    ]


@pytest.mark.parametrize(
    ("stem", "title", "year"),
    [
        ("11_xinjian", "2024年南昌市新建区政务公开工作要点", 2024),
        ("12_xiping", "西平县2020年度法治政府建设工作安排", 2020),
        # The plan's own heading, wrapped over two PDF lines, after the notice's signature and date.
        ("13_shijingshan", "石景山区贯彻落实《关于加强新时代街道工作的意见》的任务分解方案", 2019),
        ("16_beijing", "北京市2018年政务公开工作要点", 2018),
        ("22_xiangxi", "湘西自治州2020年深化“放管服”改革優化營商環境工作計劃", 2020),
        # No title: the year from the document number (许政 [2020] 20号) …
        ("34_xuchang", "", 2020),
        # … or from the year the text names (2022年10月底前).
        ("23_xianyang", "", 2022),
        # A web page flattened to one line.
        ("10_honggutan", "2022年红谷滩区政务公开工作要点", 2022),
    ],
)
def test_title_and_year_of_real_plans(stem, title, year):
    outline = parse_outline(read_plan(_shape(stem)))
    assert (outline.title, outline.year) == (title, year)


def test_the_title_is_never_the_notices_hand_over_sentence():
    from addin.outline import plan_title

    assert plan_title(read_plan(_shape("25_dongguan"))) == "东莞市贯彻落实国家、省2021年政务公开工作要点分工方案"


@pytest.mark.parametrize(
    ("lines", "title", "year"),
    [
        # Only the hand-over sentence names the plan; the plan starts at its 一、 after the date.
        (["各村（社区）、镇直各单位：",
          "经镇政府同意，现将《青山镇2019年安全生产工作要点》印发给你们，请认真贯彻落实。",
          "青山镇人民政府", "2019年2月1日", "一、加强安全生产宣传。", "1.开展安全生产月活动。（责任单位：镇安监办）"],
         "青山镇2019年安全生产工作要点", 2019),
        # The notice's own title in 关于印发…的通知; an 附件 line, then the plan's own heading.
        # "认真贯彻执行" inside a task is no notice; the attached list after the date is no plan.
        (["2023年某镇安全生产工作要点", "一、强化责任落实", "1.开展隐患排查。（责任单位：镇应急办）",
          "2.各单位要认真贯彻执行安全生产法律法规。（责任单位：镇安监办）", "某镇人民政府", "2023年1月5日",
          "附件：重点企业清单", "重点企业名单清单", "1.各单位要认真贯彻执行。（责任单位：镇安监办）"],
         "2023年某镇安全生产工作要点", 2023),
        # The notice's own 一、二 and then the plan's heading, no signature between.
        (["关于印发某街道2024年政务公开工作方案的通知", "各社区、街道各科室：",
          "现将《某街道2024年政务公开工作方案》印发给你们，并提出以下要求：", "一、高度重视。各社区要明确专人负责。",
          "二、按时报送。每季度末报送工作进展。", "某街道2024年政务公开工作方案", "一、重点任务",
          "1.及时公开惠民政策。（责任单位：街道民政科）"],
         "某街道2024年政务公开工作方案", 2024),
        (["关于印发城区环境整治工作方案的通知", "各社区：", "现将《城区环境整治工作方案》印发给你们，请遵照执行。",
          "附件", "城区环境整治工作方案", "一、整治内容", "1.清理卫生死角。（责任单位：街道城管科）"],
         "城区环境整治工作方案", None),
    ],
)
def test_notice_variants(tmp_path, lines, title, year):
    path = tmp_path / "通知.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    draft = draft_from_plan(path)
    assert (draft.outline.title, draft.outline.year) == (title, year)
    expected = [line.split("。")[0][2:] + "。" for line in lines if line[:2] in ("1.", "2.")]
    assert [row.content for row in draft.rows] == (expected[:2] if len(expected) > 2 else expected)


# ---------------------------------------------------------------- the plan year, never today

@pytest.mark.parametrize(
    ("head", "due"),
    [
        ("2017年某县政务公开工作要点", "2017-06-30"),  # the title
        ("某县政务公开工作要点\n某政办〔2017〕5号", "2017-06-30"),  # the document number
        ("某县政务公开工作要点\n某县人民政府办公室\n2017年3月1日", "2017-06-30"),  # the issue date
        ("某县政务公开工作要点\n某县人民政府办公室\n二〇一七年三月一日", "2017-06-30"),  # in Chinese numerals
    ],
)
def test_the_plan_year_is_never_today(tmp_path, head, due):
    path = tmp_path / "要点.txt"
    path.write_text(f"{head}\n一、做好公开\n1.完成目录编制。（责任单位：县政府办，6月底前完成）\n", encoding="utf-8")
    draft = draft_from_plan(path)
    assert draft.rows[0].due == due
    assert not [f for f in draft.findings if f.rule == "plan.year"]


def test_a_plan_without_any_year_says_so(tmp_path):
    path = tmp_path / "要点.txt"
    path.write_text("某县政务公开工作要点\n一、做好公开\n1.完成目录编制。（责任单位：县政府办，6月底前完成）\n",
                    encoding="utf-8")
    draft = draft_from_plan(path)
    finding = next(f for f in draft.findings if f.rule == "plan.year")
    assert finding.message.startswith("未能从标题、文号或印发日期确定计划年度")
    assert draft_from_plan(path, DraftOptions(year=2018)).rows[0].due == "2018-06-30"


def test_a_2017_plan_gets_2017_dates(tmp_path):
    """shapes/22: a deadline inside a traditional-script note, in the plan's year."""
    row = draft_from_plan(_shape("22_xiangxi")).rows[0]
    assert (row.deadline, row.due) == ("6月底前", "2020-06-30")


# ---------------------------------------------------------------- notes of every shape

@pytest.mark.parametrize(
    ("text", "lead", "units", "assist", "deadline"),
    [
        # shapes/11: X、Y…按职责分工负责
        ("重点公开政策举措和进展成效。(区发改委、区科工信局、区金融服务中心按职责分工负责)",
         [], ["区发改委", "区科工信局", "区金融服务中心"], [], ""),
        # shapes/12: a labelled line ending "…按职责分工分别负责"
        ("提供强有力的法治保障。\n责任单位:县政府办公室、县司法局、各有关部门,乡镇人民政府按职责分工分别负责。",
         [], ["县政府办公室", "县司法局", "各有关部门", "乡镇人民政府"], [], ""),
        # shapes/10: a member group after 等, and bare town-level groups
        ("深入解读相关政策措施。(责任单位:区政府办公室、区商务局等数字经济工作领导小组成员单位,各乡、街办、管理处)",
         [], ["区政府办公室", "区商务局", "数字经济工作领导小组成员单位", "各乡", "街办", "管理处"], [], ""),
        # shapes/34: brackets are part of a name
        ("保障经济社会秩序全面恢复。\n责任单位:市疫情防控指挥部办公室、市卫生健康委等,各县(市、区)政府(管委会)",
         [], ["市疫情防控指挥部办公室", "市卫生健康委", "各县(市、区)政府(管委会)"], [], ""),
        ("做好公开。（责任单位：各镇（街）、各县（市、区）人民政府、区发展改革委（粮食和储备局））",
         [], ["各镇（街）", "各县（市、区）人民政府", "区发展改革委（粮食和储备局）"], [], ""),
        # shapes/22: traditional script, 牽頭 in a 〔牽頭單位:…;責任單位:…〕 note, a deadline inside
        ("實現“一枚印章管審批”。(牽頭單位:州行政審批服務局;責任單位:州司法局、州委編辦及州直相關單位,各縣市人民政府,6月底完成)",
         ["州行政審批服務局"], ["州司法局", "州委編辦", "州直相關單位", "各縣市人民政府"], [], "6月底完成"),
        ("做好公开。〔牵头单位:区司法局,责任单位:各街道〕", ["区司法局"], ["各街道"], [], ""),
        # shapes/23: (X、Y牽頭，Z按職責分工負責)
        ("提升標準化水平。(市政府辦公室、市審改辦牽頭,市級各有關部門及各縣市區政府按職責分工負責)",
         ["市政府辦公室", "市審改辦"], ["市級各有關部門", "各縣市區政府"], [], ""),
        # shapes/13, 34: labelled lines after the item
        ("完善领导体制机制。\n牵头单位:区委组织部\n协办单位:区委编办、区民政局(区委社会工委)、各街道党工委",
         ["区委组织部"], [], ["区委编办", "区民政局(区委社会工委)", "各街道党工委"], ""),
        ("开展宣传。\n牵头责任单位：区委宣传部\n主要协作单位：区文明办、各镇（街）",
         ["区委宣传部"], [], ["区文明办", "各镇（街）"], ""),
        # shapes/09: X、Y、Z分别牵头落实
        ("做好公开。（市发改委、市财政局、市教育局分别牵头落实）", ["市发改委", "市财政局", "市教育局"], [], [], ""),
        # Role phrases as people write them.
        ("做好公开。（区财政局牵头，区审计局配合；各镇（街）参照落实）",
         ["区财政局"], ["各镇（街）"], ["区审计局"], ""),
        ("做好公开。（区府办主办、区司法局协办）", ["区府办"], [], ["区司法局"], ""),
        ("做好公开。（区财政局负责落实）", [], ["区财政局"], [], ""),
        # A line of unit names only after the item is its note.
        ("做好公开。\n区发改委、区财政局", [], ["区发改委", "区财政局"], [], ""),
        # A deadline clause among units and verbs.
        ("做好公开。（县财政局牵头，各乡镇配合，2023年6月底前完成）",
         ["县财政局"], [], ["各乡镇"], "2023年6月底前完成"),
        # Two names whose separating space was lost in copying.
        ("做好公开。\n责任单位：县委组织部县委宣传部、各镇（街）",
         [], ["县委组织部", "县委宣传部", "各镇（街）"], [], ""),
    ],
)
def test_notes_as_other_provinces_write_them(text, lead, units, assist, deadline):
    _, roles = extract_unit_notes(text)
    assert (roles.lead, roles.units, roles.assist, roles.deadline) == (lead, units, assist, deadline)


def test_a_standing_sentence_inside_a_note_is_no_unit_name():
    text, roles = extract_unit_notes("做好公开。（责任单位：区政务公开办。以下任务均需各镇（街）落实，不再一一列出）")
    assert (text, roles.units, roles.standing) == ("做好公开。", ["区政务公开办"], {"units": ["各镇（街）"]})


@pytest.mark.parametrize(
    "sentence",
    ["以下任务均需各镇（街）落实，不再一一列出。", "本方案所列任务，各镇（街）均需结合实际抓好落实，不再一一列出。",
     "下列各项工作均由各镇（街）负责落实。"],
)
def test_a_standing_sentence_in_the_introduction_adds_its_units_to_every_task(tmp_path, sentence):
    path = tmp_path / "方案.txt"
    path.write_text(f"2024年某区政务公开工作方案\n为做好今年工作，制定本方案。{sentence}\n一、重点任务\n"
                    "1.做好公开。（责任单位：区府办）\n2.做好解读。（区司法局牵头，各部门配合）\n", encoding="utf-8")
    rows = draft_from_plan(path).rows
    assert [(row.lead, row.units, row.assist) for row in rows] == [
        ([], ["区府办", "各镇（街）"], []), (["区司法局"], ["各镇（街）"], ["各部门"])]


def test_several_notes_in_one_paragraph_each_cover_the_sentences_before_them():
    """shapes/16: (X负责落实) notes inside one paragraph."""
    paragraph = _shape("16_beijing").read_text(encoding="utf-8").splitlines()[-1]
    segments = note_segments(paragraph)
    assert [extract_unit_notes(s)[1].units for s in segments] == [
        ["市规划国土委"], ["市发展改革委", "市经济信息化委", "市环保局", "市教委", "市卫生计生委", "市人力社保局"],
        ["市交通委"], ["市重大项目办", "市体育局", "市教委"], []]


# ---------------------------------------------------------------- real plans, every route

@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("stem", ["12_xiping", "13_shijingshan", "16_beijing", "22_xiangxi", "23_xianyang",
                                  "34_xuchang"])
def test_real_plans_read_as_their_truth_in_every_format(built, stem, kind):
    """Each task of the hand-written truth (benchmarks/shapes_truth) with its units in the right roles."""
    truth = json.loads(next(TRUTH.glob(f"{stem}_*.json")).read_text(encoding="utf-8"))
    rows = draft_from_plan(built(_shape(stem), kind)).rows
    assert len(rows) == len(truth["rows"])
    for row, expected in zip(rows, truth["rows"], strict=True):
        assert _bigram_dice(row.content, expected["content"]) >= 0.9, row.content
        assert (row.lead, row.units, row.assist) == (expected["lead"], expected["units"], expected["assist"])


def _bigram_dice(a: str, b: str) -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from accuracy import dice

    return dice(a, b)


# ---------------------------------------------------------------- no silent guesses

def test_a_task_without_a_unit_gets_a_finding_offering_the_addressees(tmp_path):
    out = tmp_path / "分解.xlsx"
    assert main(["decompose", str(NOTICE), "-o", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    tasks = list(book["任务分解"].values)
    last = tasks[-1]
    header = tasks[0]
    assert last[header.index("责任单位")] in (None, ""), "the addressees are not filled in"
    findings = [f for f in book["校验结果"].values if f[2] == "unit.unstated"]
    assert len(findings) == 1
    assert findings[0][4] == f"G{len(tasks)}"
    assert "通知主送单位为“各行政村、各有关单位”（来源：通知主送）" in findings[0][5]
    assert findings[0][6] == "各行政村、各有关单位"


def test_a_plan_that_names_no_unit_anywhere_is_addressed_to_the_addressees_and_says_so(corpus):
    """shanghai_2021 names no unit per task: the official table gives the addressees; FenJie marks them."""
    draft = draft_from_plan(corpus / "plans" / "shanghai_2021.txt")
    guessed = [row for row in draft.rows if row.unit_sources and set(row.unit_sources.values()) == {"通知主送"}]
    assert guessed and guessed[0].units == ["各区人民政府", "市政府各委、办、局"]
    summary = [f for f in draft.findings if f.rule == "unit.unstated" and "通知主送单位" in f.message]
    assert len(summary) == 1 and summary[0].message.startswith(f"原文没有为任务注明责任单位，{len(guessed)} 项任务")


@pytest.mark.parametrize(
    ("body", "contents"),
    [
        # A paragraph that is only a standing note, and a closing 保障措施 chapter.
        ("二、重点任务\n以下任务均需各街道落实，不再一一列出。\n1.做好公开。（责任单位：区府办）\n三、保障措施\n"
         "（一）加强组织领导。各单位要高度重视。\n", ["做好公开。"]),
        # A table's header row copied into the text, in simplified or traditional script.
        ("二、重点任务\n1.做好公开。（责任单位：区府办）\n序号 工作任务 具体措施 责任单位 完成时限\n", ["做好公开。"]),
        ("二、重点任务\n1.做好公开。（责任单位：区府办）\n重點任務 | 工作內容 | 負責科室 |\n", ["做好公开。"]),
        # A line of unit names under a heading is the heading's note, not a task.
        ("二、重点任务\n（一）加强组织领导\n区委办、区政府办\n", ["加强组织领导。"]),
        # An overview paragraph of a chapter whose sections hold the tasks.
        ("二、目标任务\n全区政务公开工作的主要任务是：聚焦重点领域；聚焦基层。\n（一）强化重点领域信息公开\n"
         "1.公开项目信息。（责任单位：区发改委）\n", ["公开项目信息。"]),
    ],
)
def test_boilerplate_and_headers_are_no_task_rows(tmp_path, body, contents):
    path = tmp_path / "方案.txt"
    path.write_text("2024年某区政务公开工作要点\n一、总体要求\n坚持稳中求进。\n" + body, encoding="utf-8")
    try:
        rows = draft_from_plan(path).rows
    except Exception:  # noqa: BLE001 — a plan with no task at all is refused, never read as tasks
        rows = []
    assert [row.content for row in rows] == contents
    if rows and "各街道" in body:
        assert rows[0].units == ["区府办", "各街道"]


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("各镇人民政府(街道办事处),市各有关单位", ["各镇人民政府(街道办事处)", "市各有关单位"]),
        ("各乡(镇)人民政府、开发区(园区)管委会、各街道办事处,区政府各部门,区直各单位",
         ["各乡(镇)人民政府", "开发区(园区)管委会", "各街道办事处", "区政府各部门", "区直各单位"]),
        ("各县(市、区)人民政府,市人民政府各部门", ["各县(市、区)人民政府", "市人民政府各部门"]),
        ("各行政村、各有关单位", ["各行政村", "各有关单位"]),
    ],
)
def test_addressee_lines_split_into_whole_names(line, names):
    from addin.units.mentions import split_unit_expression

    assert split_unit_expression(line) == names


@pytest.mark.parametrize("subject", ["各镇（街）", "各县（市、区）政府（管委会）", "各街道（功能区）"])
def test_a_bracket_stays_in_a_subject(subject):
    from addin.units.mentions import subject_mentions

    assert [m.name for m in subject_mentions(f"{subject}要做好本辖区政务公开工作。")] == [subject]


def test_rows_of_a_table_the_reader_found_are_no_plan_prose():
    from addin.plan.model import PlanText, SourceLine

    text = ["2024年某区政务公开工作要点", "一、重点任务", "1.做好公开。（责任单位：区府办）", "二、任务分解",
            "重点任务 | 工作内容 | 负责科室 |", "政策解读 | 做好政策解读 | 综合科 |"]
    lines = [SourceLine(t, f"第{i}行", i) for i, t in enumerate(text, start=1)]
    grid = [["重点任务", "工作内容", "负责科室"], ["政策解读", "做好政策解读", "综合科"]]
    with_table = parse_outline(PlanText(Path("要点.txt"), lines, [grid]))
    assert [node.text for node in with_table.walk() if node.text] == ["（责任单位：区府办）"]
    without = parse_outline(PlanText(Path("要点.txt"), lines))  # no table found: nothing is dropped
    assert "政策解读 | 做好政策解读 | 综合科 |" in "".join(node.text for node in without.walk())


@pytest.mark.parametrize("kind", ["txt", "docx"])
def test_a_task_laid_out_as_a_form(tmp_path, kind):
    """shapes/08: 具体任务 / 责任单位 / 配合单位 / 完成时限, each label on its own line (a form, in a .txt
    or as Word paragraphs), read as the one task it is, with the plan's year unknown said so."""
    source = _shape("08_tongxin")
    path = source
    if kind == "docx":
        from docx import Document

        document = Document()
        for line in source.read_text(encoding="utf-8").splitlines():
            document.add_paragraph(line)
        path = tmp_path / "任务.docx"
        document.save(str(path))
    draft = draft_from_plan(path)
    row = draft.rows[0]
    assert len(draft.rows) == 1
    assert row.content.startswith("全面落实疫情防控“新十条”")
    assert row.content.endswith("创建全国卫生县和自治区健康县。")
    assert (row.lead, row.units, row.assist) == ([], ["卫健局", "文旅局"], ["各乡镇"])
    assert row.deadline_note.startswith("方舱医院升级改造亚定点医院")


def test_a_traditional_script_plan_reads_like_a_simplified_one(tmp_path):
    path = tmp_path / "要點.txt"
    path.write_text("某市2022年工作要點\n一、總體要求\n堅持穩中求進。\n二、重點任務\n1.做好公開。(市發改委、市財政局分別負責落實)\n"
                    "2.推進信用監管。(市發改委牽頭，市級有關部門配合)\n三、保障措施\n(一)加強組織領導。各單位要高度重視。\n",
                    encoding="utf-8")
    draft = draft_from_plan(path)
    assert (draft.outline.title, draft.outline.year) == ("某市2022年工作要點", 2022)
    assert [(r.content, r.lead, r.units, r.assist) for r in draft.rows] == [
        ("做好公開。", [], ["市發改委", "市財政局"], []), ("推進信用監管。", ["市發改委"], [], ["市級有關部門"])]


@pytest.mark.parametrize(
    "text",
    ["一、总体要求\n各单位要高度重视。\n",
     "2024年某区工作方案\n一、工作要求\n各单位要高度重视。\n二、保障措施\n加强督查。\n"],
)
def test_a_plan_without_tasks_is_refused_saying_what_was_found(tmp_path, capsys, text):
    path = tmp_path / "方案.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["decompose", str(path), "-o", str(tmp_path / "out.xlsx")]) == 1
    message = capsys.readouterr().err
    assert "文件“方案.txt”中没有可分解的任务：识别到" in message and "个编号条目（一、" in message
    assert not (tmp_path / "out.xlsx").exists()
