// The WPS add-in's JS, run without WPS: node:vm loads config.js, buttons.js and ribbon.js of a
// built add-in (FENJIE_WPS_ADDIN) into a context with a fake Application/workbook and a fake
// XMLHttpRequest, and the tests check what is posted and what is written back.
// Run by tests/test_wps.py (`node --test`); FENJIE_SERVICE_URL/TOKEN add a round trip to a real service.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { execFileSync } = require("node:child_process");

const ADDIN = process.env.FENJIE_WPS_ADDIN;
if (!ADDIN) {
  throw new Error("FENJIE_WPS_ADDIN (a folder written by `fenjie wps build`) is not set");
}

// ------------------------------------------------------------------ a fake WPS workbook

function columnIndex(letters) {
  let index = 0;
  for (const ch of letters) index = index * 26 + ch.charCodeAt(0) - 64;
  return index;
}

function parseBlock(address) {
  const [first, last] = address.split(":");
  const cell = (a) => {
    const m = /^([A-Z]+)([0-9]+)$/.exec(a);
    return { column: columnIndex(m[1]), row: parseInt(m[2], 10) };
  };
  return { top: cell(first), bottom: cell(last || first) };
}

class FakeSheet {
  constructor(book, name, values) {
    this.book = book;
    this.Name = name;
    this.grid = values.map((row) => row.slice());
    this.Visible = -1;
    this.colors = {};
    this.formats = {}; // "B2" -> number format; the rest "G/通用格式"
    const sheet = this;
    this.Cells = { ClearContents() { sheet.grid = []; book.log.push(["clear", sheet.Name]); } };
  }

  get UsedRange() {
    const rows = Math.max(1, this.grid.length);
    const columns = Math.max(1, ...this.grid.map((r) => r.length));
    return { Row: 1, Column: 1, Rows: { Count: rows }, Columns: { Count: columns } };
  }

  Range(address) {
    const sheet = this;
    const { top, bottom } = parseBlock(address);
    return {
      get Value2() {
        sheet.book.reads.push([sheet.Name, address]);
        const rows = [];
        for (let r = top.row; r <= bottom.row; r++) {
          const row = [];
          for (let c = top.column; c <= bottom.column; c++) {
            const line = sheet.grid[r - 1] || [];
            row.push(line[c - 1] === undefined ? undefined : line[c - 1]);
          }
          rows.push(row);
        }
        // WPS gives one cell's value as a value, a block's as rows
        return rows.length === 1 && rows[0].length === 1 ? rows[0][0] : rows;
      },
      set Value2(values) {
        sheet.book.log.push(["set", sheet.Name, address, values]);
        values.forEach((row, i) => {
          const r = top.row - 1 + i;
          while (sheet.grid.length <= r) sheet.grid.push([]);
          row.forEach((v, j) => { sheet.grid[r][top.column - 1 + j] = v; });
        });
      },
      get NumberFormat() {
        sheet.book.formatReads += 1;
        const seen = new Set();
        for (let r = top.row; r <= bottom.row; r++) {
          for (let c = top.column; c <= bottom.column; c++) {
            seen.add(sheet.formats[String.fromCharCode(64 + c) + r] || "G/通用格式");
          }
        }
        return seen.size === 1 ? [...seen][0] : null; // as Excel: null when the block mixes formats
      },
      Interior: {
        set Color(value) { sheet.colors[address] = value; sheet.book.log.push(["color", sheet.Name, address, value]); },
      },
    };
  }

  Activate() {
    this.book.ActiveSheet = this;
    this.book.log.push(["activate", this.Name]);
  }
}

class FakeBook {
  constructor(fullName, sheets) {
    this.FullName = fullName;
    this.log = [];
    this.reads = [];
    this.formatReads = 0;
    this.sheets = Object.entries(sheets).map(([name, values]) => new FakeSheet(this, name, values));
    this.ActiveSheet = this.sheets[0];
    const book = this;
    this.Worksheets = {
      get Count() { return book.sheets.length; },
      Item(i) { return book.sheets[i - 1]; },
      Add(before, after) {
        const sheet = new FakeSheet(book, "Sheet" + (book.sheets.length + 1), []);
        book.sheets.splice(book.sheets.indexOf(after) + 1, 0, sheet);
        book.ActiveSheet = sheet; // as in Excel and WPS
        book.log.push(["add", after.Name]);
        return sheet;
      },
    };
  }

  sheet(name) {
    return this.sheets.find((s) => s.Name === name);
  }
}

// ------------------------------------------------------------------ the add-in in a vm context

function loadAddin({ book, answer, picked = false }) {
  const posted = [];
  const alerts = [];
  const dialogs = [];
  class FakeXMLHttpRequest {
    open(method, url, async) { this.method = method; this.url = url; this.async = async; this.headers = {}; }
    setRequestHeader(name, value) { this.headers[name] = value; }
    send(body) {
      const request = { method: this.method, url: this.url, async: this.async, headers: this.headers,
        body: JSON.parse(body) };
      posted.push(request);
      const reply = answer(request, posted.length);
      this.status = reply.status;
      this.responseText = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    }
  }
  const application = {
    ActiveWorkbook: book,
    ScreenUpdating: true,
    StatusBar: false,
    GetOpenFilename(filter, index, title) { dialogs.push({ filter, index, title }); return picked; },
  };
  const context = vm.createContext({ XMLHttpRequest: FakeXMLHttpRequest, JSON, Math, Error, String });
  context.window = context;
  context.window.Application = application;
  context.window.alert = (message) => alerts.push(message);
  for (const file of ["js/config.js", "js/buttons.js", "js/ribbon.js"]) {
    vm.runInContext(fs.readFileSync(path.join(ADDIN, file), "utf8"), context, { filename: file });
  }
  // a built (not installed) add-in has no token: give it one as `fenjie wps install` does
  vm.runInContext('FENJIE_CONFIG.token = FENJIE_CONFIG.token || "test-token";', context);
  return { context, posted, alerts, dialogs, application };
}

function click(addin, id) {
  return addin.context.OnAction({ Id: id });
}

const SETTINGS = [["选项", "值", "说明"], ["统计日期", 45585, ""]];

function workingBook() {
  return new FakeBook("/home/张三/文档/2024年要点.xlsx", {
    "说明": [["这是用户自己的工作表", "不该被发送"]],
    "设置": SETTINGS,
    "任务分解": [["序号", "任务名称"], [1, "推进政务公开"]],
    "_备份_任务分解": [["序号"], [1]],
  });
}

// ------------------------------------------------------------------ tests

test("posts FenJie's sheets only, synchronously, with the token; dates stay serial numbers", () => {
  const book = workingBook();
  const addin = loadAddin({ book, answer: () => ({ status: 200, body: { actions: [] } }) });
  assert.equal(click(addin, "btnValidate"), true);
  assert.equal(addin.posted.length, 1);
  const [request] = addin.posted;
  assert.equal(request.method, "POST");
  assert.equal(request.async, false, "the request is synchronous");
  assert.match(request.url, /^http:\/\/127\.0\.0\.1:\d+\/dispatch$/);
  assert.equal(request.headers["X-FenJie-Token"], "test-token");
  assert.match(request.headers["Content-Type"], /charset=utf-8/);
  assert.equal(request.body.control, "btnValidate");
  assert.equal(request.body.book.fullName, "/home/张三/文档/2024年要点.xlsx");
  assert.deepEqual(request.body.book.sheets.map((s) => s.name), ["说明", "设置", "任务分解", "_备份_任务分解"]);
  assert.equal("values" in request.body.book.sheets[0], false, "the user's own sheet is not sent");
  assert.deepEqual(request.body.book.sheets[1].values, SETTINGS, "45585 is posted as it is");
  assert.equal("dates" in request.body.book.sheets[1], false, "no cell is shown as a date");
  assert.deepEqual(request.body.book.sheets[3].values, [["序号"], [1]]);
  assert.deepEqual(book.reads.map((r) => r[0]), ["设置", "任务分解", "_备份_任务分解"]);
  assert.equal(addin.application.ScreenUpdating, true);
  assert.equal(addin.application.StatusBar, false, "the status bar is given back");
});

test("cells shown as dates are listed, their serial numbers posted as they are", () => {
  const book = new FakeBook("/tmp/a.xlsx", {
    "设置": [["选项", "值"], ["统计日期", 45585], ["轮次", "2024年第3季度"]],
    "任务分解": [["序号", "到期日期"], [1, 45473], [2, 45565]],
  });
  book.sheet("设置").formats.B2 = "yyyy\"年\"m\"月\"d\"日\"";
  book.sheet("任务分解").formats = { B1: "yyyy/m/d", B2: "yyyy/m/d", B3: "yyyy/m/d" };
  const addin = loadAddin({ book, answer: () => ({ status: 200, body: { actions: [] } }) });
  click(addin, "btnSummary");
  const [settings, tasks] = addin.posted[0].body.book.sheets;
  assert.deepEqual(settings.values[1], ["统计日期", 45585]);
  assert.deepEqual(settings.dates, [[1, 1]]);
  assert.deepEqual(tasks.dates, [[0, 1], [1, 1], [2, 1]]);
  assert.equal(book.formatReads, 2 + 3 + 2, "per cell only in the column that mixes formats");
  const isDate = addin.context.FenJie.isDateFormat;
  for (const format of ["yyyy/m/d", "m/d/yy h:mm", "[$-F800]dddd, mmmm dd, yyyy", "[h]:mm:ss", "mm\"月\"dd\"日\""]) {
    assert.equal(isDate(format), true, format);
  }
  for (const format of ["G/通用格式", "General", "0.00", "#,##0\"元\"", "@", "[红色]0%", "0\"天\""]) {
    assert.equal(isDate(format), false, format);
  }
});

test("one cell's value arrives as rows", () => {
  const book = new FakeBook("工作簿1", { "设置": [["选项"]] });
  const addin = loadAddin({ book, answer: () => ({ status: 200, body: { actions: [] } }) });
  click(addin, "btnHelp");
  assert.deepEqual(addin.posted[0].body.book.sheets[0].values, [["选项"]]);
});

test("applies every action type in order", () => {
  const book = workingBook();
  const actions = [
    { type: "addSheet", sheet: "校验结果", after: "_备份_任务分解", before: null },
    { type: "setValues", sheet: "校验结果", address: "A1", values: [["级别", "位置"], ["错误"]] },
    { type: "clearContents", sheet: "任务分解" },
    { type: "setValues", sheet: "任务分解", address: "B2", values: [["改写"]] },
    { type: "setColor", sheet: "任务分解", address: "A2", color: "#FFC7CE", bgr: 13551615 },
    { type: "hideSheet", sheet: "_备份_任务分解" },
    { type: "activateSheet", sheet: "校验结果" },
    { type: "alert", message: "校验完成：1 错误。", title: "FenJie · 校验" },
  ];
  const addin = loadAddin({ book, answer: () => ({ status: 200, body: { actions } }) });
  click(addin, "btnValidate");
  const results = book.sheet("校验结果");
  assert.deepEqual(book.sheets.map((s) => s.Name), ["说明", "设置", "任务分解", "_备份_任务分解", "校验结果"]);
  assert.deepEqual(results.grid, [["级别", "位置"], ["错误", null]], "a ragged block is written as a rectangle");
  assert.deepEqual(book.log.find((e) => e[0] === "set" && e[1] === "校验结果").slice(2, 3), ["A1:B2"]);
  assert.equal(book.sheet("任务分解").grid.length, 2, "cleared, then B2 written");
  assert.deepEqual([book.sheet("任务分解").grid[0].length, book.sheet("任务分解").grid[1][1]], [0, "改写"]);
  assert.equal(book.sheet("任务分解").colors.A2, 13551615);
  assert.equal(book.sheet("_备份_任务分解").Visible, 0);
  assert.deepEqual(book.log.at(-1), ["activate", "校验结果"]);
  assert.deepEqual(addin.alerts, ["校验完成：1 错误。"]);
  assert.deepEqual(book.sheet("说明").grid, [["这是用户自己的工作表", "不该被发送"]], "untouched");
});

test("the sheet the user was on stays active unless FenJie activates one", () => {
  const book = workingBook();
  book.sheet("任务分解").Activate();
  book.log = [];
  const actions = [{ type: "addSheet", sheet: "_备份_设置", after: "_备份_任务分解" },
    { type: "hideSheet", sheet: "_备份_设置" }, { type: "alert", message: "好。" }];
  const addin = loadAddin({ book, answer: () => ({ status: 200, body: { actions } }) });
  click(addin, "btnDeadlines");
  assert.equal(book.ActiveSheet.Name, "任务分解");
  assert.deepEqual(book.log.at(-1), ["activate", "任务分解"]);
});

test("a service that does not answer gets a Chinese message saying how to start it", () => {
  const book = workingBook();
  const addin = loadAddin({ book, answer: () => { throw new Error("net::ERR_CONNECTION_REFUSED"); } });
  assert.equal(click(addin, "btnValidate"), true);
  assert.equal(addin.alerts.length, 1);
  assert.match(addin.alerts[0], /^无法连接 FenJie 服务（http:\/\/127\.0\.0\.1:\d+）。/);
  assert.match(addin.alerts[0], /fenjie serve/);
  assert.match(addin.alerts[0], /fenjie wps install/);
  assert.deepEqual(book.log, [], "nothing written");
});

test("a refused request (403) says what to do, and writes nothing", () => {
  const book = workingBook();
  const addin = loadAddin({ book, answer: () => ({ status: 403, body: { error: "令牌不对。" } }) });
  click(addin, "btnDecompose");
  assert.deepEqual(addin.alerts, ["FenJie 服务拒绝了请求：令牌不对。请重新运行 fenjie wps install，然后重启 WPS。"]);
  assert.deepEqual(book.log, []);
});

test("a service error (400) is shown with its message", () => {
  const addin = loadAddin({ book: workingBook(), answer: () => ({ status: 400, body: { error: "请求中没有按钮（control）。" } }) });
  click(addin, "btnDecompose");
  assert.deepEqual(addin.alerts, ["FenJie 服务出错（400）：请求中没有按钮（control）。"]);
});

test("pickFile shows WPS' file dialog and posts again with the file", () => {
  const book = workingBook();
  const answers = [
    { status: 200, body: { actions: [{ type: "pickFile", title: "选择上级要点文件", filter: "要点 (*.docx),*.docx", control: "btnImportPlan" }] } },
    { status: 200, body: { actions: [{ type: "alert", message: "已导入。" }] } },
  ];
  const addin = loadAddin({ book, answer: (request, n) => answers[n - 1], picked: "/home/张三/要点.docx" });
  click(addin, "btnImportPlan");
  assert.deepEqual(addin.dialogs, [{ filter: "要点 (*.docx),*.docx", index: 1, title: "选择上级要点文件" }]);
  assert.equal(addin.posted.length, 2);
  assert.equal(addin.posted[1].body.picked, "/home/张三/要点.docx");
  assert.equal("picked" in addin.posted[0].body, false);
  assert.deepEqual(addin.alerts, ["已导入。"]);
});

test("a cancelled dialog posts picked=false once, never loops", () => {
  const answer = () => ({ status: 200, body: { actions: [{ type: "pickFile", title: "选择", filter: "" }] } });
  const addin = loadAddin({ book: workingBook(), answer, picked: false });
  click(addin, "btnImportPlan");
  assert.equal(addin.posted.length, 2);
  assert.equal(addin.posted[1].body.picked, false);
  assert.deepEqual(addin.alerts, ["FenJie 服务没有完成“导入上级要点”：请重新运行 fenjie wps install 更新加载项后重试。"]);
});

test("sendSheets: the add-in posts again with the sheets the service asks for", () => {
  const book = workingBook();
  const answers = [
    { status: 200, body: { actions: [{ type: "sendSheets", sheets: ["说明"], control: "btnRemind" }] } },
    { status: 200, body: { actions: [{ type: "alert", message: "好。" }] } },
  ];
  const addin = loadAddin({ book, answer: (request, n) => answers[n - 1] });
  click(addin, "btnRemind");
  assert.equal(addin.posted.length, 2);
  assert.equal("values" in addin.posted[0].body.book.sheets[0], false);
  assert.deepEqual(addin.posted[1].body.book.sheets[0].values, [["这是用户自己的工作表", "不该被发送"]]);
  assert.deepEqual(addin.alerts, ["好。"]);
});

test("a service that keeps asking is asked three times at most", () => {
  const asks = [{ type: "sendSheets", sheets: ["说明"] }, { type: "pickFile", title: "选择", filter: "" },
    { type: "sendSheets", sheets: ["说明"] }, { type: "alert", message: "不该到这里" }];
  const addin = loadAddin({ book: workingBook(), answer: (request, n) => ({ status: 200, body: { actions: [asks[n - 1]] } }),
    picked: "/tmp/a.docx" });
  click(addin, "btnHelp");
  assert.equal(addin.posted.length, 3);
  assert.deepEqual(addin.alerts, ["FenJie 服务没有完成“帮助”：请重新运行 fenjie wps install 更新加载项后重试。"]);
});

test("an action the add-in does not know stops with a message", () => {
  const book = workingBook();
  const actions = [{ type: "setValues", sheet: "设置", address: "A1", values: [["改"]] },
    { type: "drawChart", sheet: "设置" }, { type: "alert", message: "不该显示" }];
  const addin = loadAddin({ book, answer: () => ({ status: 200, body: { actions } }) });
  click(addin, "btnSummary");
  assert.equal(addin.alerts.length, 1);
  assert.match(addin.alerts[0], /不认识的操作“drawChart”，没有写入任何内容/);
  assert.deepEqual(book.log, [], "nothing applied");
});

test("no open workbook, no request", () => {
  const addin = loadAddin({ book: null, answer: () => assert.fail("posted") });
  click(addin, "btnHelp");
  assert.deepEqual(addin.alerts, ["请先打开或新建一个工作簿，再使用 FenJie。"]);
});

test("the callbacks of ribbon.xml: onLoad, onAction, getImage", () => {
  const addin = loadAddin({ book: workingBook(), answer: () => ({ status: 200, body: { actions: [] } }) });
  const ribbonUI = { Invalidate() {} };
  assert.equal(addin.context.OnAddinLoad(ribbonUI), true);
  assert.equal(addin.application.ribbonUI, ribbonUI);
  const ribbon = fs.readFileSync(path.join(ADDIN, "ribbon.xml"), "utf8");
  const ids = [...ribbon.matchAll(/<button id="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(ids.length >= 15);
  for (const id of ids) {
    const image = addin.context.GetImage({ Id: id });
    assert.ok(fs.existsSync(path.join(ADDIN, image)), `${id}: ${image}`);
  }
  assert.equal(addin.context.FenJie.blockAddress("B2", 3, 27), "B2:AB4");
});

test("callbacks are synchronous functions (an async callback hid the ribbon in one WPS build)", () => {
  const source = fs.readFileSync(path.join(ADDIN, "js", "ribbon.js"), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  assert.doesNotMatch(source, /\basync\b|\bawait\b|\bPromise\b|\bfetch\(/);
  const addin = loadAddin({ book: workingBook(), answer: () => ({ status: 200, body: { actions: [] } }) });
  for (const name of ["OnAddinLoad", "OnAction", "GetImage"]) {
    assert.equal(addin.context[name].constructor.name, "Function", name);
  }
});

// ------------------------------------------------------------------ with a real service

const SERVICE = process.env.FENJIE_SERVICE_URL;

// A synchronous POST from Node: a child process does the request (Node has no synchronous XHR).
function realAnswer(request) {
  const script = `fetch(${JSON.stringify(SERVICE + "/dispatch")}, {method: "POST", headers: ${JSON.stringify(request.headers)},
    body: ${JSON.stringify(JSON.stringify(request.body))}}).then(async (r) => process.stdout.write(JSON.stringify({status: r.status,
    type: r.headers.get("content-type"), body: await r.text()})))`;
  const reply = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
  assert.equal(reply.type, "application/json; charset=utf-8");
  return { status: reply.status, body: reply.body };
}

test("round trip through the real service: 设置 written into the workbook", { skip: !SERVICE && "no service" }, () => {
  const book = new FakeBook("/tmp/工作簿.xlsx", { "Sheet1": [] });
  const addin = loadAddin({ book, answer: realAnswer });
  vm.runInContext(`FENJIE_CONFIG.url = ${JSON.stringify(SERVICE)}; FENJIE_CONFIG.token = ${JSON.stringify(process.env.FENJIE_SERVICE_TOKEN)};`, addin.context);
  click(addin, "btnSettings");
  assert.deepEqual(book.sheets.map((s) => s.Name), ["Sheet1", "设置"]);
  const settings = book.sheet("设置").grid;
  assert.deepEqual(settings[0], ["选项", "值", "说明"]);
  assert.equal(settings[1][0], "上级要点文件");
  assert.deepEqual(book.log.at(-1), ["activate", "设置"]);
  assert.deepEqual(addin.alerts, ["请在“设置”工作表中填写各项设置。"]);
});

test("the real service refuses a wrong token: nothing written", { skip: !SERVICE && "no service" }, () => {
  const book = new FakeBook("/tmp/工作簿.xlsx", { "Sheet1": [] });
  const addin = loadAddin({ book, answer: realAnswer });
  vm.runInContext(`FENJIE_CONFIG.url = ${JSON.stringify(SERVICE)}; FENJIE_CONFIG.token = "wrong";`, addin.context);
  click(addin, "btnSettings");
  assert.deepEqual(book.log, []);
  assert.match(addin.alerts[0], /^FenJie 服务拒绝了请求：令牌不对/);
});

// ------------------------------------------------------------------ a real working workbook

const WORKBOOK = process.env.FENJIE_WORKBOOK_JSON;

test("a real working workbook through the real service: 校验", { skip: !(WORKBOOK && SERVICE) && "no workbook" }, () => {
  const given = JSON.parse(fs.readFileSync(WORKBOOK, "utf8"));
  const book = new FakeBook(given.fullName, Object.fromEntries(
    Object.entries(given.sheets).map(([name, sheet]) => [name, sheet.values])));
  for (const [name, sheet] of Object.entries(given.sheets)) {
    book.sheet(name).formats = sheet.formats;
  }
  const addin = loadAddin({ book, answer: realAnswer });
  vm.runInContext(`FENJIE_CONFIG.url = ${JSON.stringify(SERVICE)}; FENJIE_CONFIG.token = ${JSON.stringify(process.env.FENJIE_SERVICE_TOKEN)};`, addin.context);
  click(addin, "btnValidate");
  const posted = addin.posted[0].body.book.sheets.find((s) => s.name === "任务分解");
  assert.ok(posted.dates.length > 0, "the date cell is listed");
  const result = { sheets: {}, colors: {}, alerts: addin.alerts };
  for (const sheet of book.sheets) {
    result.sheets[sheet.Name] = sheet.grid.map((row) => Array.from(row, (v) => (v === undefined ? null : v)));
    result.colors[sheet.Name] = sheet.colors;
  }
  fs.writeFileSync(process.env.FENJIE_RESULT_JSON, JSON.stringify(result));
});
