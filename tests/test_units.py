"""Unit directory, subject inference, cross-level mapping and the units commands."""

from __future__ import annotations

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.cli import main
from addin.decompose import TaskRow
from addin.units import extract_unit_notes, parse_unit_note
from addin.units.directory import DirectoryError, load_directory, sample_directory, units_from_rows
from addin.units.infer import assign_units, unit_source_text
from addin.units.mapping import UnitMapping, cascade, mapping_from_rows
from addin.units.mentions import split_unit_expression, subject_mentions

SHANGHAI = sample_directory("上海市")


def _row(content: str, source: str = "一（一）·1", section: str = "", name: str = "") -> TaskRow:
    return TaskRow(seq=1, chapter="", section=section, name=name, content=content, source=source)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("市发改委", "市发展改革委"), ("各区人民政府", "各区政府"), ("市政府各委、办、局", "市政府各部门"),
     ("市卫健委", "市卫生健康委"), ("市 教委", "市教委"), ("市司法局等", "市司法局"), ("不存在的局", "不存在的局")],
)
def test_alias_folding(name, canonical):
    assert SHANGHAI.canonical(name) == canonical


def test_groups_and_nearest():
    putuo = sample_directory("普陀区")
    assert putuo.canonical("区府办") == "区政府办公室"
    assert "区教育局" in [u.name for u in putuo.members("各部门")]
    assert putuo.nearest("区发改") == ["区发展改革委"]


def test_every_sample_is_marked_and_loads():
    for name in ("上海市", "宝山区", "普陀区", "真新街道", "庙行镇"):
        directory = sample_directory(name)
        assert len(directory) >= 10 and directory.source == f"示例单位名录（{name}）"
    with pytest.raises(DirectoryError, match="没有名为“北京市”的示例单位名录"):
        sample_directory("北京市")


@pytest.mark.parametrize(
    ("sentence", "subjects"),
    [
        ("年内各区政府、市政府各部门多元化解读率不得低于60%。", ["各区政府", "市政府各部门"]),
        ("市民政局和各区政府要强化统筹指导。", ["市民政局", "各区政府"]),
        ("市政府重大行政决策事项目录由市政府办公厅会同有关部门研究确定。", ["市政府办公厅"]),
        ("16项民心工程的市政府牵头部门要通过“一网通办”开展调查。", ["市政府牵头部门"]),
        ("街道指导各村(居)委会公开基层自治信息。", []),
        ("通过政府网站的政府信息公开专栏集中公开。", []),
    ],
)
def test_subjects(sentence, subjects):
    assert [m.name for m in subject_mentions(sentence, SHANGHAI)] == subjects


@pytest.mark.parametrize(
    ("text", "names"),
    [("各区人民政府,市政府各委、办、局", ["各区人民政府", "市政府各委、办、局"]),
     ("区政府各委、办、局，各街道办事处、镇政府", ["区政府各委、办、局", "各街道办事处", "镇政府"]),
     ("区发改委、区科委和区商务委", ["区发改委", "区科委", "区商务委"]),
     # Province, county and town addressee lines.
     ("各市、县（区）人民政府，省政府各部门、各直属机构", ["各市、县（区）人民政府", "省政府各部门", "各直属机构"]),
     ("各乡镇人民政府、街道办事处，县政府各部门", ["各乡镇人民政府", "街道办事处", "县政府各部门"]),
     ("各部门、各街镇人民政府", ["各部门", "各街镇人民政府"]),
     ("省发展改革委、省财政厅", ["省发展改革委", "省财政厅"]),
     ("各镇（街道）、各乡镇和区政府各部门", ["各镇（街道）", "各乡镇", "区政府各部门"])],
)
def test_split_unit_expression(text, names):
    assert split_unit_expression(text) == names


def test_subject_carries_to_the_next_requirement_of_the_paragraph():
    rows = [_row("各区政府要主动公开本区规划。", "一（二）·1"), _row("落实专人专责，健全检查机制。", "一（二）·2"),
            _row("做好年度报告工作。", "一（三）·1")]
    assign_units(rows, SHANGHAI, addressees="各区人民政府,市政府各委、办、局")
    assert rows[0].units == rows[1].units == ["各区政府"]
    assert rows[2].units == ["各区政府", "市政府各部门"], "the notice's 主送 when nothing else says"
    assert unit_source_text(rows[1]) == "主语推断：各区政府"


def test_keyword_is_a_marked_suggestion_and_default_unit_is_added():
    zhenxin = sample_directory("真新街道")
    rows = [_row("加强政务新媒体对重要政策的推送和传播力度。")]
    assign_units(rows, zhenxin)
    assert rows[0].units == ["社区文明办", "党政办公室"]
    assert unit_source_text(rows[0]) == "关键词建议：社区文明办；默认单位：党政办公室"


@pytest.mark.parametrize(
    ("content", "section", "expected", "sources"),
    [
        # Fields listed before a generic 主管部门 name their owners (as suggestions).
        ("教育、卫生健康、环境保护、公共交通等行业市级主管部门和市国资委要列出适用主体清单。", "",
         ["市教委", "市卫生健康委", "市生态环境局", "市交通委", "市国资委"],
         "关键词建议：市教委、市卫生健康委、市生态环境局、市交通委；主语推断：市国资委"),
        ("税务、就业、人才领域的市级主管部门要开展政策精准推送。", "",
         ["市税务局", "市人力资源社会保障局"], "关键词建议：市税务局、市人力资源社会保障局"),
        # A generic unit keeps the qualifier that says which one it is.
        ("16项民心工程的市政府牵头部门要开展线上问卷调查。", "", ["16项民心工程的市政府牵头部门"],
         "主语推断：16项民心工程的市政府牵头部门"),
        # 本行政机关 with no subject: every addressee, for itself.
        ("系统清理本行政机关现行有效的行政规范性文件，集中公开。", "",
         ["各区政府", "市政府各部门"], "主语推断：各区政府、市政府各部门"),
        # A heading that names one field: its owner, whatever a single sentence mentions.
        ("严格落实行政执法公示制度，明确公示内容的采集、审核职责。", "（三）细化深化市场监管领域信息公开",
         ["市市场监管局"], "关键词建议：市市场监管局"),
        # A heading with two fields: each requirement by its own keywords.
        ("规范公交线路调整优化流程，听取沿线居民意见。",
         "（六）细化深化交通管理和执法领域信息公开|规范公交线路调整优化流程",
         ["市交通委"], "关键词建议：市交通委"),
    ],
)
def test_inference_from_fields_qualifiers_and_reflexives(content, section, expected, sources):
    section, _, name = section.partition("|")
    row = _row(content, section=section, name=name)
    assign_units([row], SHANGHAI, addressees="各区人民政府,市政府各委、办、局")
    assert row.lead + row.units + row.assist == expected
    assert unit_source_text(row) == sources


def test_domain_owner_prefers_the_unit_named_for_the_field():
    assert SHANGHAI.domain_owner("税务").name == "市税务局"
    assert SHANGHAI.domain_owner("环境保护").name == "市生态环境局"
    assert SHANGHAI.domain_owner("航天") is None


def test_notes_win_and_are_folded():
    text, roles = extract_unit_notes("做好公开。(责任单位：区府办牵头，各部门、各街镇落实)")
    row = _row(text)
    row.lead, row.units = roles.lead, roles.units
    assign_units([row], sample_directory("普陀区"))
    assert (row.lead, row.units) == (["区政府办公室"], ["各部门", "各街镇"])
    assert unit_source_text(row) == "原文注明"


def test_cascade_one_level_down():
    putuo = sample_directory("普陀区")
    mapping = mapping_from_rows([["上级单位", "本级单位"], ["市政府各部门", "各部门"], ["各区政府", "区政府办公室"]],
                                "对照表")
    row = _row("x")
    row.units, row.assist = ["各区政府", "市政府各部门"], ["市司法局", "市不存在局"]
    cascade([row], mapping, putuo)
    assert row.units == ["区政府办公室", "各部门"]
    assert row.assist == ["区司法局", "市不存在局"], "same name one level down when the directory knows it"
    assert row.unit_sources["区司法局"] == "上下级对照"
    assert UnitMapping().map_name("市教委", None) == ["市教委"]


def test_directory_from_csv_and_xlsx(tmp_path):
    csv_file = tmp_path / "名录.csv"
    csv_file.write_text("单位全称,简称/别名,类别,所属分组,职责关键词,默认单位,联系人,电话,邮箱\n"
                        "区教育局,教育局；区教委,委办局,各委办局,教育、学校,,张三,123,a@b.cn\n",
                        encoding="gbk")
    directory = load_directory(csv_file)
    assert directory.canonical("区教委") == "区教育局"
    assert directory.units[0].email == "a@b.cn"
    assert main(["units", "init", "-o", str(tmp_path / "空.xlsx")]) == 0
    workbook = openpyxl.load_workbook(tmp_path / "空.xlsx")
    sheet = workbook["单位名录"]
    sheet.append(["区教育局", "区教委", "委办局", "各委办局", "教育", "是"])
    workbook.save(tmp_path / "填好.xlsx")
    filled = load_directory(tmp_path / "填好.xlsx")
    assert filled.canonical("区教委") == "区教育局" and filled.defaults()[0].name == "区教育局"
    assert sheet["A1"].comment.text.startswith("必填")


@pytest.mark.parametrize(
    ("rows", "message"),
    [([], "单位名录“t”是空的。"),
     ([["名称", "邮箱"]], "单位名录“t”第1行缺少“单位全称”列：请用 fenjie units init 生成的模板。")],
)
def test_bad_directory(rows, message):
    with pytest.raises(DirectoryError) as error:
        units_from_rows(rows, "t")
    assert str(error.value) == message


def test_units_check_lists_unknown_names(corpus, tmp_path, capsys):
    out = tmp_path / "分解.xlsx"
    assert main(["decompose", str(corpus / "plans" / "putuo_2024.txt"), "-o", str(out),
                 "--sample-units", "普陀区"]) == 0
    capsys.readouterr()
    assert main(["units", "check", str(out)]) == 0
    assert capsys.readouterr().out.strip() == "所有单位名称都在单位名录中。"
    assert main(["units", "check", str(out), "--sample-units", "庙行镇"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("G2\t区发展改革委")
    assert lines[-1].startswith("共 ") and lines[-1].endswith(" 个单位名称不在单位名录中。")


def test_decompose_writes_directory_and_findings(corpus, tmp_path):
    out = tmp_path / "分解.xlsx"
    assert main(["decompose", str(corpus / "plans" / "shanghai_2021.txt"), "-o", str(out),
                 "--sample-units", "上海市"]) == 0
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["任务分解", "上级要点", "单位名录", "校验结果"]
    findings = workbook["校验结果"]
    assert findings["C2"].value == "单位不在名录中"  # rule names in Chinese where a person reads them
    assert findings["E2"].hyperlink.location == f"'任务分解'!{findings['E2'].value}"
    first = list(workbook["任务分解"].values)[1]
    assert first[6] == "各区政府、市政府各部门" and first[10] == "通知主送：各区政府、市政府各部门"
    assert any(f[2] == "未注明责任单位" and f[4] == "G2" for f in findings.values), "the guess is a finding"


texts = st.text(alphabet=st.sampled_from(list("区市镇各部门局委办牵头配合落实责任单位：:；;，,、（）()等相关 甲乙")),
                max_size=40)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_unit_parsers_never_raise(text):
    assert parse_unit_note(text) is not None
    remaining, _ = extract_unit_notes(text)
    assert isinstance(remaining, str)
    assert all(isinstance(n, str) for n in split_unit_expression(text, SHANGHAI))
    assert isinstance(subject_mentions(text, SHANGHAI), list)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_unit_parsers_on_any_text(text):
    assert isinstance(extract_unit_notes(text)[0], str)
    assert isinstance(SHANGHAI.nearest(text), list)


def test_cascade_a_municipal_decomposition_to_a_district(corpus):
    from addin.pipeline import DraftOptions, draft_from_plan
    from addin.units.mapping import sample_mapping

    draft = draft_from_plan(corpus / "plans" / "shanghai_2021.txt", DraftOptions(directory=SHANGHAI))
    environment = next(r for r in draft.rows if r.units == ["市生态环境局"])
    cascade(draft.rows, sample_mapping(), sample_directory("普陀区"))
    first = draft.rows[0]
    assert first.units == ["区政府办公室", "各部门"] and first.unit_sources["各部门"] == "上下级对照"
    assert environment.units == ["区生态环境局"], "same name one level down, from the district directory"


def test_expand_groups_to_directory_members(corpus, tmp_path):
    out = tmp_path / "展开.xlsx"
    assert main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(out),
                 "--sample-units", "庙行镇", "--expand-groups"]) == 0
    rows = list(openpyxl.load_workbook(out)["任务分解"].values)
    last = rows[-1]  # 强化工作落实：镇机关各部门、各单位
    members = [u.name for u in sample_directory("庙行镇").members("镇机关各部门")]
    assert "镇机关各部门" not in last[6] and all(m in last[6] for m in members)


@pytest.mark.parametrize(
    ("cell", "star", "lead", "units"),
    [("区发\n改委、区科委", False, [], ["区发改委", "区科委"]),
     ("*区政府办公室 区融媒体中心", True, ["区政府办公室"], ["区融媒体中心"]),
     ("*区政府办公室、 *区融媒体中心、各街镇", True, ["区政府办公室", "区融媒体中心"], ["各街镇"])],
)
def test_units_cell_notations(cell, star, lead, units):
    from addin.table import parse_units_cell

    roles = parse_units_cell(cell, star)
    assert (roles.lead, roles.units) == (lead, units)
