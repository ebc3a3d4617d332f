/*
 * FenJie 任务分解助手 for WPS 表格: the ribbon callbacks.
 *
 * Every button does the same thing: read FenJie's sheets of the active workbook
 * (values as Range.Value2 gives them: nothing is converted here, dates stay serial
 * numbers and the cells shown as dates are listed, for the service to convert),
 * post them to the local FenJie service with a synchronous request,
 * and apply the actions it answers with (setValues, addSheet, hideSheet, …).
 * The engine lives in the service; this file only moves values.
 *
 * Callbacks stay synchronous: an async ribbon callback hid the whole tab in one
 * WPS build. ES5 only, for the older Chromium of WPS on 信创 Linux.
 *
 * Loaded after config.js (FENJIE_CONFIG: service url and token, written by
 * `fenjie wps install`) and buttons.js (FENJIE_RIBBON: labels, icons and the
 * sheet names, generated from macros/customUI14.xml by `fenjie wps build`).
 */
var FenJie = (function () {
  "use strict";

  var START_HINT = "请先启动 FenJie 服务：在终端（Windows 为命令提示符）运行 fenjie serve，" +
    "或重新运行 fenjie wps install（会设置登录后自动启动），然后再点一次按钮。";

  function application() {
    return window.Application;
  }

  function say(message) {
    window.alert(message);
  }

  function contains(names, name) {
    for (var i = 0; i < names.length; i++) {
      if (names[i] === name) {
        return true;
      }
    }
    return false;
  }

  function isFenJieSheet(name) {
    return contains(FENJIE_RIBBON.sheets, name) || name.indexOf(FENJIE_RIBBON.backupPrefix) === 0;
  }

  function columnName(index) {
    var name = "";
    while (index > 0) {
      var rest = (index - 1) % 26;
      name = String.fromCharCode(65 + rest) + name;
      index = Math.floor((index - 1) / 26);
    }
    return name;
  }

  function columnIndex(letters) {
    var index = 0;
    for (var i = 0; i < letters.length; i++) {
      index = index * 26 + letters.charCodeAt(i) - 64;
    }
    return index;
  }

  /* A block's address: `cell` is its top-left corner, e.g. "A1" -> "A1:K29". */
  function blockAddress(cell, rows, columns) {
    var parts = /^([A-Z]+)([0-9]+)$/.exec(cell);
    var top = parseInt(parts[2], 10);
    var left = columnIndex(parts[1]);
    return cell + ":" + columnName(left + columns - 1) + (top + rows - 1);
  }

  /* Value2 of one cell is a value, of a block an array of rows: always rows here. */
  function asRows(values) {
    if (values === undefined || values === null) {
      return [[null]];
    }
    if (!Array.isArray(values)) {
      return [[values]];
    }
    if (values.length > 0 && !Array.isArray(values[0])) {
      return [values];
    }
    return values;
  }

  /* Whether a number format shows a date or time (quoted text, [colour] and \x escapes aside). */
  function isDateFormat(format) {
    if (typeof format !== "string" || /^(general|standard|g\/通用格式)$/i.test(format)) {
      return false;
    }
    return /[ydmhs]/i.test(format.replace(/"[^"]*"|\[[^\]]*\]|\\./g, ""));
  }

  /* Cells shown as dates, as [row, column] from 0: the service turns their serial numbers into
     dates, as Excel's Range.Value would. One format read per column; per cell only where a
     column mixes formats (its header, typically). */
  function dateCells(sheet, rows, columns) {
    var found = [];
    for (var c = 1; c <= columns; c++) {
      var letter = columnName(c);
      var format = sheet.Range(letter + "1:" + letter + rows).NumberFormat;
      for (var r = 1; r <= rows; r++) {
        if (format === null || format === undefined ? isDateFormat(sheet.Range(letter + r).NumberFormat)
          : isDateFormat(format)) {
          found.push([r - 1, c - 1]);
        }
      }
    }
    return found;
  }

  /* A sheet's values from A1 to the end of its used range, and which of them are dates. */
  function readSheet(sheet) {
    var used = sheet.UsedRange;
    var rows = used.Row + used.Rows.Count - 1;
    var columns = used.Column + used.Columns.Count - 1;
    var entry = { name: sheet.Name, values: asRows(sheet.Range(blockAddress("A1", rows, columns)).Value2) };
    var dates = dateCells(sheet, rows, columns);
    if (dates.length > 0) {
      entry.dates = dates;
    }
    return entry;
  }

  /* The request's book: every sheet's name, values of FenJie's sheets (and of `more`) only. */
  function readBook(book, more) {
    var sheets = [];
    for (var i = 1; i <= book.Worksheets.Count; i++) {
      var sheet = book.Worksheets.Item(i);
      sheets.push(isFenJieSheet(sheet.Name) || contains(more, sheet.Name) ? readSheet(sheet) : { name: sheet.Name });
    }
    return { fullName: book.FullName, sheets: sheets };
  }

  /* POST to the service, synchronously. Returns {status, body}; status 0 when nobody answers. */
  function post(body) {
    var request = new XMLHttpRequest();
    try {
      request.open("POST", FENJIE_CONFIG.url + "/dispatch", false);
      request.setRequestHeader("Content-Type", "application/json; charset=utf-8");
      request.setRequestHeader("X-FenJie-Token", FENJIE_CONFIG.token);
      request.send(JSON.stringify(body));
    } catch (error) {
      return { status: 0, body: null };
    }
    var answer = null;
    try {
      answer = JSON.parse(request.responseText);
    } catch (error) {
      answer = null;
    }
    return { status: request.status, body: answer };
  }

  function sheetNamed(book, name) {
    for (var i = 1; i <= book.Worksheets.Count; i++) {
      if (book.Worksheets.Item(i).Name === name) {
        return book.Worksheets.Item(i);
      }
    }
    throw new Error("找不到工作表“" + name + "”");
  }

  function rectangular(values) {
    var width = 0;
    var i;
    for (i = 0; i < values.length; i++) {
      width = Math.max(width, values[i].length);
    }
    var rows = [];
    for (i = 0; i < values.length; i++) {
      var row = values[i].slice();
      while (row.length < width) {
        row.push(null);
      }
      rows.push(row);
    }
    return { rows: rows, width: width };
  }

  var APPLY = {
    setValues: function (book, action) {
      var block = rectangular(action.values);
      if (block.width === 0) {
        return;
      }
      var sheet = sheetNamed(book, action.sheet);
      sheet.Range(blockAddress(action.address, block.rows.length, block.width)).Value2 = block.rows;
    },
    clearContents: function (book, action) {
      sheetNamed(book, action.sheet).Cells.ClearContents();
    },
    addSheet: function (book, action) {
      var count = book.Worksheets.Count;
      var after = action.after ? sheetNamed(book, action.after) : book.Worksheets.Item(count);
      var sheet = book.Worksheets.Add(null, after);
      sheet.Name = action.sheet;
    },
    hideSheet: function (book, action) {
      sheetNamed(book, action.sheet).Visible = 0;
    },
    showSheet: function (book, action) {
      sheetNamed(book, action.sheet).Visible = -1;
    },
    activateSheet: function (book, action) {
      sheetNamed(book, action.sheet).Activate();
    },
    setColor: function (book, action) {
      sheetNamed(book, action.sheet).Range(action.address).Interior.Color = action.bgr;
    },
    alert: function (book, action) {
      say(action.message);
    }
  };

  /* Apply every action in order; none at all when one of them is unknown to this add-in. */
  function applyAll(book, actions) {
    var i;
    for (i = 0; i < actions.length; i++) {
      if (!APPLY.hasOwnProperty(actions[i].type)) {
        say("FenJie 服务返回了加载项不认识的操作“" + actions[i].type + "”，没有写入任何内容：" +
          "请重新运行 fenjie wps install 更新加载项。");
        return;
      }
    }
    var app = application();
    var active = book.ActiveSheet;
    var activated = false;
    app.ScreenUpdating = false;
    try {
      for (i = 0; i < actions.length; i++) {
        APPLY[actions[i].type](book, actions[i]);
        activated = activated || actions[i].type === "activateSheet";
      }
      if (!activated && active) {
        active.Activate(); /* adding a sheet activates it: give the user back the sheet they were on */
      }
    } catch (error) {
      say("写回工作簿时出错：" + (error && error.message ? error.message : error) +
        "。已写入的部分可用“撤销上一步”恢复。");
    } finally {
      app.ScreenUpdating = true;
    }
  }

  function explain(answer) {
    if (answer.status === 0) {
      return "无法连接 FenJie 服务（" + FENJIE_CONFIG.url + "）。" + START_HINT;
    }
    var why = answer.body && answer.body.error ? String(answer.body.error).replace(/。$/, "") : "";
    if (answer.status === 403) {
      return "FenJie 服务拒绝了请求：" + (why || "令牌不对") + "。请重新运行 fenjie wps install，然后重启 WPS。";
    }
    return "FenJie 服务出错（" + answer.status + "）：" + (why || "没有说明") + "。";
  }

  /* One button: post, then apply. Two answers ask before anything is applied: pickFile (show
     WPS' file dialog, post again with the file) and sendSheets (post again with those sheets). */
  function run(control) {
    var app = application();
    var book = app.ActiveWorkbook;
    if (!book) {
      say("请先打开或新建一个工作簿，再使用 FenJie。");
      return false;
    }
    if (!FENJIE_CONFIG.token) {
      say("FenJie 加载项尚未配置：请运行 fenjie wps install，然后重启 WPS。");
      return false;
    }
    var label = FENJIE_RIBBON.labels[control] || control;
    var request = { control: control, book: readBook(book, []) };
    var more = null;
    try {
      app.StatusBar = "FenJie：正在" + label + "……";
    } catch (ignored) { /* not every build has a status bar */ }
    try {
      while (true) {
        var answer = post(request);
        if (answer.status !== 200 || !answer.body || !Array.isArray(answer.body.actions)) {
          say(explain(answer));
          return false;
        }
        var actions = answer.body.actions;
        var ask = actions.length === 1 ? actions[0] : {};
        if (ask.type === "pickFile" && !("picked" in request)) {
          request.picked = app.GetOpenFilename(ask.filter, 1, ask.title) || false;
        } else if (ask.type === "sendSheets" && more === null) {
          more = ask.sheets || [];
          request.book = readBook(book, more);
        } else if (ask.type === "pickFile" || ask.type === "sendSheets") {
          break; /* asked twice: never loop */
        } else {
          applyAll(book, actions);
          return true;
        }
      }
      say("FenJie 服务没有完成“" + label + "”：请重新运行 fenjie wps install 更新加载项后重试。");
      return false;
    } finally {
      try {
        app.StatusBar = false;
      } catch (ignored) { /* see above */ }
    }
  }

  return { run: run, readBook: readBook, blockAddress: blockAddress, columnName: columnName,
    isDateFormat: isDateFormat };
}());

/* Ribbon callbacks named in ribbon.xml. */
function OnAddinLoad(ribbonUI) {
  if (typeof window.Application.ribbonUI !== "object") {
    window.Application.ribbonUI = ribbonUI;
  }
  return true;
}

function OnAction(control) {
  FenJie.run(control.Id);
  return true;
}

function GetImage(control) {
  return FENJIE_RIBBON.icons[control.Id] || "images/fenjie.svg";
}
