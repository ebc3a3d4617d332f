"""An empty, documented 单位名录 for an office to fill in (`fenjie units init`)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..safe_io import write_atomically
from .directory import DIRECTORY_HEADERS

COLUMN_HELP = {
    "单位全称": "必填。单位的规范全称，如“区发展改革委”。分组（如“各委办局”）也单列一行。",
    "简称/别名": "文件中可能出现的其他写法，多个用“；”分隔，如“区发改委；发改委”。",
    "类别": "如 委办局、街镇、园区、事业单位；分组行填“分组”。",
    "所属分组": "本单位属于哪些分组，多个用“、”分隔，如“各委办局”。",
    "职责关键词": "用于建议责任单位，多个用“、”分隔，如“教育、学校、招生”。建议结果会标注“关键词建议”，需人工确认。",
    "默认单位": "填“是”的单位会加入每项未写明单位的任务（如政务公开牵头科室）。",
    "联系人": "下发任务和发送邮件时使用。",
    "电话": "下发任务和发送邮件时使用。",
    "邮箱": "发送各单位任务表时使用。",
}
WIDTHS = (26, 26, 10, 16, 40, 8, 10, 14, 24)


def write_directory_template(path: str | Path) -> Path | None:
    """Write an empty 单位名录 (.xlsx with column notes, or .csv); returns the backup path."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        content = ",".join(DIRECTORY_HEADERS) + "\n" + "# 每行一个单位；“简称/别名”多个用；分隔，其他多值列用、分隔。\n"
        return write_atomically(path, lambda temp: temp.write_text(content, encoding="utf-8-sig"))
    return write_atomically(path, lambda temp: _template_workbook().save(temp))


def _template_workbook() -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "单位名录"
    sheet.append(list(DIRECTORY_HEADERS))
    for column, header in enumerate(DIRECTORY_HEADERS, start=1):
        cell = sheet.cell(1, column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(COLUMN_HELP[header], "FenJie")
        sheet.column_dimensions[cell.column_letter].width = WIDTHS[column - 1]
    default = DataValidation(type="list", formula1='"是"', allow_blank=True, showErrorMessage=True,
                             errorTitle="默认单位", error="请填“是”或留空。")
    default.add("F2:F1000")
    sheet.add_data_validation(default)
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("说明")
    guide.append(["列名", "填写说明"])
    for header in DIRECTORY_HEADERS:
        guide.append([header, COLUMN_HELP[header]])
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 90
    return workbook
