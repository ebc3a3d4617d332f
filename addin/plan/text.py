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
    # GBK and UTF-8 text never holds a NUL byte; UTF-16 without a BOM does (in every
    # ASCII character, such as each line break). Its byte order is the one whose
    # decoding yields ASCII and Chinese punctuation rather than stray scripts.
    if 0 not in data:
        return ["utf-8", "gb18030"]
    return sorted(["utf-16-le", "utf-16-be"], key=lambda enc: -_common_share(data, enc))


def _common_share(data: bytes, encoding: str) -> float:
    text = data[:4000].decode(encoding, errors="replace")
    common = sum(1 for c in text if c < "\x7f" or c in "，。、；：“”（）《》")
    return common / max(1, len(text))


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PlanReadError(
            f"文件“{name}”标明为 {encoding.upper()} 编码，但第 {exc.start} 字节处无法解码。"
        ) from None


def _looks_like_text(text: str) -> bool:
    # A stray control character (pasted from Word) is tolerated and removed later;
    # many of them mean binary data.
    if not text.strip() or len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
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
