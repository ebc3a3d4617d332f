"""Legacy Word (.doc) and WPS (.wps) plans, converted to .docx by LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import PlanReadError

_TIMEOUT_SECONDS = 120


def soffice_path() -> str | None:
    """The LibreOffice executable on the PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(path: Path, workdir: Path) -> Path:
    """Convert ``path`` to .docx inside ``workdir`` with headless LibreOffice."""
    soffice = soffice_path()
    if soffice is None:
        raise PlanReadError(
            f"文件“{path.name}”是 {path.suffix} 格式，需要 LibreOffice 才能转换，本机未安装："
            "请在 Word 或 WPS 中“另存为”.docx 后再导入。"
        )
    profile = Path(tempfile.mkdtemp(prefix="fenjie-lo-"))
    command = [
        soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
        "--convert-to", "docx", "--outdir", str(workdir), str(path),
    ]
    try:
        subprocess.run(command, capture_output=True, timeout=_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise PlanReadError(f"转换文件“{path.name}”超时：请另存为 .docx 后再导入。") from None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    converted = workdir / (path.stem + ".docx")
    if not converted.exists():
        raise PlanReadError(f"LibreOffice 无法转换文件“{path.name}”：文件可能已损坏，请另存为 .docx 后再导入。")
    return converted
