"""Accuracy of FenJie's decomposition against the official tables of the corpus.

Usage: python benchmarks/accuracy.py [--corpus DIR] [--show-misses NAME]

Rows are paired one-to-one by the character-bigram Dice coefficient of 任务内容
(>= 0.5, greedy, best pair first). Printed per plan: row recall, precision and F1;
for paired rows whose official row names units, the unit F1 with all roles pooled.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from addin.decompose import decompose
from addin.outline import parse_outline
from addin.plan import read_plan

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAIR_THRESHOLD = 0.5


def bigrams(text: str) -> list[str]:
    """Character bigrams of ``text`` without whitespace and punctuation."""
    chars = [c for c in text if c.isalnum()]
    return [a + b for a, b in zip(chars, chars[1:], strict=False)]


def dice(a: str, b: str) -> float:
    """Dice coefficient of the bigram multisets of ``a`` and ``b``."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    pool = {}
    for gram in x:
        pool[gram] = pool.get(gram, 0) + 1
    shared = 0
    for gram in y:
        if pool.get(gram, 0) > 0:
            pool[gram] -= 1
            shared += 1
    return 2 * shared / (len(x) + len(y))


def pair_rows(produced: list[str], truth: list[str]) -> list[tuple[int, int, float]]:
    """Greedy one-to-one pairs (produced index, truth index, score), best first."""
    scored = sorted(
        ((dice(p, t), i, j) for i, p in enumerate(produced) for j, t in enumerate(truth)),
        reverse=True,
    )
    used_p, used_t, pairs = set(), set(), []
    for score, i, j in scored:
        if score < PAIR_THRESHOLD:
            break
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            pairs.append((i, j, score))
    return pairs


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Recall, precision, F1 from counts."""
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    score = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return recall, precision, score


def _units(row) -> set[str]:
    lead, units, assist = (row["lead"], row["units"], row["assist"]) if isinstance(row, dict) else (
        row.lead, row.units, row.assist)
    return {u.replace(" ", "") for u in [*lead, *units, *assist]}


def score_plan(truth_file: Path, corpus: Path) -> dict:
    """Decompose the plan behind ``truth_file`` and score it."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    rows = decompose(parse_outline(read_plan(corpus / truth["plan"])))
    pairs = pair_rows([r.content for r in rows], [t["content"] for t in truth["rows"]])
    recall, precision, row_f1 = f1(len(pairs), len(rows) - len(pairs), len(truth["rows"]) - len(pairs))
    tp = fp = fn = 0
    for i, j, _ in pairs:
        expected = _units(truth["rows"][j])
        if expected:
            got = _units(rows[i])
            tp, fp, fn = tp + len(got & expected), fp + len(got - expected), fn + len(expected - got)
    unit_f1 = f1(tp, fp, fn)[2] if tp + fn else None
    return {"name": truth["name"], "rows": len(rows), "truth": len(truth["rows"]),
            "recall": recall, "precision": precision, "f1": row_f1, "unit_f1": unit_f1,
            "pairs": pairs, "produced": rows, "truth_rows": truth["rows"]}


def _show_misses(result: dict) -> None:
    paired_p = {i for i, _, _ in result["pairs"]}
    paired_t = {j for _, j, _ in result["pairs"]}
    for i, row in enumerate(result["produced"]):
        if i not in paired_p:
            print(f"  + {row.source}: {row.content[:70]}")
    for j, row in enumerate(result["truth_rows"]):
        if j not in paired_t:
            print(f"  - {row['seq']}: {row['content'][:70]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show-misses", metavar="NAME", default="")
    args = parser.parse_args(argv)
    print("| plan | rows | official | recall | precision | row F1 | unit F1 |")
    print("|---|---|---|---|---|---|---|")
    for truth_file in sorted((args.corpus / "truth").glob("*.json")):
        if not json.loads(truth_file.read_text(encoding="utf-8")).get("plan"):
            continue
        r = score_plan(truth_file, args.corpus)
        unit = "—" if r["unit_f1"] is None else f"{r['unit_f1']:.3f}"
        print(f"| {r['name']} | {r['rows']} | {r['truth']} | {r['recall']:.3f} | "
              f"{r['precision']:.3f} | {r['f1']:.3f} | {unit} |")
        if args.show_misses == r["name"]:
            _show_misses(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
