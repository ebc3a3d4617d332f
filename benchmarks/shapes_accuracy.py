"""Accuracy on the real documents of ../shared/corpus/shapes, by route (text, .xlsx, .docx).

Usage: python benchmarks/shapes_accuracy.py [--truth DIR] [--shapes DIR] [--show-misses NAME]
       python benchmarks/shapes_accuracy.py --dir tests/holdout   (held-out documents)

Every ``<stem>.json`` in benchmarks/shapes_truth (rows written by hand from the
document) is scored three ways:

* text — the shape file minus its two header lines (source, kind), as pasted;
* xlsx — the truth rows laid out as an office receives a published table: one sheet,
  a title row, real header words (one of several vocabularies, picked by the file
  name so every run is the same), group titles merged down, units written in one
  cell with role phrases ("X牵头，Y配合");
* docx — the same table in a Word document under a title paragraph.

Rows pair as in benchmarks/accuracy.py (bigram Dice of 任务内容 ≥ 0.5); printed per
document and route: row F1, unit F1 (roles pooled), the share of rows with every
unit in its right role, and "refused" when FenJie gave an error instead of rows.

With ``--dir DIR`` the documents are the files in DIR as received: every
``<stem>.json`` truth is scored on whichever of ``<stem>.txt`` (two header lines
dropped), ``.xlsx``, ``.docx`` and ``.pdf`` exist there; nothing is generated.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import _unit_scores, f1, pair_rows  # noqa: E402

from addin.errors import FenJieError  # noqa: E402
from addin.pipeline import DraftOptions, draft_from_plan  # noqa: E402
from addin.units.directory import UnitDirectory  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_TRUTH = HERE / "shapes_truth"
DEFAULT_SHAPES = HERE.parents[1] / "shared" / "corpus" / "shapes"
ROUTES = ("text", "xlsx", "docx", "pdf")
# Header vocabularies of real published tables: (seq, group, task, units, deadline).
VOCABULARIES = (
    ("序号", "工作任务", "具体要求", "责任单位", "完成时限"),
    ("序号", "重点任务", "工作内容", "责任部门", "时间节点"),
    ("编号", "主要任务", "细化措施", "落实单位", "时限要求"),
    ("序号", "目标任务", "工作要求", "责任科室", "完成时间"),
    ("序号", "重点工作", "具体措施", "牵头单位/责任单位", "时间安排"),
    ("No.", "类", "怎么做", "谁来干", "何时"),  # headers no list knows: the content decides
)


def units_cell(row: dict, style: int = 0) -> str:
    """One 责任单位 cell: role phrases ("X牵头，Y负责"), or a labelled line per role (style 2)."""
    lead, units, assist = row["lead"], row["units"], row["assist"]
    if not (lead or assist):
        return ("\n" if style == 2 else "、").join(units)
    if style == 2:
        labels = (("牵头单位", lead), ("责任单位", units), ("配合单位", assist))
        return "\n".join(f"{label}：{'、'.join(names)}" for label, names in labels if names)
    parts = [f"{'、'.join(lead)}牵头"] if lead else []
    parts += [f"{'、'.join(units)}负责"] if units else []
    parts += [f"{'、'.join(assist)}配合"] if assist else []
    return "，".join(parts)


def table_cells(truth: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the truth's table in the vocabulary and layout picked by its name.

    Layout 0: one unit cell with role phrases; 1: 牵头单位 | 责任单位 | 配合单位 columns, a
    牵头领导 column of names and a 进展情况 column of sentences (neither is task content);
    2: one unit cell with a labelled line per role.
    """
    checksum = zlib.crc32(truth["name"].encode())
    seq, group, task, units, deadline = VOCABULARIES[checksum % len(VOCABULARIES)]
    style = checksum // len(VOCABULARIES) % 3
    rows = truth["rows"]
    with_group = any(r["name"] or r["section"] for r in rows)
    with_deadline = any(r["deadline"] for r in rows)
    unit_header = ["牵头领导", "牵头单位", "责任单位", "配合单位"] if style == 1 else [units]
    header = [seq] + ([group] if with_group else []) + [task, *unit_header]
    header += ([deadline] if with_deadline else []) + (["进展情况"] if style == 1 else [])
    body = []
    for number, row in enumerate(rows, start=1):
        cells = [str(number)] + ([row["name"] or row["section"]] if with_group else []) + [row["content"]]
        if style == 1:
            cells += ["王某某", "、".join(row["lead"]), "、".join(row["units"]), "、".join(row["assist"])]
        else:
            cells.append(units_cell(row, style))
        cells += ([row["deadline"]] if with_deadline else [])
        cells += (["已按计划推进，完成阶段性工作，下一步将继续抓好落实。"] if style == 1 else [])
        body.append(cells)
    return header, body


def _group_runs(body: list[list[str]], column: int) -> list[tuple[int, int]]:
    """(first, last) body indexes of equal group titles, to merge down as offices do."""
    runs, start = [], 0
    for i in range(1, len(body) + 1):
        if i == len(body) or body[i][column] != body[start][column]:
            if i - 1 > start and body[start][column]:
                runs.append((start, i - 1))
            start = i
    return runs


def write_xlsx(truth: dict, target: Path) -> Path:
    """The truth laid out as a published .xlsx table."""
    from openpyxl import Workbook

    header, body = table_cells(truth)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([truth["title"]])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for cells in body:
        sheet.append(cells)
    if len(header) > 4 or "工作" in header[1] or "任务" in header[1]:
        for first, last in _group_runs(body, 1):
            for r in range(first + 4, last + 4):
                sheet.cell(r, 2).value = None
            sheet.merge_cells(start_row=first + 3, start_column=2, end_row=last + 3, end_column=2)
    workbook.save(target)
    return target


def write_docx(truth: dict, target: Path) -> Path:
    """The truth laid out as a Word document holding the table under a title."""
    from docx import Document

    header, body = table_cells(truth)
    document = Document()
    document.add_paragraph(truth["title"])
    table = document.add_table(rows=1 + len(body), cols=len(header))
    table.style = "Table Grid"  # ruled, as official tables are
    for c, text in enumerate(header):
        table.cell(0, c).text = text
    for r, cells in enumerate(body, start=1):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    for first, last in _group_runs(body, 1) if len(header) > 4 else []:
        merged = table.cell(first + 1, 1).merge(table.cell(last + 1, 1))
        merged.text = body[first][1]
    document.save(target)
    return target


def write_text(shape: Path, target: Path) -> Path:
    """The shape file without its two header lines (source, kind)."""
    lines = shape.read_text(encoding="utf-8").splitlines()[2:]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def score(truth: dict, path: Path) -> dict:
    """Draft ``path`` and score it against ``truth``; a refusal scores zero."""
    directory = UnitDirectory([])
    try:
        rows = draft_from_plan(path, DraftOptions(directory=None, use_addressees=False)).rows
    except FenJieError as exc:
        return {"refused": str(exc), "rows": 0, "f1": 0.0, "unit_f1": 0.0, "role_exact": 0.0,
                "pairs": [], "produced": []}
    truth_rows = truth["rows"]
    pairs = pair_rows([r.content for r in rows], [t["content"] for t in truth_rows])
    row_f1 = f1(len(pairs), len(rows) - len(pairs), len(truth_rows) - len(pairs))[2]
    unit_f1, role_exact = _unit_scores(pairs, rows, truth_rows, directory)
    return {"refused": "", "rows": len(rows), "f1": row_f1, "unit_f1": unit_f1, "role_exact": role_exact,
            "pairs": pairs, "produced": rows}


def run(truth_dir: Path, shapes: Path, workdir: Path) -> list[tuple[str, str, int, dict]]:
    """(name, route, truth rows, result) for every truth file and route."""
    results = []
    for truth_file in sorted(truth_dir.glob("*.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        stem = truth_file.stem
        paths = {"xlsx": write_xlsx(truth, workdir / f"{stem}.xlsx"),
                 "docx": write_docx(truth, workdir / f"{stem}.docx")}
        if (shapes / f"{stem}.txt").exists():
            paths["text"] = write_text(shapes / f"{stem}.txt", workdir / f"{stem}.txt")
        for route in ROUTES:
            if route in paths:
                results.append((stem, route, len(truth["rows"]), score(truth, paths[route])))
    return results


def run_dir(folder: Path, workdir: Path) -> list[tuple[str, str, int, dict]]:
    """(name, route, truth rows, result) for the documents of ``folder`` as they are."""
    results = []
    for truth_file in sorted(folder.glob("*.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        stem = truth_file.stem
        paths = {route: folder / f"{stem}.{route}" for route in ("xlsx", "docx", "pdf")}
        if (folder / f"{stem}.txt").exists():
            paths["text"] = write_text(folder / f"{stem}.txt", workdir / f"{stem}.txt")
        for route in ROUTES:
            if route in paths and paths[route].exists():
                results.append((stem, route, len(truth["rows"]), score(truth, paths[route])))
    return results


def _pooled(results: list[tuple[str, str, int, dict]], route: str) -> dict:
    """Totals over one route: row F1 of all rows, unit F1 and role-exact over judged rows."""
    chosen = [(n, r) for _, rt, n, r in results if rt == route]
    truth = sum(n for n, _ in chosen)
    produced = sum(r["rows"] for _, r in chosen)
    paired = sum(len(r["pairs"]) for _, r in chosen)
    unit = [r["unit_f1"] for _, r in chosen if r["unit_f1"] is not None]
    exact = [r["role_exact"] for _, r in chosen if r["role_exact"] is not None]
    return {"documents": len(chosen), "refused": sum(1 for _, r in chosen if r["refused"]),
            "f1": f1(paired, produced - paired, truth - paired)[2],
            "unit_f1": sum(unit) / len(unit) if unit else 0.0, "role_exact": sum(exact) / len(exact) if exact else 0.0}


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, default=DEFAULT_TRUTH)
    parser.add_argument("--shapes", type=Path, default=DEFAULT_SHAPES)
    parser.add_argument("--dir", type=Path, default=None, help="score the documents in DIR as they are")
    parser.add_argument("--show-misses", metavar="NAME", default="")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fenjie-shapes-") as workdir:
        results = run_dir(args.dir, Path(workdir)) if args.dir else run(args.truth, args.shapes, Path(workdir))
    print("| document | route | rows | truth | row F1 | unit F1 | all units right role | refused |")
    print("|---|---|---|---|---|---|---|---|")
    for name, route, truth_rows, r in results:
        print(f"| {name} | {route} | {r['rows']} | {truth_rows} | {r['f1']:.3f} | {_figure(r['unit_f1'])} | "
              f"{_figure(r['role_exact'])} | {r['refused'][:60] or '—'} |")
        if args.show_misses in (name, "all"):
            for row in r["produced"]:
                print(f"    {route}: {row.content[:50]} | {row.lead} {row.units} {row.assist}")
    print()
    print("| route | documents | refused | row F1 (pooled) | unit F1 (mean) | all units right role (mean) |")
    print("|---|---|---|---|---|---|")
    for route in ROUTES:
        p = _pooled(results, route)
        if not p["documents"]:
            continue
        print(f"| {route} | {p['documents']} | {p['refused']} | {p['f1']:.3f} | {p['unit_f1']:.3f} | "
              f"{p['role_exact']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
