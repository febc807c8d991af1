"""Scoring stored findings against a ground truth of planted cases (the sandbox's, or yours).

A ground-truth row is ``{"detector", "subject_id", "label": true|false, ...}``: ``true`` rows
are cases the detector must find, ``false`` rows hard negatives it must not flag. A finding on
a subject the truth does not list counts as a false positive (unlisted content is clean).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table


class PrecisionRecall:
    """Precision, recall and F1 of anything with ``tp``, ``fp`` and ``fn`` counts."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


#: finding statuses that no longer accuse anyone (a supervisor's decision, or a later scan)
INACTIVE = frozenset({"dismissed", "false_positive", "resolved", "closed", "cleared"})


@dataclass
class Score(PrecisionRecall):
    """Confusion counts of one detector against a ground truth."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def score_findings(truth: Iterable[dict[str, Any]], findings: Iterable[dict[str, Any]],
                   ) -> dict[str, Score]:
    """Per detector named in the truth: what the findings got right, wrong and missed."""
    positives: dict[str, set[str]] = {}
    for row in truth:
        positives.setdefault(row["detector"], set())
        if row.get("label", True):
            positives[row["detector"]].add(str(row["subject_id"]))
    found: dict[str, set[str]] = {name: set() for name in positives}
    for f in findings:
        if f.get("detector") in found and f.get("status") not in INACTIVE:
            found[f["detector"]].add(str(f.get("subject_id")))
    scores = {}
    for name in sorted(positives):
        pos, got = positives[name], found[name]
        scores[name] = Score(tp=len(pos & got), fp=len(got - pos), fn=len(pos - got),
                             false_positives=sorted(got - pos), missed=sorted(pos - got))
    return scores


def scores_table(scores: dict[str, Score], title: str) -> Any:
    """A rich table of scores (found, false positives, missed, precision, recall)."""
    table = Table(title=title)
    for col in ("detector", "found", "false +", "missed", "precision", "recall"):
        table.add_column(col, justify="left" if col == "detector" else "right")

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.2f}"

    for name, sc in scores.items():
        table.add_row(name, str(sc.tp), str(sc.fp), str(sc.fn), pct(sc.precision), pct(sc.recall))
    total = Score(tp=sum(s.tp for s in scores.values()), fp=sum(s.fp for s in scores.values()),
                  fn=sum(s.fn for s in scores.values()))
    table.add_row("ALL", str(total.tp), str(total.fp), str(total.fn), pct(total.precision),
                  pct(total.recall), style="bold")
    return table
