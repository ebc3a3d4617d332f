"""Lay out the held-out documents in the forms an office receives them (run by hand, output committed).

Usage: python tests/holdout/build.py [--pdf]

The documents were written by the FenJie team (not official documents). Tables are
defined here once and written as .xlsx, as a Word table and as text pasted from a
browser (h02: one cell per line, a merged cell given once) or from Excel (h03: tab-
separated, a cell with line breaks in quotes). Prose documents (.txt) are also
written as .docx paragraphs. ``--pdf`` converts every .docx to .pdf with LibreOffice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = "source: written by the FenJie team for a held-out check (not an official document)"

H02_TITLE = "2025年全市数字政府建设重点工作分工表"
H02_HEADER = ["序号", "重点工作", "工作举措", "牵头部门", "协同部门", "完成期限"]
H02_ROWS = [
    ["1", "夯实数字基础设施", "推进城市千兆光网和5G网络深度覆盖，新建5G基站800个以上。",
     "市经济和信息化局", "市通信发展管理办公室\n各县（市、区）人民政府", "2025年12月"],
    ["2", "夯实数字基础设施", "统筹建设全市政务云平台，推动市级部门非涉密业务系统上云率达到95%。",
     "市大数据中心", "市级各部门", "2025年10月"],
    ["3", "推动数据资源共享", "完善公共数据资源目录，编制数据共享责任清单和需求清单。",
     "市大数据中心", "市级各部门", "2025年6月"],
    ["4", "推动数据资源共享", "开展公共数据质量提升行动，建立数据问题反馈和校核机制。",
     "市大数据中心", "市市场监管局 市公安局 市民政局", "持续推进"],
    ["5", "提升“一网通办”水平", "推进政务服务事项“全程网办”，全程网办率达到80%以上。",
     "市政务服务和公共资源交易服务中心", "市级各部门\n各县（市、区）人民政府", "2025年11月"],
    ["6", "提升“一网通办”水平", "优化“天府通办”市级分站点，上线高频服务专区20个。",
     "市政务服务和公共资源交易服务中心", "市大数据中心", "2025年9月"],
    ["7", "强化网络数据安全", "开展政务信息系统安全等级保护测评和密码应用安全性评估。",
     "市委网信办", "市公安局、市国家保密局、市密码管理局", "2025年12月"],
]

H03_TITLE = "某区2025年“无废城市”建设重点事项推进表"
H03_HEADER = ["事项", "目标要求", "责任主体", "时间进度"]
H03_ROWS = [
    ["生活垃圾分类", "城区生活垃圾分类覆盖率达到100%，农村生活垃圾收运处置体系行政村全覆盖。",
     "区城管局牵头，各街道（功能区）、区农业农村局配合", "2025年底前"],
    ["建筑垃圾资源化利用", "建成建筑垃圾资源化利用项目1个，建筑垃圾资源化利用率达到60%。",
     "区住建局牵头\n区城管局、区自然资源局配合", "2025年9月底前"],
    ["工业固废减量", "推动重点企业开展清洁生产审核，一般工业固体废物综合利用率达到92%。",
     "区工信局、区生态环境分局分别牵头落实", "全年"],
    ["医疗废物收运", "实现医疗废物收集转运处置基层全覆盖，规范基层医疗机构医疗废物暂存。",
     "区卫生健康局负责落实", "2025年6月底前"],
    ["农业废弃物利用", "秸秆综合利用率稳定在95%以上，废旧农膜回收率达到85%。",
     "区农业农村局主办，各镇（街）协办", "全年"],
    ["无废细胞创建", "创建“无废学校”“无废机关”“无废商超”等无废细胞30个。",
     "区生态环境分局牵头；区教育局、区机关事务服务中心、区商务局等按职责分工负责", "2025年11月底前"],
]

H07_NOTICE = [
    "中共青石镇委员会办公室 青石镇人民政府办公室",
    "关于印发《青石镇2025年安全生产重点工作任务清单》的通知",
    "各村（社区）党组织、村（居）委会，镇直各单位：",
    "现将《青石镇2025年安全生产重点工作任务清单》印发给你们，请各单位按照清单要求，逐项抓好落实，"
    "并于每月25日前将工作进展情况报镇应急管理办公室。",
    "中共青石镇委员会办公室",
    "青石镇人民政府办公室",
    "2025年2月18日",
    "附件",
]
H07_TITLE = "青石镇2025年安全生产重点工作任务清单"
H07_HEADER = ["序号", "任务事项", "具体内容", "责任领导", "责任单位", "完成时限"]
H07_ROWS = [
    ["1", "安全生产责任落实", "修订镇、村两级安全生产责任清单，签订安全生产目标责任书。", "李明",
     "镇应急管理办公室\n各村（社区）", "2025年3月底前"],
    ["2", "道路交通安全", "开展农村道路交通安全专项整治，重点整治农用车违法载人、无证驾驶等行为。", "王强",
     "镇交管站牵头，派出所、各村（社区）配合", "全年"],
    ["3", "自建房安全", "对经营性自建房开展全覆盖排查，建立隐患台账，实行销号管理。", "王强",
     "镇村镇建设服务中心", "2025年6月底前"],
    ["4", "森林防火", "落实野外火源管控措施，加强清明、春节等重点时段巡山护林。", "赵刚",
     "镇林业站；各村（社区）", "2025年4月底前"],
    ["5", "防汛备汛", "修订完善防汛应急预案，组织开展防汛应急演练1次以上。", "赵刚",
     "镇应急管理办公室、镇水利站", "2025年5月底前"],
    ["6", "燃气安全", "开展瓶装液化气使用场所安全检查，督促餐饮场所安装燃气报警装置。", "李明",
     "镇市场监管所\n镇应急管理办公室", "2025年9月底前"],
]

TABLES = {
    "h02_city_shuzizhengfu_fengong": (H02_TITLE, H02_HEADER, H02_ROWS, 1),
    "h03_district_wufei_tuijin": (H03_TITLE, H03_HEADER, H03_ROWS, None),
}


def _merge_runs(rows: list[list[str]], column: int | None) -> list[tuple[int, int]]:
    """(first, last) indexes of equal cells in ``column``: the merged group cells."""
    if column is None:
        return []
    runs, start = [], 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][column] != rows[start][column]:
            if i - 1 > start:
                runs.append((start, i - 1))
            start = i
    return runs


def browser_text(title: str, header: list[str], rows: list[list[str]], group: int | None) -> str:
    """One cell per line, as a browser copies an HTML table; a merged cell appears once."""
    merged = {i for first, last in _merge_runs(rows, group) for i in range(first + 1, last + 1)}
    lines = [title, *header]
    for i, row in enumerate(rows):
        lines += [cell.replace("\n", " ") for c, cell in enumerate(row) if not (c == group and i in merged)]
    return "\n".join(lines)


def excel_text(title: str, header: list[str], rows: list[list[str]]) -> str:
    """Tab-separated, as Excel copies a range: a cell holding a line break is quoted."""
    def cell(text: str) -> str:
        return f'"{text}"' if "\n" in text else text
    return "\n".join([title] + ["\t".join(cell(c) for c in row) for row in [header, *rows]])


def write_xlsx(title, header, rows, group, target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "分工表"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    for first, last in _merge_runs(rows, group):
        for r in range(first + 4, last + 4):
            sheet.cell(r, group + 1).value = None
        sheet.merge_cells(start_row=first + 3, start_column=group + 1, end_row=last + 3, end_column=group + 1)
    workbook.save(target)


def write_docx_table(title, header, rows, group, target: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph(title)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for c, text in enumerate(header):
        table.cell(0, c).text = text
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for first, last in _merge_runs(rows, group):
        merged = table.cell(first + 1, group).merge(table.cell(last + 1, group))
        merged.text = rows[first][group]
    document.save(target)


def write_docx_prose(source: Path, target: Path) -> None:
    from docx import Document

    document = Document()
    for line in source.read_text(encoding="utf-8").splitlines()[2:]:
        document.add_paragraph(line)
    document.save(target)


def to_pdf(docx: Path) -> None:
    profile = f"file:///tmp/lo-holdout-build-{os.getpid()}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(docx.parent), str(docx)], check=True, capture_output=True, timeout=180)


def write_h07(stem: str = "h07_town_notice_with_table") -> None:
    """A 通知 whose 附件 is the task table: text with the table tab-separated, and .docx."""
    from docx import Document

    text = "\n".join([*H07_NOTICE, excel_text(H07_TITLE, H07_HEADER, H07_ROWS)])
    (HERE / f"{stem}.txt").write_text(f"{SOURCE}\nkind: notice + table\n{text}\n", encoding="utf-8")
    document = Document()
    for line in [*H07_NOTICE, H07_TITLE]:
        document.add_paragraph(line)
    table = document.add_table(rows=1 + len(H07_ROWS), cols=len(H07_HEADER))
    table.style = "Table Grid"
    for r, row in enumerate([H07_HEADER, *H07_ROWS]):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    document.save(HERE / f"{stem}.docx")


def main(argv: list[str]) -> int:
    write_h07()
    for stem, (title, header, rows, group) in TABLES.items():
        kind = "table (browser copy)" if group is not None else "table (Excel copy)"
        text = browser_text(title, header, rows, group) if group is not None else excel_text(title, header, rows)
        (HERE / f"{stem}.txt").write_text(f"{SOURCE}\nkind: {kind}\n{text}\n", encoding="utf-8")
        write_xlsx(title, header, rows, group, HERE / f"{stem}.xlsx")
        write_docx_table(title, header, rows, group, HERE / f"{stem}.docx")
    for source in sorted(HERE.glob("h*.txt")):
        if source.stem not in TABLES and not source.stem.startswith(("h07", "h08")):
            write_docx_prose(source, HERE / f"{source.stem}.docx")
    if "--pdf" in argv:
        for docx in sorted(HERE.glob("h*.docx")):
            to_pdf(docx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
