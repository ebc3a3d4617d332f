"""Unusable input gets one clear Chinese line from the CLI, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from addin.cli import main


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _garbage_docx(path: Path) -> Path:
    path.write_bytes(os.urandom(4096))
    return path


def _broken_zip_docx(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return path


def _encrypted_pdf(path: Path) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=A4,
                        encrypt=StandardEncryption("secret", ownerPassword="owner"))
    pdf.drawString(72, 720, "secret plan")
    pdf.save()
    return path


def _scanned_pdf(path: Path) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(72, 300, 400, 400, fill=1)  # a page image stands in for a scan: no text layer
    pdf.showPage()
    pdf.save()
    return path


def _garbage_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(2000))
    return path


def _unstructured(path: Path) -> Path:
    path.write_text("今年要继续做好政务公开工作。各部门要高度重视，认真落实。\n", encoding="utf-8")
    return path


def _huge(path: Path) -> Path:
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    return path


def _binary_txt(path: Path) -> Path:
    path.write_bytes(b"\x00\x01\x02\x03" * 100 + b"\xff\xfe\x00")
    return path


CASES = [
    ("empty.txt", _empty, "错误：文件“empty.txt”是空文件。"),
    ("garbage.docx", _garbage_docx,
     "错误：文件“garbage.docx”不是有效的 Word 文档（.docx）：文件可能已损坏，或是被改了扩展名的其他文件。"),
    ("notword.docx", _broken_zip_docx,
     "错误：文件“notword.docx”无法作为 Word 文档打开：请用 Word 另存为 .docx 后重试。"),
    ("locked.pdf", _encrypted_pdf, "错误：PDF 文件“locked.pdf”设有打开密码：请先取消密码保护后再导入。"),
    ("scan.pdf", _scanned_pdf,
     "错误：PDF 文件“scan.pdf”中没有可提取的文字，可能是扫描件（图片）：请提供 Word 版或文字版 PDF，"
     "或先做文字识别（OCR）。"),
    ("broken.pdf", _garbage_pdf, "错误：文件“broken.pdf”不是有效的 PDF 文件，或已损坏。"),
    ("prose.txt", _unstructured,
     "错误：文件“prose.txt”中未识别到“一、（一）1.”等编号结构，无法分解任务：请确认这是一份分条列项的工作要点。"),
    ("huge.txt", _huge,
     "错误：文件“huge.txt”有 50 MB，超过上限 30 MB，不像是一份工作要点：请确认选择的文件。"),
    ("binary.txt", _binary_txt,
     "错误：无法识别文件“binary.txt”的文字编码：请另存为 UTF-8 或 GBK 编码的文本文件后重试。"),
    ("plan.xyz", lambda p: (p.write_text("x"), p)[1],
     "错误：不支持的文件类型“.xyz”（plan.xyz）：请提供 .docx、.pdf、.txt、.doc 或 .wps 文件"
     "（上级下发的任务分解表可为 .xlsx/.xls/.et）。"),
]


@pytest.mark.parametrize(("name", "make", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_plan_gives_one_clear_line(tmp_path, capsys, name, make, message):
    path = make(tmp_path / name)
    assert main(["decompose", str(path), "-o", str(tmp_path / "out.xlsx")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == message
    assert not (tmp_path / "out.xlsx").exists()


def test_missing_file(tmp_path, capsys):
    assert main(["decompose", str(tmp_path / "none.docx")]) == 1
    assert capsys.readouterr().err.strip() == f"错误：找不到文件“{tmp_path / 'none.docx'}”。"


def test_doc_without_libreoffice(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    assert main(["decompose", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        "错误：文件“old.doc”是 .doc 格式，需要 LibreOffice 才能转换，本机未安装："
        "请在 Word 或 WPS 中“另存为”.docx 后再导入。")
