"""Emailing each unit its own workbook through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import csv
import email
import io
import socket
from email import policy
from email.header import decode_header, make_header
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from table_builders import build_official_table

from addin.cli import main
from addin.progress.ledger import load_ledger
from addin.progress.split import SHEET_FORM
from addin.units.directory import sample_directory

REFUSED = "refuse-me@units.test"


class Recorder:
    """An SMTP handler that keeps every message, can refuse one address and can go away."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.drop_after: int | None = None  # close connections once this many messages arrived
        self.down = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.down:
            server.transport.close()
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            self.down = True
            server.transport.close()  # between two messages: nothing half-delivered
            return "421 going away"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    handler = Recorder()
    handler.port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def ledger(corpus, tmp_path):
    table = build_official_table(corpus / "truth" / "miaohang_2024.json", tmp_path / "分解表.xlsx")
    path = tmp_path / "台账.xlsx"
    assert main(["ledger", str(table), "-o", str(path)]) == 0
    assert main(["split", str(path), "-o", str(tmp_path / "下发"), "--round", "2024年第3季度"]) == 0
    units = load_ledger(path).expected_units
    directory = sample_directory("庙行镇")
    rows = [["单位全称", "简称/别名", "类别", "所属分组", "职责关键词", "默认单位", "联系人", "电话", "邮箱"]]
    for i, unit in enumerate(units):
        known = directory.resolve(unit)
        rows.append([unit, "；".join(known.aliases) if known else "", "", "", "", "", f"联系人{i}", "",
                     f"unit{i}@units.test"])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (tmp_path / "名录.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _send(ledger: Path, smtp: Recorder, *extra: str) -> int:
    return main(["mail", "send", str(ledger), "--forms", str(ledger.parent / "下发"), "--units",
                 str(ledger.parent / "名录.csv"), "--via", "smtp", "--smtp-host", "127.0.0.1", "--smtp-port",
                 str(smtp.port), "--security", "none", "--from", "gongkai@town.test", "--office", "镇党政办",
                 "--phone", "021-12345678", "--feedback-deadline", "2024年9月25日", *extra])


def _attachment(message) -> tuple[str, bytes]:
    parts = list(message.iter_attachments())
    assert len(parts) == 1, "exactly one attachment"
    return parts[0].get_filename(), parts[0].get_payload(decode=True)


def test_every_unit_gets_exactly_its_own_workbook_once(ledger, smtp, capsys):
    assert _send(ledger, smtp) == 0
    issued = load_ledger(ledger).issued
    by_address = {}
    for message in smtp.messages:
        by_address.setdefault(message["To"].addresses[0].addr_spec, []).append(message)
    assert len(smtp.messages) == len(issued) and all(len(v) == 1 for v in by_address.values())
    for message in smtp.messages:
        name, data = _attachment(message)
        unit = name.split("_")[1]
        assert message["Subject"] == f"【请反馈】2024年庙行镇政务公开工作要点（2024年第3季度·{unit}）"
        assert data == (ledger.parent / "下发" / name).read_bytes()
        sheet = openpyxl.load_workbook(io.BytesIO(data))[SHEET_FORM]
        ids = {row[1] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]}
        assert ids == set(issued[unit]), "only its own tasks"
        body = message.get_body(("plain",)).get_content()
        assert "于2024年9月25日前" in body and "电话：021-12345678" in body
        assert body.startswith(f"联系人{sorted(load_ledger(ledger).expected_units).index(unit)}同志：") or \
            body.split("：")[0].endswith("同志")
    capsys.readouterr()
    assert _send(ledger, smtp) == 0, "a second run sends nothing new"
    assert len(smtp.messages) == len(issued)
    assert f"已发送过跳过 {len(issued)}" in capsys.readouterr().out
    log = list(openpyxl.load_workbook(ledger)["发送记录"].values)
    assert log[0][:7] == ("时间", "类型", "轮次", "单位", "邮箱", "Message-ID", "结果")
    assert sorted(r[3] for r in log[1:]) == sorted(issued) and {r[6] for r in log[1:]} == {"成功"}


def test_a_refused_recipient_does_not_stop_the_others(ledger, smtp, capsys):
    rows = list(csv.reader(io.StringIO((ledger.parent / "名录.csv").read_text(encoding="utf-8"))))
    rows[1][8] = REFUSED
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (ledger.parent / "名录.csv").write_text(buffer.getvalue(), encoding="utf-8")
    assert _send(ledger, smtp) == 1
    out = capsys.readouterr().out
    assert f"{rows[1][0]}\t失败\t收件人被服务器拒收：{REFUSED}" in out
    assert len(smtp.messages) == len(load_ledger(ledger).issued) - 1


def test_dropped_connection_loses_nothing_and_resumes(ledger, smtp, capsys):
    smtp.drop_after = 3
    assert _send(ledger, smtp) == 1
    assert "邮件服务器断开连接" in capsys.readouterr().err
    assert len(smtp.messages) == 3
    smtp.drop_after, smtp.down = None, False
    assert _send(ledger, smtp) == 0
    addresses = [m["To"].addresses[0].addr_spec for m in smtp.messages]
    assert len(addresses) == len(set(addresses)) == len(load_ledger(ledger).issued)


def _name_without_rfc2231(raw: bytes) -> str:
    """The attachment name as a client that ignores RFC 2231 reads it: Content-Type name=, RFC 2047."""
    message = email.message_from_bytes(raw, policy=policy.compat32)
    part = next(p for p in message.walk() if p.get_content_maintype() == "application")
    value = part.get_param("name")
    assert isinstance(value, str), "a plain name= parameter, not name*="
    return str(make_header(decode_header(value)))


def test_eml_files_every_client_reads(ledger, tmp_path):
    out = tmp_path / "待发"
    assert main(["mail", "send", str(ledger), "--forms", str(tmp_path / "下发"), "--units",
                 str(tmp_path / "名录.csv"), "--out", str(out), "--from", "gongkai@town.test",
                 "--feedback-deadline", "2024-10-10"]) == 0
    files = sorted(out.glob("*.eml"))
    issued = load_ledger(ledger).issued
    assert sorted(f.name for f in files) == sorted(f"{unit}_2024年第3季度.eml" for unit in issued)
    for path in files:
        raw = path.read_bytes()
        assert raw.isascii(), "headers and body are MIME-encoded"
        assert all(len(line) <= 998 for line in raw.splitlines())
        unit = path.name.split("_")[0]
        for mail_policy in (policy.compat32, policy.default):
            message = email.message_from_bytes(raw, policy=mail_policy)
            assert message["X-Unsent"] == "1", "Outlook opens it as a draft to send"
            parts = [p for p in message.walk() if p.get_content_maintype() == "application"]
            assert len(parts) == 1 and (ledger.parent / "下发" / parts[0].get_filename()).is_file()
            subject = str(make_header(decode_header(message["Subject"])))
            assert subject == f"【请反馈】2024年庙行镇政务公开工作要点（2024年第3季度·{unit}）"
        name = email.message_from_bytes(raw, policy=policy.default).get_filename() or \
            _attachment(email.message_from_bytes(raw, policy=policy.default))[0]
        assert _name_without_rfc2231(raw) == name and unit in name
        body = email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
        assert "于2024年10月10日前" in body and "-10-10" not in body


def test_preview_lists_what_is_missing(ledger, capsys):
    rows = list(csv.reader(io.StringIO((ledger.parent / "名录.csv").read_text(encoding="utf-8"))))
    rows[1][8], rows[2][8] = "", "not-an-address"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (ledger.parent / "名录.csv").write_text(buffer.getvalue(), encoding="utf-8")
    assert main(["mail", "preview", str(ledger), "--forms", str(ledger.parent / "下发"), "--units",
                 str(ledger.parent / "名录.csv")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(rows[1][0]) and lines[0].endswith("单位名录中没有邮箱")
    assert lines[1].endswith("邮箱“not-an-address”格式不正确")
    assert lines[-1] == f"共 {len(lines) - 1} 封：{len(lines) - 3} 封可发送，2 封有问题。"


def test_reminders_list_exactly_the_red_and_yellow_tasks(ledger, smtp, capsys):
    returns = ledger.parent / "回收"
    returns.mkdir()
    form = next((ledger.parent / "下发").glob("*镇党政办*"))
    workbook = openpyxl.load_workbook(form)
    sheet = workbook[SHEET_FORM]
    for row in range(4, sheet.max_row + 1):
        sheet[f"H{row}"] = "已完成"
    workbook.save(returns / form.name)
    assert main(["merge", str(ledger), str(returns)]) == 0
    args = ["mail", "remind", str(ledger), "--units", str(ledger.parent / "名录.csv"), "--via", "smtp",
            "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port), "--security", "none",
            "--from", "gongkai@town.test", "--as-of", "2024-10-20"]
    assert main(args) == 0
    ledger_data = load_ledger(ledger)
    # Every other unit is silent on its 全年 tasks at 80 % of the year: yellow (未反馈), chased;
    # 镇党政办 finished everything: green, not chased; 配合-only units are not chased.
    silent_units = {u for u, ids in ledger_data.issued.items() for i in ids
                    if u != "镇党政办" and ledger_data.by_id()[i].role_of(u) in ("牵头", "责任")}
    subjects = {m["Subject"] for m in smtp.messages}
    assert silent_units and all(any(f"：{u}有" in s for s in subjects) for u in silent_units)
    assert len(smtp.messages) == len(silent_units)
    assert not any("：镇党政办有" in s for s in subjects), "a unit that finished everything is not chased"
    reminder = next(m for m in smtp.messages if "：镇司法所有" in m["Subject"])
    body = reminder.get_body(("plain",)).get_content()
    assert "【黄】" in body and "完成时限：全年，到期日期：2024年12月31日；当前状态：本单位未反馈" in body
    assert not list(reminder.iter_attachments())


def test_smtp_login_without_password_is_a_clear_error(ledger, capsys, monkeypatch):
    monkeypatch.delenv("FENJIE_SMTP_PASSWORD", raising=False)
    code = main(["mail", "send", str(ledger), "--forms", str(ledger.parent / "下发"), "--units",
                 str(ledger.parent / "名录.csv"), "--via", "smtp", "--smtp-host", "127.0.0.1", "--user", "me"])
    assert code == 1
    assert capsys.readouterr().err.strip().startswith("错误：未提供邮箱密码：请设置环境变量 FENJIE_SMTP_PASSWORD")
