"""Round trip of a WPS button through `fenjie serve` (target < 1 s for a ~100-task table).

Usage: python benchmarks/wps_service.py

A WPS click waits on a synchronous request, so this measures what the add-in waits
for: JSON encoding of the posted sheets, HTTP on 127.0.0.1, the recording workbook,
the engine, and the actions JSON back — for 生成分解表, 匹配责任单位, 识别完成时限 and
校验 on the largest corpus plan (shanghai_2021), and 校验 on a 1,100-row table (the
same tasks ten times). WPS' own time to read and write the cells is not included.
"""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import median_seconds  # noqa: E402

from addin.pipeline import DraftOptions, draft_from_plan  # noqa: E402
from addin.units.directory import DIRECTORY_HEADERS, sample_directory  # noqa: E402
from addin.workbook import PLAN_HEADERS, TASK_HEADERS, directory_values, plan_values, task_values  # noqa: E402
from addin.wps.service import serve_in_thread  # noqa: E402

PLAN = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "plans" / "shanghai_2021.txt"
TOKEN = "benchmark"


def click(url: str, control: str, sheets: dict[str, list[list[object]]]) -> tuple[int, int]:
    """One dispatch; (request bytes, answer bytes)."""
    body = json.dumps({"control": control, "book": {"fullName": "/tmp/工作簿.xlsx", "sheets": [
        {"name": n, "values": v} for n, v in sheets.items()]}}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url + "/dispatch", data=body, headers={"X-FenJie-Token": TOKEN})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return len(body), len(answer.read())


def main() -> int:
    directory = sample_directory("上海市")
    draft = draft_from_plan(PLAN, DraftOptions(directory=directory))
    tasks = [task_values(r) for r in draft.rows]
    sheets = {"设置": [["选项", "值", "说明"], ["上级要点文件", str(PLAN), ""], ["输出文件夹", tempfile.mkdtemp(), ""]],
              "上级要点": [list(PLAN_HEADERS)] + plan_values(draft.outline),
              "任务分解": [list(TASK_HEADERS)] + tasks,
              "单位名录": [list(DIRECTORY_HEADERS)] + directory_values(directory)}
    large = dict(sheets, 任务分解=[list(TASK_HEADERS)] + [[n + 1] + row[1:] for n, row in
                                                      enumerate(row for _ in range(10) for row in tasks)])
    server = serve_in_thread(0, TOKEN)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"tasks: {len(tasks)}; large table: {len(large['任务分解']) - 1} rows")
    print("| button | rows | request KB | answer KB | median seconds (5 runs) |")
    print("|---|---|---|---|---|")
    cases = [(b, sheets) for b in ("btnDecompose", "btnMatchUnits", "btnDeadlines", "btnValidate")]
    for button, book in cases + [("btnValidate", large)]:
        sent, got = click(url, button, book)
        seconds = median_seconds(lambda b=button, s=book: click(url, b, s), 5)
        label = {"btnDecompose": "生成分解表", "btnMatchUnits": "匹配责任单位", "btnDeadlines": "识别完成时限",
                 "btnValidate": "校验"}[button]
        print(f"| {label} | {len(book['任务分解']) - 1} | {sent / 1024:.0f} | {got / 1024:.0f} | {seconds:.3f} |")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
