"""FenJie in WPS 表格, without WPS: the built add-in, its JS under Node, the local service, install.

- the add-in written by ``fenjie wps build``: ribbon.xml checked against customUI14.xml and the JS;
- the add-in's JS run by Node (node:test, node:vm) with a fake workbook, also against a live service;
- the service's HTTP contract (token, Origin, UTF-8, each action type) and ``fenjie serve`` itself;
- end to end: a working workbook from ``fenjie decompose``, posted for 校验, gives ``fenjie validate``'s findings;
- ``fenjie wps install`` / ``remove`` under a fake HOME, merging WPS' registries.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from addin import ribbon
from addin.cli import main
from addin.errors import FenJieError
from addin.findings import rule_name
from addin.wps import install as wps_install
from addin.wps.book import RecordingBook
from addin.wps.build import WPS_NS, build_wps_addin, buttons
from addin.wps.service import serve_in_thread

REPO = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")
TOKEN = "t0ken-0123_abc"
UI = {"ui": WPS_NS}


@pytest.fixture(scope="module")
def addin_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wps") / "fenjie_wps"
    assert main(["wps", "build", "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def service():
    server = serve_in_thread(0, TOKEN)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def post(url: str, body: object, headers: dict | None = None, path: str = "/dispatch", method: str = "POST"):
    """(status, headers, decoded JSON) of one request."""
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url + path, data=data if method == "POST" else None, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers, json.loads(answer.read().decode("utf-8") or "{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read().decode("utf-8")
        return exc.code, exc.headers, json.loads(raw) if raw else {}


def dispatch(url: str, control: str, sheets: dict[str, list[list]], **extra) -> list[dict]:
    book = {"fullName": extra.pop("full_name", "/tmp/工作簿.xlsx"),
            "sheets": [{"name": n, "values": v} for n, v in sheets.items()]}
    status, _, answer = post(url, {"control": control, "book": book, **extra}, {"X-FenJie-Token": TOKEN})
    assert status == 200, answer
    return answer["actions"]


# ---------------------------------------------------------------- the built add-in


def test_build_writes_every_file(addin_dir):
    names = {str(p.relative_to(addin_dir)) for p in addin_dir.rglob("*") if p.is_file()}
    assert {"ribbon.xml", "index.html", "manifest.xml", "js/ribbon.js", "js/buttons.js", "js/config.js"} <= names
    assert len([n for n in names if n.startswith("images/") and n.endswith(".svg")]) == len(buttons()) + 1
    assert ET.parse(addin_dir / "manifest.xml").getroot().findtext("Name") == "FenJie 任务分解助手"
    html = (addin_dir / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'src="([^"]+)"', html) == ["js/config.js", "js/buttons.js", "js/ribbon.js"]


def test_ribbon_xml_namespace_ids_and_callbacks(addin_dir):
    root = ET.parse(addin_dir / "ribbon.xml").getroot()
    assert root.tag == f"{{{WPS_NS}}}customUI" and root.get("onLoad") == "OnAddinLoad"
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "ids are unique"
    assert not [e for e in root.iter() if "imageMso" in e.attrib], "WPS has no imageMso"
    callbacks = {v for e in root.iter() for k, v in e.attrib.items() if k in ("onLoad", "onAction", "getImage")}
    js = (addin_dir / "js" / "ribbon.js").read_text(encoding="utf-8")
    defined = set(re.findall(r"^function (\w+)\(", js, flags=re.M))
    assert callbacks == {"OnAddinLoad", "OnAction", "GetImage"} and callbacks <= defined
    for button in root.iterfind(".//ui:button", UI):
        assert button.get("onAction") == "OnAction" and button.get("getImage") == "GetImage", button.get("id")


def test_ribbon_xml_is_the_excel_ribbon(addin_dir):
    """Same buttons, labels, tips and groups, in the same order, as macros/customUI14.xml."""
    excel = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}
    source = ET.parse(REPO / "macros" / "customUI14.xml").getroot()
    built = ET.parse(addin_dir / "ribbon.xml").getroot()

    def shape(root, ns):
        return [(g.get("id"), g.get("label"), [(b.get("id"), b.get("label"), b.get("screentip"), b.get("supertip"),
                                                b.get("size")) for b in g.iterfind("ui:button", ns)])
                for g in root.iterfind(".//ui:group", ns)]

    assert shape(built, UI) == shape(source, excel)
    labels = json.loads((addin_dir / "js" / "buttons.js").read_text(encoding="utf-8").split("=", 1)[1].rstrip(";\n"))
    assert labels["labels"] == {b.id: b.label for b in buttons()} and sorted(labels["labels"]) == sorted(ribbon.ACTIONS)


def test_icons_are_distinct_svg(addin_dir):
    glyphs = []
    for button in buttons():
        svg = ET.parse(addin_dir / "images" / f"{button.id}.svg").getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 32 32"
        glyphs.append(svg.find("{http://www.w3.org/2000/svg}text").text)
    assert len(set(glyphs)) == len(glyphs) and all(len(g) == 1 for g in glyphs)


def test_build_without_the_source_tree_says_so(tmp_path):
    with pytest.raises(FenJieError, match="找不到功能区定义.*请在源文件夹中用 pip install -e . 安装后再运行"):
        build_wps_addin(tmp_path / "out", customui=tmp_path / "macros" / "customUI14.xml")
    assert not (tmp_path / "out").exists()


def test_build_refuses_a_folder_that_is_not_an_addin(tmp_path):
    (tmp_path / "我的文件.txt").write_text("保留", encoding="utf-8")
    with pytest.raises(FenJieError, match="不是空的，也不是 FenJie 的 WPS 加载项"):
        build_wps_addin(tmp_path)
    assert (tmp_path / "我的文件.txt").read_text(encoding="utf-8") == "保留"


def test_package_data_ships_the_assets():
    setup = (REPO / "setup.py").read_text(encoding="utf-8")
    assert '"addin.wps": ["assets/*"]' in setup
    assets = {p.name for p in (REPO / "addin" / "wps" / "assets").iterdir()}
    assert assets == {"index.html", "manifest.xml", "ribbon.js"}


# ---------------------------------------------------------------- the JS, under Node


@pytest.mark.skipif(NODE is None, reason="node is not installed (.ci/run installs it from the distribution)")
def test_addin_js_under_node(addin_dir, service):
    env = dict(os.environ, FENJIE_WPS_ADDIN=str(addin_dir), FENJIE_SERVICE_URL=service, FENJIE_SERVICE_TOKEN=TOKEN)
    files = [str(p) for p in sorted((REPO / "tests" / "wps_js").glob("*.test.js"))]  # not a folder: Node 22 globs
    run = subprocess.run([NODE, "--test", *files], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    counts = dict(re.findall(r"^# (pass|fail|skipped) (\d+)$", run.stdout, flags=re.M))
    written = sum(len(re.findall(r"^test\(", Path(f).read_text(encoding="utf-8"), flags=re.M)) for f in files)
    # all but the real-workbook test, which test_validate_from_the_addin_js_matches_the_cli runs
    assert counts == {"pass": str(written - 1), "fail": "0", "skipped": "1"}, run.stdout[-2000:]
    assert written >= 18


# ---------------------------------------------------------------- the service's contract


@pytest.mark.parametrize(
    ("headers", "error"),
    [({}, "令牌不对。"),
     ({"X-FenJie-Token": "wrong"}, "令牌不对。"),
     ({"X-FenJie-Token": TOKEN + "x"}, "令牌不对。"),
     ({"X-FenJie-Token": TOKEN, "Origin": "https://evil.example"}, "来源不是 FenJie 加载项。"),
     ({"X-FenJie-Token": TOKEN, "Origin": "http://127.0.0.1:8000"}, "来源不是 FenJie 加载项。"),
     ({"X-FenJie-Token": TOKEN, "Origin": " HTTPS://kdocs.example"}, "来源不是 FenJie 加载项。"),
     ({"X-FenJie-Token": TOKEN, "Host": "evil.example:28517"}, "来源不是 FenJie 加载项。")],
)
def test_refused_requests_change_nothing(service, monkeypatch, tmp_path, headers, error):
    ran = []
    monkeypatch.setattr(ribbon, "dispatch", lambda *args: ran.append(args))
    body = {"control": "btnSettings", "book": {"fullName": str(tmp_path / "a.xlsx"), "sheets": [{"name": "设置"}]}}
    status, answer_headers, answer = post(service, body, headers)
    assert (status, answer) == (403, {"error": error}) and ran == []
    assert answer_headers["Content-Type"] == "application/json; charset=utf-8"
    assert "Access-Control-Allow-Origin" not in answer_headers


@pytest.mark.parametrize("origin", [None, "null", "file://"])
def test_the_addins_origin_is_accepted(service, origin):
    headers = {"X-FenJie-Token": TOKEN} | ({"Origin": origin} if origin else {})
    status, answer_headers, answer = post(service, {"control": "btnHelp", "book": {"sheets": []}}, headers)
    assert status == 200 and answer["actions"][0]["type"] == "alert"
    assert answer_headers.get("Access-Control-Allow-Origin") == origin


def test_preflight(service):
    status, headers, _ = post(service, b"", {"Origin": "null"}, method="OPTIONS")
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "null"
    assert "X-FenJie-Token" in headers["Access-Control-Allow-Headers"]
    assert post(service, b"", {"Origin": "https://evil.example"}, method="OPTIONS")[0] == 403


def test_utf8_with_explicit_charset(service):
    request = urllib.request.Request(service + "/dispatch", method="POST", headers={"X-FenJie-Token": TOKEN},
                                     data=json.dumps({"control": "btnHelp", "book": {"sheets": []}}).encode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
        raw = answer.read()
    assert "使用顺序：设置 → 导入上级要点".encode() in raw, "Chinese as UTF-8, not \\u escapes"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [(b"{not json", 400, None),
     ([1, 2], 400, "请求不是 JSON 对象。"),
     ({"book": {"sheets": []}}, 400, "请求中没有按钮（control）。"),
     ({"control": "btnHelp"}, 400, "请求中没有工作簿内容（book.sheets）。"),
     ({"control": "btnHelp", "book": {"sheets": [{"values": [[1]]}]}}, 400, "请求中的工作表缺少名称。")],
)
def test_bad_requests(service, body, status, error):
    got, _, answer = post(service, body, {"X-FenJie-Token": TOKEN})
    assert got == status and (error is None or answer == {"error": error})


def test_an_unexpected_failure_is_an_answer(service, monkeypatch):
    def broken(body):
        raise KeyError("sheets")

    monkeypatch.setattr("addin.wps.service.dispatch_request", broken)
    status, _, answer = post(service, {"control": "btnHelp", "book": {"sheets": []}}, {"X-FenJie-Token": TOKEN})
    assert (status, answer) == (500, {"error": "服务内部错误：'sheets'"})


def test_status_and_unknown_paths(service):
    assert post(service, b"", {"X-FenJie-Token": TOKEN}, path="/status", method="GET")[2]["service"] == "FenJie"
    assert post(service, b"", {}, path="/status", method="GET")[0] == 403
    assert post(service, {}, {"X-FenJie-Token": TOKEN}, path="/run")[0] == 404


def test_help_answers_with_an_alert(service):
    actions = dispatch(service, "btnHelp", {"Sheet1": [[None]]})
    assert [a["type"] for a in actions] == ["alert"]
    assert actions[0]["message"].startswith("使用顺序：设置 → 导入上级要点")


def test_settings_add_write_and_activate(service):
    actions = dispatch(service, "btnSettings", {"Sheet1": [[None]]})
    assert [a["type"] for a in actions] == ["addSheet", "setValues", "activateSheet", "alert"]
    assert actions[0] == {"type": "addSheet", "sheet": "设置", "after": "Sheet1", "before": None}
    assert actions[1]["address"] == "A1" and actions[1]["values"][0] == ["选项", "值", "说明"]


def test_a_rewrite_backs_up_clears_and_hides(service):
    old = [["选项", "值", "说明"], ["计划年度", 2024, ""]]
    actions = dispatch(service, "btnSettings", {"设置": old})
    kinds = [(a["type"], a["sheet"]) for a in actions if a["type"] != "alert"]
    assert kinds == [("addSheet", "_备份_设置"), ("setValues", "_备份_设置"), ("hideSheet", "_备份_设置"),
                     ("clearContents", "设置"), ("setValues", "设置"), ("activateSheet", "设置")]
    assert actions[1]["values"] == old
    written = actions[4]["values"]
    assert ["计划年度", "2024", "默认取文件标题中的年份"] in written, "the value typed is kept (as text)"


def test_validate_colours_cells(service, corpus):
    from addin.pipeline import draft_from_plan
    from addin.workbook import TASK_HEADERS, task_values

    rows = [list(TASK_HEADERS)] + [task_values(r) for r in draft_from_plan(corpus / "plans" / "miaohang_2024.txt").rows]
    rows[2][0] = rows[1][0]
    actions = dispatch(service, "btnValidate", {"任务分解": rows})
    colours = [a for a in actions if a["type"] == "setColor"]
    assert {"type": "setColor", "sheet": "任务分解", "address": "A3", "color": "#FFC7CE", "bgr": 0xCEC7FF} in colours


def test_a_file_dialog_round_trip(service, corpus):
    plan = corpus / "plans" / "miaohang_2024.txt"
    first = dispatch(service, "btnImportPlan", {"设置": [["选项", "值", "说明"]]})
    assert first == [{"type": "pickFile", "title": "选择上级要点文件", "filter": ribbon.PLAN_FILTER,
                      "control": "btnImportPlan"}]
    second = dispatch(service, "btnImportPlan", {"设置": [["选项", "值", "说明"]]}, picked=str(plan))
    settings = [a["values"] for a in second if a["type"] == "setValues" and a["sheet"] == "设置"]
    assert settings == [[["选项", "值", "说明"], ["上级要点文件", str(plan), ""]]], "the picked file is kept in 设置"
    assert second[-1]["message"] == "已导入《2024年庙行镇政务公开工作要点》：42 个层级条目。"
    cancelled = dispatch(service, "btnImportPlan", {"设置": [["选项", "值", "说明"]]}, picked=False)
    assert cancelled == [{"type": "alert", "message": "请先在“设置”工作表中填写“上级要点文件”。",
                          "title": "FenJie · 导入上级要点"}]


def test_a_sheet_sent_without_values_is_never_rewritten_blind(corpus):
    """An old add-in that does not send 校验结果: rewriting it would back up nothing; refused instead."""
    from addin.pipeline import draft_from_plan
    from addin.workbook import TASK_HEADERS, task_values

    rows = [list(TASK_HEADERS)] + [task_values(r) for r in draft_from_plan(corpus / "plans" / "miaohang_2024.txt").rows]
    book = RecordingBook.from_request({"book": {"fullName": "/tmp/a.xlsx", "sheets": [
        {"name": "任务分解", "values": rows}, {"name": "校验结果"}]}})
    message = ribbon.dispatch("btnValidate", book)
    assert message == "WPS 加载项没有发送工作表“校验结果”的内容：请升级 FenJie 加载项后重试。"
    assert [a["type"] for a in book.actions] == ["alert"] and book.unsent == {"校验结果"}


def test_the_service_asks_for_a_sheet_it_was_not_sent(service, corpus):
    from addin.pipeline import draft_from_plan
    from addin.workbook import TASK_HEADERS, task_values

    rows = [list(TASK_HEADERS)] + [task_values(r) for r in draft_from_plan(corpus / "plans" / "miaohang_2024.txt").rows]
    sheets = [{"name": "任务分解", "values": rows}, {"name": "校验结果"}]
    status, _, answer = post(service, {"control": "btnValidate", "book": {"fullName": "/tmp/a.xlsx", "sheets": sheets}},
                             {"X-FenJie-Token": TOKEN})
    assert (status, answer) == (200, {"actions": [{"type": "sendSheets", "sheets": ["校验结果"],
                                                   "control": "btnValidate"}]}), "nothing applied yet"
    sheets[1]["values"] = [["序号", "级别"], [1, "错误"]]
    actions = dispatch(service, "btnValidate", {s["name"]: s["values"] for s in sheets})
    written = [(a["type"], a.get("sheet")) for a in actions]
    assert ("setValues", "_备份_校验结果") in written, "the old results backed up"


@pytest.mark.parametrize(
    ("full_name", "where"),
    [("工作簿1", Path.home() / "工作簿1"), ("", Path.home() / "工作簿"),
     ("https://www.kdocs.cn/l/要点.xlsx", Path.home() / "要点.xlsx"),
     ("/home/张三/文档/要点.xlsx", Path("/home/张三/文档/要点.xlsx"))],
)
def test_where_outputs_go(full_name, where):
    """Beside the workbook; an unsaved workbook or a cloud document has no folder: the home folder."""
    book = RecordingBook.from_request({"book": {"fullName": full_name, "sheets": []}})
    assert Path(book.fullname) == where


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_fenjie_serve_command(tmp_path):
    """The real command: help gets an alert, no token gets 403."""
    port = _free_port()
    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    process = subprocess.Popen([sys.executable, "-m", "addin.cli", "serve", "--port", str(port), "--token", TOKEN],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == f"FenJie 服务已启动：http://127.0.0.1:{port}（按 Ctrl+C 停止）"
        url = f"http://127.0.0.1:{port}"
        assert dispatch(url, "btnHelp", {"Sheet1": [[None]]})[0]["type"] == "alert"
        assert post(url, {"control": "btnHelp", "book": {"sheets": []}})[0] == 403
        busy = subprocess.run([sys.executable, "-m", "addin.cli", "serve", "--port", str(port), "--token", "t"],
                              env=env, capture_output=True, text=True, timeout=60)
        assert busy.returncode == 1 and busy.stderr.startswith(f"错误：无法在 127.0.0.1:{port} 上启动 FenJie 服务")
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C
        assert process.wait(timeout=30) == 0
    assert process.stdout.read().strip() == "FenJie 服务已停止。"
    assert not (tmp_path / "config" / "fenjie").exists(), "--port and --token given: no token file written"


# ---------------------------------------------------------------- end to end: 校验 as the CLI does it


def _as_value2(value: object) -> object:
    """A cell as WPS' Range.Value2 gives it: dates as serial numbers."""
    if isinstance(value, datetime):
        return (value - datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, date):
        return (value - date(1899, 12, 30)).days
    return value


def _request_sheets(path: Path) -> list[dict]:
    """The sheets as the add-in posts them: Value2, and the cells shown as dates."""
    sheets = []
    for ws in openpyxl.load_workbook(path):
        rows = list(ws.iter_rows())
        sheets.append({"name": ws.title, "values": [[_as_value2(c.value) for c in row] for row in rows],
                       "dates": [[c.row - 1, c.column - 1] for row in rows for c in row if c.is_date]})
    return sheets


FINDING_KEYS = ("severity", "rule", "sheet", "cell", "message", "fix")


@pytest.fixture
def working_book(corpus, tmp_path, capsys) -> tuple[Path, list[dict]]:
    """A working workbook from ``fenjie decompose`` with mistakes typed in, and ``fenjie validate``'s findings."""
    work = tmp_path / "2024年工作要点.xlsx"
    assert main(["decompose", str(corpus / "plans" / "miaohang_2024.txt"), "-o", str(work),
                 "--sample-units", "庙行镇"]) == 0
    workbook = openpyxl.load_workbook(work)
    tasks = workbook["任务分解"]
    tasks["A4"] = tasks["A3"].value  # a duplicate 序号
    tasks["G5"] = "镇经发"  # a unit not in the directory
    tasks["I6"] = "尽快"  # a deadline that is no deadline
    tasks["E7"] = None  # a missing 任务内容
    tasks["I8"] = datetime(2024, 6, 30)  # a date cell: WPS posts it as the serial 45473
    workbook.save(work)
    capsys.readouterr()
    main(["validate", str(work), "--json", "--no-write", "--units", str(work), "--year", "2024"])
    cli = json.loads(capsys.readouterr().out)["findings"]
    assert {f["rule"] for f in cli} >= {"seq.duplicate", "unit.unknown", "required.empty", "deadline.unparsed"}
    # the 校验结果 sheet names each rule in Chinese; --json keeps the rule id
    return work, [{**{k: f[k] for k in FINDING_KEYS}, "rule": rule_name(f["rule"])} for f in cli]


def _findings(results: list[list]) -> list[dict]:
    """The 校验结果 sheet's rows as findings."""
    return [dict(zip(FINDING_KEYS, row[1:], strict=True)) for row in results[1:]]


def test_validate_through_the_service_matches_the_cli(service, working_book):
    work, cli = working_book
    status, _, answer = post(service, {"control": "btnValidate", "book": {"fullName": str(work),
                                                                         "sheets": _request_sheets(work)}},
                             {"X-FenJie-Token": TOKEN})
    assert status == 200
    results = next(a["values"] for a in answer["actions"] if a["type"] == "setValues" and a["sheet"] == "校验结果")
    assert _findings(results) == cli
    assert answer["actions"][-1]["message"].startswith("校验完成：")


@pytest.mark.skipif(NODE is None, reason="node is not installed (.ci/run installs it from the distribution)")
def test_validate_from_the_addin_js_matches_the_cli(addin_dir, service, working_book, tmp_path):
    """The whole path: the add-in's JS reads a workbook (values, number formats), posts to the service,
    writes the answer back; the 校验结果 it writes holds the CLI's findings."""
    work, cli = working_book
    sheets = {}
    for ws in openpyxl.load_workbook(work):
        sheets[ws.title] = {"values": [[_as_value2(v) for v in row] for row in ws.iter_rows(values_only=True)],
                            "formats": {c.coordinate: c.number_format for row in ws.iter_rows() for c in row
                                        if c.number_format != "General"}}
    workbook_json, result_json = tmp_path / "workbook.json", tmp_path / "result.json"
    workbook_json.write_text(json.dumps({"fullName": str(work), "sheets": sheets}, ensure_ascii=False), "utf-8")
    env = dict(os.environ, FENJIE_WPS_ADDIN=str(addin_dir), FENJIE_SERVICE_URL=service, FENJIE_SERVICE_TOKEN=TOKEN,
               FENJIE_WORKBOOK_JSON=str(workbook_json), FENJIE_RESULT_JSON=str(result_json))
    run = subprocess.run([NODE, "--test", "--test-name-pattern", "real working workbook",
                          str(REPO / "tests" / "wps_js" / "ribbon.test.js")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0 and "# pass 1" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
    result = json.loads(result_json.read_text(encoding="utf-8"))
    assert _findings(result["sheets"]["校验结果"]) == cli
    assert result["sheets"]["任务分解"] == [[None if v is None else v for v in row] for row in
                                          sheets["任务分解"]["values"]], "the task sheet is not rewritten"
    assert result["alerts"][0].startswith("校验完成：") and result["colors"]["任务分解"]


# ---------------------------------------------------------------- install / remove under a fake HOME


OTHER_PUBLISH = """<?xml version="1.0" encoding="UTF-8"?>
<jsplugins>
  <!-- 本单位公文助手 -->
  <jsplugin name="gongwen" type="wps" url="gongwen_2.1.0" version="2.1.0" enable="enable_dev" install="null"/>
  <jspluginonline name="oa" type="et" url="http://oa.local/addin/" enable="enable"/>
</jsplugins>
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    return tmp_path


def _jsaddons(home: Path) -> Path:
    return home / ".local" / "share" / "Kingsoft" / "wps" / "jsaddons"


def _names(path: Path) -> list[tuple[str, str | None]]:
    return [(e.tag, e.get("name")) for e in ET.parse(path).getroot() if isinstance(e.tag, str)]


def test_install_merges_registries_and_remove_keeps_the_others(home, capsys):
    jsaddons = _jsaddons(home)
    jsaddons.mkdir(parents=True)
    (jsaddons / "publish.xml").write_text(OTHER_PUBLISH, encoding="utf-8")
    assert main(["wps", "install", "--no-start"]) == 0
    out = capsys.readouterr().out
    folder = jsaddons / "fenjie_0.1.0"
    assert f"已安装 WPS 加载项：{folder}" in out and "请重启 WPS 表格" in out
    assert "尚未发现 WPS" not in out, "the jsaddons folder was there"
    assert (folder / "ribbon.xml").exists()

    publish = jsaddons / "publish.xml"
    assert _names(publish) == [("jsplugin", "gongwen"), ("jspluginonline", "oa"), ("jsplugin", "fenjie")]
    assert "本单位公文助手" in publish.read_text(encoding="utf-8"), "comments kept"
    mine = ET.parse(publish).getroot()[-1].attrib
    assert mine == {"name": "fenjie", "type": "et", "url": "fenjie_0.1.0", "version": "0.1.0",
                    "enable": "enable_dev", "install": "null", "customDomain": ""}
    backups = list(jsaddons.glob("publish.备份-*.xml"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == OTHER_PUBLISH
    assert f"原登记文件已备份：{backups[0]}" in out
    assert _names(jsaddons / "jsplugins.xml") == [("jsplugin", "fenjie")]
    assert ET.parse(jsaddons / "authwebsite.xml").getroot()[0].attrib == {"origin": "null", "name": "fenjie",
                                                                          "status": "enable"}

    token_file = home / ".config" / "fenjie" / "service.json"
    settings = json.loads(token_file.read_text(encoding="utf-8"))
    assert settings["port"] == 27000 + os.getuid() % 2000, "a port per user"
    config = folder / "js" / "config.js"
    for private in (token_file, config):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    assert json.loads(config.read_text(encoding="utf-8").split("=", 1)[1].rstrip(";\n")) == {
        "url": f"http://127.0.0.1:{settings['port']}", "token": settings["token"], "version": "0.1.0"}

    unit = home / ".config" / "systemd" / "user" / "fenjie.service"
    assert f"ExecStart={sys.executable} -m addin.cli serve" in unit.read_text(encoding="utf-8")
    wants = unit.parent / "default.target.wants" / "fenjie.service"
    assert wants.is_symlink() and wants.resolve() == unit

    assert main(["wps", "install", "--no-start"]) == 0, "installing again replaces FenJie's entries"
    assert _names(publish) == [("jsplugin", "gongwen"), ("jspluginonline", "oa"), ("jsplugin", "fenjie")]
    assert json.loads(token_file.read_text(encoding="utf-8")) == settings, "the token is kept"

    capsys.readouterr()
    assert main(["wps", "remove", "--no-stop"]) == 0
    assert "其他加载项的登记保持不变" in capsys.readouterr().out
    assert _names(publish) == [("jsplugin", "gongwen"), ("jspluginonline", "oa")]
    assert _names(jsaddons / "jsplugins.xml") == []
    assert not folder.exists() and not unit.exists() and not wants.is_symlink()


def test_install_says_when_wps_has_not_run(home, capsys):
    assert main(["wps", "install", "--no-start"]) == 0
    assert "注意：本机尚未发现 WPS 的加载项文件夹" in capsys.readouterr().out
    assert (_jsaddons(home) / "fenjie_0.1.0" / "ribbon.xml").exists()


def test_install_leaves_an_unreadable_registry_alone(home):
    jsaddons = _jsaddons(home)
    jsaddons.mkdir(parents=True)
    broken = "<jsplugins><jsplugin name='gongwen'"
    (jsaddons / "publish.xml").write_text(broken, encoding="utf-8")
    with pytest.raises(FenJieError, match="无法解析.*为免破坏其他加载项的登记，没有改动它"):
        wps_install.install(start=False)
    assert (jsaddons / "publish.xml").read_text(encoding="utf-8") == broken
    (jsaddons / "publish.xml").write_text("<websites/>", encoding="utf-8")
    with pytest.raises(FenJieError, match="根元素是 <websites>，不是 <jsplugins>"):
        wps_install.install(start=False)


def test_windows_locations_and_startup_entry(home, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    appdata = home / "AppData" / "Roaming"
    monkeypatch.setenv("APPDATA", str(appdata))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setattr(sys, "executable", str(home / "venv" / "Scripts" / "python.exe"))
    assert wps_install.jsaddons_dir() == appdata / "kingsoft" / "wps" / "jsaddons"
    startup = wps_install.autostart_path()
    assert startup == appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "FenJie 服务.cmd"
    assert wps_install.startup_cmd() == ('@echo off\r\nchcp 65001 >nul\r\n'
                                         f'start "" "%USERPROFILE%{os.sep}venv{os.sep}Scripts{os.sep}python.exe" '
                                         '-m addin.cli serve\r\n')


def test_doctor_reports_the_addin_and_the_service(home, capsys, service, monkeypatch):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "WPS 加载项：" in out and "（未安装）" in out and "FenJie 服务：未配置（运行 fenjie wps install）" in out
    assert main(["wps", "install", "--no-start"]) == 0
    token_file = home / ".config" / "fenjie" / "service.json"
    port = int(service.rsplit(":", 1)[1])
    token_file.write_text(json.dumps({"port": port, "token": TOKEN}), encoding="utf-8")
    token_file.chmod(0o600)
    capsys.readouterr()
    main(["doctor"])
    out = capsys.readouterr().out
    assert "（已安装）" in out and "WPS 登记（publish.xml）：已登记" in out
    assert f"FenJie 服务：http://127.0.0.1:{port}（运行中，版本 0.1.0）" in out
    assert "（仅本人可读）" in out
    token_file.write_text(json.dumps({"port": port, "token": "old"}), encoding="utf-8")
    main(["doctor"])
    out = capsys.readouterr().out
    assert "拒绝了本机令牌（403）" in out
    assert "WPS 授信记录" not in out, "no authaddin.json: nothing to say"


@pytest.mark.parametrize(
    ("auth", "line"),
    [({"et": {"gongwen": {"enable": True, "isload": True}}},
      "WPS 授信记录：尚无 FenJie（首次打开 WPS 表格时请在提示中选择信任）"),
     ({"et": {"fenjie_0.1.0": {"enable": True, "isload": True, "mode": 1}}}, "WPS 授信记录：enable=True，isload=True"),
     ({"et": [{"name": "fenjie", "enable": True, "isload": False}]},
      "WPS 授信记录：enable=True，isload=False（未加载：请在 WPS 加载项管理中启用 FenJie）")],
)
def test_doctor_reads_what_wps_recorded(home, capsys, auth, line):
    jsaddons = _jsaddons(home)
    jsaddons.mkdir(parents=True)
    (jsaddons / "authaddin.json").write_text(json.dumps(auth), encoding="utf-8")
    (jsaddons.parent / "jsaddinblockhost.ini").write_text("[block]\n", encoding="utf-8")
    main(["doctor"])
    out = capsys.readouterr().out.splitlines()
    assert line in out
    block = jsaddons.parent / "jsaddinblockhost.ini"
    assert f"发现 {block}：此版本 WPS 可能屏蔽第三方加载项，请使用政企版或联系管理员" in out


def test_time_budget_of_a_dispatch(service):
    """A click waits on a synchronous request: 帮助 answers well under a second."""
    start = time.perf_counter()
    dispatch(service, "btnHelp", {"Sheet1": [[None]]})
    assert time.perf_counter() - start < 1.0


NO_PRO_SCRIPT = """
import json, sys
from addin.wps.service import dispatch_request
sheets = [{"name": "设置", "values": [["选项", "值", "说明"], ["输出文件夹", sys.argv[1], ""]]}]
for control in ("btnHelp", "btnSettings", "btnValidate", "btnUnits"):
    dispatch_request({"control": control, "book": {"fullName": "/tmp/a.xlsx", "sheets": sheets}})
before_self_check = sorted(m for m in sys.modules if m.startswith("xlwings"))
dispatch_request({"control": "btnSelfCheck", "book": {"fullName": "/tmp/a.xlsx", "sheets": sheets}})
print(json.dumps([before_self_check, sorted(m for m in sys.modules if m.startswith("xlwings"))]))
"""


def test_no_xlwings_pro_code_in_the_service_path(tmp_path):
    """Without a licence key: the buttons never import xlwings; 自检 only its open-source core (for the version)."""
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    run = subprocess.run([sys.executable, "-c", NO_PRO_SCRIPT, str(tmp_path)], env=env, capture_output=True,
                         text=True, timeout=120, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    before, after = json.loads(run.stdout.splitlines()[-1])
    assert before == []
    assert not [m for m in after if m.startswith("xlwings.pro.") and m != "xlwings.pro.utils"], after


@pytest.mark.parametrize(
    ("value", "posted"),
    [(45473, datetime(2024, 6, 30)), (45473.5, datetime(2024, 6, 30, 12)), ("6月底前", "6月底前"),
     (True, True), (None, None), (-1, -1)],
)
def test_cells_shown_as_dates_become_dates(value, posted):
    book = RecordingBook.from_request({"book": {"fullName": "/tmp/a.xlsx", "sheets": [
        {"name": "设置", "values": [["统计日期", value]], "dates": [[0, 1], [5, 5]]}]}})
    assert book.sheets[0].used_range.value == [["统计日期", posted]]


@pytest.mark.parametrize(
    ("written", "sent"),
    [(date(2024, 6, 30), "2024-06-30"), (datetime(2024, 6, 30), "2024-06-30"),
     (datetime(2024, 6, 30, 8, 30), "2024-06-30 08:30:00"), (float("nan"), None), (float("inf"), None),
     (2.5, 2.5), ("文字", "文字")],
)
def test_written_values_are_json(written, sent):
    book = RecordingBook.from_request({"book": {"fullName": "/tmp/a.xlsx", "sheets": [{"name": "设置", "values": []}]}})
    book.sheets[0]["B2"].value = [[written]]
    assert book.actions == [{"type": "setValues", "sheet": "设置", "address": "B2", "values": [[sent]]}]
    assert json.loads(json.dumps(book.actions, allow_nan=False)) == book.actions


def test_install_and_remove_on_windows_paths(home, monkeypatch, capsys):
    """The Windows layout (simulated): %APPDATA%\\kingsoft\\wps\\jsaddons, token under %APPDATA%\\FenJie,
    a Startup-folder entry instead of a systemd unit."""
    monkeypatch.setattr(sys, "platform", "win32")
    appdata = home / "AppData" / "Roaming"
    monkeypatch.setenv("APPDATA", str(appdata))
    monkeypatch.setenv("USERPROFILE", str(home))
    assert main(["wps", "install", "--no-start"]) == 0
    jsaddons = appdata / "kingsoft" / "wps" / "jsaddons"
    assert (jsaddons / "fenjie_0.1.0" / "ribbon.xml").exists() and _names(jsaddons / "publish.xml") == [
        ("jsplugin", "fenjie")]
    assert json.loads((appdata / "FenJie" / "service.json").read_text(encoding="utf-8"))["port"] > 0
    startup = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "FenJie 服务.cmd"
    assert startup.read_bytes().startswith(b"@echo off\r\nchcp 65001 >nul\r\nstart ")
    assert not (home / ".config" / "systemd").exists()
    lines = wps_install.status_lines(probe=False)  # (doctor's Excel half imports xlwings: not under a fake win32)
    assert f"登录时启动服务：{startup}（已设置）" in lines
    assert f"服务令牌：{appdata / 'FenJie' / 'service.json'}（位于用户目录）" in lines
    assert main(["wps", "remove", "--no-stop"]) == 0
    assert not startup.exists() and not (jsaddons / "fenjie_0.1.0").exists()
    assert _names(jsaddons / "publish.xml") == []
