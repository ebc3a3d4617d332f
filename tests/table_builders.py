"""Write the corpus' official tables to .xlsx the way their issuers laid them out.

From ``truth/<name>.json``: a title row, the issuer's own header words, section rows
(一、…) merged across, consecutive equal task names merged down, unit cells in the
issuer's notation (``*`` lead marks, 牵头单位：…；责任单位：…, X牵头，Y负责), and the
header repeated every 20 rows as at a page break.
"""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import Workbook

LAYOUTS = {
    # name: (header, unit notation, name merged, section rows, repeat header)
    "shanghai_2021": (("序号", "任务名称", "任务内容", "责任单位", "时间节点"), "verbs", True, False, True),
    "zhenxin_2021": (("序号", "任务名称", "任务内容", "责任单位", "时间节点"), "verbs", True, True, False),
    "miaohang_2024": (("序号", "工作重点", "具体内容", "责任单位", "完成时间"), "labels", False, True, False),
    "baoshan_2020_table": (("序号", "目标和任务", "牵头单位(*)/责任单位", "完成时限"), "stars", False, False, True),
    "putuo_2024": (("序号", "任务名称", "任务内容", "牵头单位", "责任单位", "配合单位"), "columns", False, True, False),
}


def units_cell(row: dict, notation: str) -> str:
    """The 责任单位 cell of a truth row in an issuer's notation."""
    lead, units, assist = row["lead"], row["units"], row["assist"]
    if notation == "stars":
        return "、".join([f"*{u}" for u in lead] + units)
    if notation == "labels" and (lead or assist):
        parts = [("牵头单位", lead), ("责任单位", units), ("配合单位", assist)]
        return "；".join(f"{label}：{'、'.join(names)}" for label, names in parts if names)
    if lead or assist:
        parts = []
        if lead:
            parts.append("、".join(lead) + "牵头")
        if units:
            parts.append("、".join(units) + "负责")
        if assist:
            parts.append("、".join(assist) + "配合")
        return "，".join(parts)
    return "、".join(units)


def _values(row: dict, header: tuple[str, ...], notation: str) -> list[object]:
    by_header = {"序号": row["seq"], "任务名称": row["name"], "工作重点": row["name"],
                 "任务内容": row["content"], "具体内容": row["content"], "目标和任务": row["content"],
                 "时间节点": row["deadline"], "完成时间": row["deadline"], "完成时限": row["deadline"],
                 "牵头单位": "、".join(row["lead"]), "配合单位": "、".join(row["assist"])}
    by_header["责任单位"] = "、".join(row["units"]) if notation == "columns" else units_cell(row, notation)
    by_header["牵头单位(*)/责任单位"] = units_cell(row, notation)
    return [by_header[h] for h in header]


def build_official_table(truth_file: Path, target: Path) -> Path:
    """Write the official table of ``truth_file`` to ``target`` in its issuer's layout."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    header, notation, merge_names, sections, repeat = LAYOUTS[truth["name"]]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(["附件"])
    title = truth["title"].split(" and ")[0].split(" (")[0]
    sheet.append([title if title.endswith("任务分解表") else title + "任务分解表"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(header))
    sheet.append(list(header))
    section, name_start, previous_name = None, None, None
    # sheet._current_row is the row just appended; sheet.max_row scans every cell (a 10,000-row table took minutes)
    for i, row in enumerate(truth["rows"]):
        if repeat and i and i % 20 == 0:
            sheet.append(list(header))
            name_start, previous_name = None, None
        if sections and row["section"] != section:
            section = row["section"]
            sheet.append([section])
            sheet.merge_cells(start_row=sheet._current_row, start_column=1, end_row=sheet._current_row,
                              end_column=len(header))
            name_start, previous_name = None, None
        sheet.append(_values(row, header, notation))
        if merge_names and "任务名称" in header:
            column = header.index("任务名称") + 1
            if row["name"] and row["name"] == previous_name:
                sheet.cell(sheet._current_row, column).value = None
                sheet.merge_cells(start_row=name_start, start_column=column, end_row=sheet._current_row,
                                  end_column=column)
            else:
                name_start, previous_name = sheet._current_row, row["name"]
    workbook.save(target)
    return target
