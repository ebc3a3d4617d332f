"""Accuracy floors against the official tables (scored by benchmarks/accuracy.py).

Not a timing test: these numbers are deterministic. The floors are the issue's
targets where they are met and the current figure where not (zhenxin_2021), so a
change that makes decomposition worse fails here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from accuracy import dice, pair_rows, score_plan  # noqa: E402

# (plan, row F1, unit F1, role-exact, deadline agreement): issue targets where met,
# the current figure where not (see docs/BENCHMARKS.md for why).
FLOORS = [
    ("miaohang_2024", 0.97, 0.95, 0.80, 0.85),
    ("putuo_2024", 0.97, 0.95, 0.80, None),
    ("shanghai_2021", 0.85, 0.75, 0.65, 0.56),
    ("zhenxin_2021", 0.78, 0.75, 0.35, 0.64),
]


@pytest.mark.parametrize(("name", "row_f1", "unit_f1", "role_exact", "deadline"), FLOORS)
def test_accuracy_floors(corpus, name, row_f1, unit_f1, role_exact, deadline):
    result = score_plan(corpus / "truth" / f"{name}.json", corpus)
    assert result["f1"] >= row_f1
    assert result["unit_f1"] >= unit_f1
    assert result["role_exact"] >= role_exact
    if deadline is not None:
        assert result["deadline"] >= deadline


def test_dice_and_pairing():
    assert dice("做好信息公开", "做好信息公开") == 1.0
    assert dice("甲乙丙丁", "戊己庚辛") == 0.0
    assert pair_rows(["做好信息公开工作", "无关内容甲乙"], ["做好信息公开", "完全不同的话"]) == [
        (0, 0, dice("做好信息公开工作", "做好信息公开"))]
