"""Text plans in every encoding offices use, and text that is no text."""

from __future__ import annotations

import codecs

import pytest

from addin.errors import PlanReadError
from addin.plan import read_plan

SAMPLE = "2024年某区政务公开工作要点\n一、总体要求\n（一）做好公开。各部门要及时公开信息。\n"


@pytest.mark.parametrize(
    "encoded",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        SAMPLE.encode("gb18030"),
        SAMPLE.encode("gbk"),
        SAMPLE.encode("utf-16"),  # with BOM
        SAMPLE.encode("utf-16-le"),  # without BOM
        SAMPLE.encode("utf-16-be"),
        SAMPLE.replace("\n", "\r\n").encode("gbk"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16-bom", "utf16le", "utf16be", "gbk-crlf"],
)
def test_encodings_decode_to_the_same_text(tmp_path, encoded):
    path = tmp_path / "plan.txt"
    path.write_bytes(encoded)
    assert [line.text for line in read_plan(path).lines] == SAMPLE.split("\n")[:3]


def test_lines_keep_their_line_numbers(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("\n\n标题要点\n\n一、总体要求\n", encoding="utf-8")
    assert [line.where for line in read_plan(path).lines] == ["第3行", "第5行"]


def test_undecodable_text_names_the_file(tmp_path):
    path = tmp_path / "乱码.txt"
    path.write_bytes(bytes(range(128, 256)) * 20)
    with pytest.raises(PlanReadError, match="无法识别文件“乱码.txt”的文字编码"):
        read_plan(path)
