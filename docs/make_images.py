"""Render the reference images in docs/images: each output's first page through LibreOffice.

Usage: python docs/make_images.py [--corpus DIR]

任务分解表: the 2021 Shanghai plan's official table (corpus truth) through the
bundled template; 工作台账, 单位反馈表 and 进度汇总: the ``fenjie demo`` cycle.
Look at every PNG after running this (the point is to see what users get).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from table_builders import build_official_table  # noqa: E402

from addin.cli import main  # noqa: E402

IMAGES = REPO / "docs" / "images"


def first_page_png(xlsx: Path, png: Path, work: Path) -> None:
    """xlsx → PDF (LibreOffice, own profile) → first page PNG at 70 dpi (A4 landscape ≈ 819 px)."""
    profile = f"file://{work}/lo-profile-{os.getpid()}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(xlsx)], check=True, capture_output=True, timeout=300)
    pdf = work / (xlsx.stem + ".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(work / png.stem)], check=True, timeout=120)
    shutil.copy(work / f"{png.stem}.png", png)
    print(png)


def build(corpus: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        table = build_official_table(corpus / "truth" / "shanghai_2021.json", work / "source.xlsx")
        official = work / "任务分解表.xlsx"
        assert main(["render", str(table), "-o", str(official)]) == 0
        first_page_png(official, IMAGES / "任务分解表_第1页.png", work)
        demo = work / "demo"
        assert main(["demo", "-o", str(demo)]) == 0
        first_page_png(demo / "4_工作台账.xlsx", IMAGES / "工作台账_第1页.png", work)
        form = sorted((demo / "6_回收反馈表").glob("*.xlsx"))[0]
        first_page_png(form, IMAGES / "单位反馈表_第1页.png", work)
        first_page_png(demo / "8_进度汇总.xlsx", IMAGES / "进度汇总_第1页.png", work)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    build(parser.parse_args().corpus)
