"""Shared fixtures: the corpus beside the repository, and plan files built from it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Test-only: the xlwings remote engine (xw.Book(json=…)) is xlwings PRO code; its
# license is read when xlwings is first imported, so set it before any test module runs.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

sys.path.insert(0, str(Path(__file__).parent))

from builders import build_docx, build_pdf  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
PLANS = ("miaohang_2024", "putuo_2024", "shanghai_2021", "zhenxin_2021")


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus; CI clones the repository with shared/ beside it."""
    assert (CORPUS / "plans").is_dir(), f"corpus not found at {CORPUS}"
    return CORPUS


@pytest.fixture(scope="session")
def plan_files(corpus, tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Every corpus plan as .txt (original), .docx (auto-numbered) and .pdf."""
    out = tmp_path_factory.mktemp("plans")
    files = {}
    for name in PLANS:
        source = corpus / "plans" / f"{name}.txt"
        files[name] = {
            "txt": source,
            "docx": build_docx(source, out / f"{name}.docx"),
            "pdf": build_pdf(source, out / f"{name}.pdf"),
        }
    return files
