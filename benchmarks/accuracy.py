"""Accuracy of FenJie's decomposition against the official tables of the corpus.

Usage: python benchmarks/accuracy.py [--corpus DIR] [--show-misses NAME]

Rows are paired one-to-one by the character-bigram Dice coefficient of 任务内容
(>= 0.5, greedy, best pair first). Printed per plan: row recall, precision and F1;
over paired rows whose official row names units: the unit F1 with all roles pooled
and the role-exact share (lead, responsible and assist sets all equal); over paired
rows whose official row has a deadline: deadline agreement (normalized text equal);
over paired rows whose official row has a 任务名称: name agreement (bigram Dice of the
names >= 0.6). Over all produced rows: "cut-off" names, the share of 任务名称 that
are only the opening of the row's own 任务内容 (no person names a task that way).

Each plan runs with the bundled sample directory of its issuer (names on both
sides folded to the directory's full names, so 区府办 and 区政府办公室 agree).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from addin.deadlines import parse_deadline
from addin.pipeline import DraftOptions, draft_from_plan
from addin.units.directory import UnitDirectory, sample_directory

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAIR_THRESHOLD = 0.5
DIRECTORIES = {"shanghai_2021": "上海市", "zhenxin_2021": "真新街道", "putuo_2024": "普陀区",
               "miaohang_2024": "庙行镇", "baoshan_2020_table": "宝山区"}


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


def _roles(row, directory: UnitDirectory) -> tuple[frozenset, frozenset, frozenset]:
    get = (lambda r, k: r[k]) if isinstance(row, dict) else getattr
    return tuple(frozenset(directory.canonical(u.replace(" ", "")) for u in get(row, role))
                 for role in ("lead", "units", "assist"))


def _unit_scores(pairs, rows, truth_rows, directory) -> tuple[float | None, float | None]:
    tp = fp = fn = exact = judged = 0
    for i, j, _ in pairs:
        expected_roles = _roles(truth_rows[j], directory)
        expected = frozenset().union(*expected_roles)
        if not expected:
            continue
        got_roles = _roles(rows[i], directory)
        got = frozenset().union(*got_roles)
        tp, fp, fn = tp + len(got & expected), fp + len(got - expected), fn + len(expected - got)
        judged += 1
        exact += got_roles == expected_roles
    return (f1(tp, fp, fn)[2], exact / judged) if judged else (None, None)


def _deadline_agreement(pairs, rows, truth_rows, year) -> float | None:
    judged = [(rows[i], truth_rows[j]) for i, j, _ in pairs if truth_rows[j]["deadline"]]
    if not judged:
        return None
    agree = sum(parse_deadline(t["deadline"], year).display == r.deadline for r, t in judged)
    return agree / len(judged)


NAME_THRESHOLD = 0.6


def _name_agreement(pairs, rows, truth_rows) -> float | None:
    judged = [(rows[i].name, truth_rows[j]["name"]) for i, j, _ in pairs if truth_rows[j].get("name")]
    if not judged:
        return None
    return sum(dice(got, expected) >= NAME_THRESHOLD for got, expected in judged) / len(judged)


def is_cut_off(name: str, content: str) -> bool:
    """A name that is the opening of its own content, stopped short of a sentence's end."""
    clean = name.strip("。；，")
    return bool(clean) and content.startswith(clean) and len(clean) < len(content.rstrip("。；")) and \
        content[len(clean):len(clean) + 1] not in ("。", "；", "")


def _cut_off_share(rows) -> float:
    return sum(is_cut_off(r.name, r.content) for r in rows) / len(rows) if rows else 0.0


def score_plan(truth_file: Path, corpus: Path) -> dict:
    """Decompose the plan behind ``truth_file`` and score it."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    directory = sample_directory(DIRECTORIES[truth["name"]])
    draft = draft_from_plan(corpus / truth["plan"], DraftOptions(directory=directory))
    rows, truth_rows = draft.rows, truth["rows"]
    pairs = pair_rows([r.content for r in rows], [t["content"] for t in truth_rows])
    recall, precision, row_f1 = f1(len(pairs), len(rows) - len(pairs), len(truth_rows) - len(pairs))
    unit_f1, role_exact = _unit_scores(pairs, rows, truth_rows, directory)
    deadline = _deadline_agreement(pairs, rows, truth_rows, draft.outline.year or 2024)
    return {"name": truth["name"], "rows": len(rows), "truth": len(truth_rows),
            "recall": recall, "precision": precision, "f1": row_f1, "unit_f1": unit_f1,
            "role_exact": role_exact, "deadline": deadline,
            "names": _name_agreement(pairs, rows, truth_rows), "cut_off": _cut_off_share(rows),
            "pairs": pairs, "produced": rows, "truth_rows": truth_rows}


def _show_misses(result: dict) -> None:
    paired_p = {i for i, _, _ in result["pairs"]}
    paired_t = {j for _, j, _ in result["pairs"]}
    for i, row in enumerate(result["produced"]):
        if i not in paired_p:
            print(f"  + {row.source}: {row.content[:70]}")
    for j, row in enumerate(result["truth_rows"]):
        if j not in paired_t:
            print(f"  - {row['seq']}: {row['content'][:70]}")


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show-misses", metavar="NAME", default="")
    args = parser.parse_args(argv)
    print("| plan | rows | official | recall | precision | row F1 | unit F1 | role-exact | deadline | name "
          "| cut-off names |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for truth_file in sorted((args.corpus / "truth").glob("*.json")):
        if not json.loads(truth_file.read_text(encoding="utf-8")).get("plan"):
            continue
        r = score_plan(truth_file, args.corpus)
        figures = [_figure(r[key]) for key in ("unit_f1", "role_exact", "deadline", "names", "cut_off")]
        print(f"| {r['name']} | {r['rows']} | {r['truth']} | {r['recall']:.3f} | "
              f"{r['precision']:.3f} | {r['f1']:.3f} | {' | '.join(figures)} |")
        if args.show_misses == r["name"]:
            _show_misses(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
