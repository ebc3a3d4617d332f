"""Plain-text plans: decode UTF-8 (with or without BOM), UTF-16 and GB18030/GBK.

Python has no trustworthy charset detector in the standard library and the
third-party guessers mislabel short Chinese texts, so the choice is made by
strict decoding in a fixed order plus a plausibility check of the result; a file
that fits none is an error rather than a silent mis-decode.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..errors import PlanReadError
from .model import PlanText, SourceLine

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # \f (page break) is fine
_PLAUSIBLE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\s\x20-\x7e]")


def decode_text(data: bytes, name: str) -> str:
    """Decode the bytes of a text plan, or raise :class:`PlanReadError`.

    Args:
        data: The raw file content.
        name: The file name, for the error message.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data, encoding, name)
    for encoding in _candidates(data):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    raise PlanReadError(
        f"无法识别文件“{name}”的文字编码：请另存为 UTF-8 或 GBK 编码的文本文件后重试。"
    )


def _candidates(data: bytes) -> list[str]:
    # UTF-16 without a BOM shows NUL bytes in every other position.
    sample = data[:4000]
    if sample and sample.count(0) > len(sample) // 4:
        return ["utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"]
    return ["utf-8", "gb18030"]


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PlanReadError(
            f"文件“{name}”标明为 {encoding.upper()} 编码，但第 {exc.start} 字节处无法解码。"
        ) from None


def _looks_like_text(text: str) -> bool:
    if not text.strip() or _CONTROL.search(text):
        return False
    plausible = len(_PLAUSIBLE.findall(text))
    return plausible >= 0.95 * len(text)


def read_text_plan(path: Path) -> PlanText:
    """Read a .txt plan: one :class:`SourceLine` per non-empty line, numbered as in an editor."""
    text = decode_text(path.read_bytes(), path.name)
    lines = [
        SourceLine(line, f"第{number}行", number - 1)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    return PlanText(path, lines)
