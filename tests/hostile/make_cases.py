"""Regenerate the hostile and broken workbook cases in this folder.

Usage (from the repository root): python tests/hostile/make_cases.py
Needs LibreOffice (for .xls) and msoffcrypto-tool (for the password case); the
files are committed, so the tests themselves need neither.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
HEADER = ["序号", "任务名称", "任务内容", "责任单位", "完成时限"]
ROWS = [
    [1, "规范信息管理", "系统清理现行有效的行政规范性文件，集中公开。", "区司法局", "6月底前"],
    [2, "做好政策解读", "凡是面向企业和市民的政策性文件均要开展解读。", "各委办局、各街镇", "全年"],
    [3, "办好政府开放活动", "集中在8月组织开展政府开放活动。", "区政府办公室", "8月份"],
]


def table(rows=ROWS, header=HEADER, title="2024年某区政务公开工作要点任务分解表", before=0) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    for _ in range(before):
        sheet.append([])
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    return workbook


def save(workbook: Workbook, name: str) -> None:
    workbook.save(HERE / name)


def raw(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def good_bytes() -> bytes:
    buffer = io.BytesIO()
    table().save(buffer)
    return buffer.getvalue()


def _patch(path: Path, replacements: dict[str, str]) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            for old, new in replacements.items():
                data = data.replace(old.encode(), new.encode())
            archive.writestr(name, data)


def main() -> None:
    save(table(), "01_good.xlsx")
    raw("02_empty_file.xlsx", b"")
    raw("03_truncated_zip.xlsx", good_bytes()[:3000])
    raw("04_random_bytes.xlsx", os.urandom(5000))
    raw("05_text_renamed.xlsx", "序号,任务内容\n1,做好公开\n".encode())
    with zipfile.ZipFile(HERE / "06_docx_renamed.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    try:
        from msoffcrypto.format.ooxml import OOXMLFile

        with (HERE / "07_password.xlsx").open("wb") as out:
            OOXMLFile(io.BytesIO(good_bytes())).encrypt("123456", out)
    except ImportError:
        print("msoffcrypto-tool missing: 07_password.xlsx kept as it was")
    save(Workbook(), "08_empty_workbook.xlsx")
    save(table(rows=[], title=""), "09_header_only.xlsx")
    save(table(header=["编码", "事项", "备注"]), "10_no_header.xlsx")
    save(table(before=20), "11_header_too_far_down.xlsx")
    far = table()
    far["任务分解"]["A100020"] = "x"
    save(far, "12_hundred_thousand_rows.xlsx")
    formulas = table(rows=[[1, "甲", "=CONCATENATE(\"做好\",\"公开\")", "区府办", "全年"],
                           [2, "乙", "做好解读。", "区府办", "=\"6月底前\""]])
    save(formulas, "13_formulas_without_values.xlsx")
    save(table(rows=[[1, "甲", "做好公开。", "区府办", "全年"], [1, "乙", "做好解读。", "区府办", "全年"],
                     [3, "丙", "做好回应。", "区府办", "全年"]]), "14_duplicate_sequence.xlsx")
    save(table(rows=[[1, "甲", "做好公开。", "区府办", "全年"], [3, "乙", "做好解读。", "区府办", "全年"]]),
         "15_sequence_gap.xlsx")
    save(table(rows=[[1, "甲", "", "区府办", "全年"], [2, "乙", "做好解读。", "", ""]]), "16_empty_required.xlsx")
    save(table(rows=[[1, "甲", "@SUM(A1:A2) 做好公开。", "区府办", "全年"],
                     [2, "乙", "-做好解读。", "+区府办", "全年"]]), "17_formula_injection.xlsx")
    # openpyxl refuses control characters; Excel stores them escaped as _x0001_, so patch the XML.
    save(table(rows=[[1, "甲", "做好CTRLA公开CTRLB。", "区府办", "全年"]]), "18_control_characters.xlsx")
    _patch(HERE / "18_control_characters.xlsx", {"CTRLA": "_x0001_", "CTRLB": "_x0002_"})
    # openpyxl cuts text at Excel's 32,767 limit on writing; other programs do not.
    save(table(rows=[[1, "甲", "LONGCELL", "区府办", "全年"]]), "19_too_long_cell.xlsx")
    _patch(HERE / "19_too_long_cell.xlsx", {"LONGCELL": "长" * 32800})
    hidden = table()
    hidden["任务分解"].row_dimensions[4].hidden = True
    save(hidden, "20_hidden_row.xlsx")
    merged = table()
    merged["任务分解"].merge_cells("D3:D4")
    save(merged, "21_merged_units.xlsx")
    save(table(rows=[[1, "甲", "做好公开。", "区府办", "2019年6月底前"], [2, "乙", "做好解读。", "区府办", "尽快"]]),
         "22_deadline_problems.xlsx")
    save(table(rows=[[1, "甲", "做好公开。", "区发改", "全年"]]), "23_unknown_unit.xlsx")
    save(table(rows=[[1, "甲", "做好 公开 ，及时,更新。", "区府办", "全年"],
                     [2, "乙", "做好公开。", "区府办", "全年"], [3, "丙", "做好公开。", "区府办", "全年"]]),
         "24_spacing_and_duplicates.xlsx")
    two_rows = Workbook()
    sheet = two_rows.active
    sheet.title = "任务分解"
    sheet.append(["序号", "任务内容", "责任单位", None, "完成时限"])
    sheet.append([None, None, "牵头单位", "配合单位", None])
    sheet.merge_cells("C1:D1")
    for cells in ("A1:A2", "B1:B2", "E1:E2"):
        sheet.merge_cells(cells)
    sheet.append([1, "做好公开。", "区府办", "各街镇", "全年"])
    save(two_rows, "25_two_row_header.xlsx")
    raw("26_unsupported.numbers", b"PK\x03\x04fake")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "legacy.xlsx"
        table().save(source)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to", "xls",
                        "--outdir", tmp, str(source)], check=True, capture_output=True, timeout=180)
        shutil.copy(Path(tmp) / "legacy.xls", HERE / "27_legacy.xls")
        shutil.copy(Path(tmp) / "legacy.xls", HERE / "28_wps.et")
    raw("29_broken.et", os.urandom(3000))
    star = table(rows=[[1, "甲", "做好公开。", "*区府办、区融媒体中心", "6 月底"]],
                 header=["序号", "目标和任务", "任务内容", "牵头单位(*)/责任单位", "完成时限"])
    save(star, "30_star_leads.xlsx")


if __name__ == "__main__":
    main()
