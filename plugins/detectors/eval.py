"""Precision and recall of the detectors on labeled cases and on a planted ground truth.

Usage::

    python -m govspider_plugins.detectors.eval                      # labeled cases of every detector
    python -m govspider_plugins.detectors.eval --ground-truth GT.json --items ITEMS.jsonl [--now ISO]

Labeled cases live in ``tests/detectors/cases/<detector>.jsonl``, one JSON object a line::

    {"item": {"item_type": "post", "text": "..."}, "expect": true, "rule": "...",
     "note": "...", "related": [...], "settings": {...}, "registry": {...}, "now": "ISO"}

``related`` holds other items the detector needs (an account's posts, metrics); a missing
``_id`` is filled in. A row is *predicted positive* when the detector yields a finding about
the row's item (and with ``rule`` when given). The ground truth is a JSON list (or JSON lines)
of ``{"detector", "subject_type", "subject_id", "rule"?}``; findings of a detector about other
subjects are false positives.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from govspider.detection import DetectContext, Detector, build_histories, run_detectors
from govspider.evaluation import PrecisionRecall
from govspider.plugins import installed_plugins
from govspider.processors import parse_time
from govspider.registry import AccountRegistry

from ._model import models_disabled, shipped_model
from .realcases import DEFAULT_NOW, HISTORY_DAYS, REAL_DIR, load_real

CASES_DIR = Path(__file__).resolve().parents[2] / "tests" / "detectors" / "cases"


@dataclass
class Counts(PrecisionRecall):
    """Confusion counts of one detector."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[str] = field(default_factory=list)
    #: ids of the cases the detector flagged (for a multi-item case: found what was expected,
    #: or, expecting nothing, found anything), so breakdowns of a run need not run it again
    flagged: set[str] = field(default_factory=set)


@dataclass
class Case:
    detector: str
    line: int
    row: dict[str, Any]

    @property
    def expect(self) -> bool:
        return bool(self.row.get("expect"))

    @property
    def id(self) -> str:
        if self.row.get("id"):
            return str(self.row["id"])
        note = self.row.get("note", "")
        return f"{self.detector}:{self.line}:{'pos' if self.expect else 'neg'}:{note[:30]}"


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every row of every ``<detector>.jsonl`` in ``directory``."""
    cases = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name}:{number}: bad JSON: {exc}") from None
            cases.append(Case(path.stem, number, row))
    return cases


def _complete(item: dict[str, Any], default_id: str, owner: str | None = None) -> dict[str, Any]:
    item = dict(item)
    kind = item.setdefault("item_type", "post")
    item.setdefault("_id", default_id)
    if kind in ("post", "comment", "account"):
        item.setdefault("platform", "weibo")
        item.setdefault("platform_id", item["_id"].rsplit(":", 1)[-1])
    if kind == "comment":
        item.setdefault("post_id", "weibo:case-post")
    if kind == "page":
        item.setdefault("url", "https://www.example.gov.cn/case.html")
    if owner and kind in ("post", "comment", "account_metrics"):
        item.setdefault("account_id", owner)
    return item


def case_items(case: Case) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case's subject (ids filled in) and the related items."""
    subject = _complete(case.row["item"], f"case:{case.detector}:{case.line}")
    owner = subject["_id"] if subject["item_type"] == "account" else subject.get("account_id")
    related = [_complete(r, f"case:{case.detector}:{case.line}:r{i}", owner)
               for i, r in enumerate(case.row.get("related") or [])]
    return subject, related


def case_context(case: Case) -> DetectContext:
    now = parse_time(case.row["now"]) if case.row.get("now") else DEFAULT_NOW
    registry = None
    if case.row.get("registry"):
        registry = AccountRegistry.from_dict(case.row["registry"], where=f"case {case.id}")
    return DetectContext(now=now, settings=case.row.get("settings") or {}, registry=registry)


def run_case(detector: Detector, case: Case) -> tuple[bool, list[Any]]:
    """(predicted positive, findings) for one labeled case."""
    subject, related = case_items(case)
    findings = list(run_detectors([detector], [subject, *related], case_context(case)))
    rule = case.row.get("rule")
    hit = any(f.subject_id == subject["_id"] and (not rule or f.rule == rule) for f in findings)
    return hit, findings


def run_multi_case(detector: Detector, case: Case) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(expected, found) ``(subject_id, rule)`` pairs of a multi-item case (``items`` +
    ``expect`` list or ``expect_none``), the format of the account-scope detectors' cases."""
    items = [dict(i) for i in case.row["items"]]
    ctx = case_context(case)
    histories = None
    if detector.scope == "account":
        by_type: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            by_type.setdefault(item.get("item_type", ""), []).append(item)
        histories = build_histories(by_type)
        for h in histories:
            h.complete = h.account.get("_id") not in set(case.row.get("incomplete") or [])
    findings = list(run_detectors([detector], items, ctx, histories=histories))
    expected = {(str(e["subject_id"]), str(e.get("rule") or "")) for e in case.row.get("expect") or []
                if isinstance(e, dict) and e.get("detector", detector.name) == detector.name}
    rules = {s: r for s, r in expected}
    found = {(f.subject_id, (f.rule or "") if rules.get(f.subject_id) else "") for f in findings}
    return expected, found


def installed_detectors() -> dict[str, Detector]:
    return dict(installed_plugins().detectors)


def evaluate_cases(cases: Iterable[Case], detectors: dict[str, Detector]) -> dict[str, Counts]:
    out: dict[str, Counts] = {}
    for case in cases:
        counts = out.setdefault(case.detector, Counts())
        det = detectors.get(case.detector)
        if det is None:
            counts.errors.append(f"{case.id}: no detector {case.detector!r} installed")
            continue
        if "items" in case.row:
            expected, found = run_multi_case(det, case)
            counts.tp += len(expected & found)
            counts.fp += len(found - expected)
            counts.fn += len(expected - found)
            counts.tn += int(not expected and not found)
            if (expected & found) if expected else found:
                counts.flagged.add(case.id)
            if expected != found:
                counts.errors.append(f"mismatch {case.id}: expected {sorted(expected)} "
                                     f"found {sorted(found)}")
            continue
        predicted, _ = run_case(det, case)
        if predicted:
            counts.flagged.add(case.id)
        if predicted and case.expect:
            counts.tp += 1
        elif predicted:
            counts.fp += 1
            counts.errors.append(f"false positive {case.id}")
        elif case.expect:
            counts.fn += 1
            counts.errors.append(f"false negative {case.id}")
        else:
            counts.tn += 1
    return out


def read_json_records(path: Path) -> list[dict[str, Any]]:
    raw = path.read_text(encoding="utf-8").strip()
    if not raw:
        return []
    if raw.startswith("["):
        return list(json.loads(raw))
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def evaluate_ground_truth(truth: list[dict[str, Any]], items: list[dict[str, Any]],
                          detectors: dict[str, Detector], now: datetime) -> dict[str, Counts]:
    """Findings of the detectors over ``items`` against the planted ``truth``."""
    expected: dict[str, set[str]] = {}
    for row in truth:
        expected.setdefault(row["detector"], set()).add(str(row["subject_id"]))
    names = [n for n in detectors if n in expected]
    found: dict[str, set[str]] = {n: set() for n in names}
    ctx = DetectContext(now=now)
    for f in run_detectors([detectors[n] for n in names], items, ctx):
        found[f.detector].add(f.subject_id)
    out = {}
    for name in names:
        exp, got = expected[name], found[name]
        out[name] = Counts(tp=len(exp & got), fp=len(got - exp), fn=len(exp - got),
                           errors=[f"false positive {s}" for s in sorted(got - exp)[:5]]
                           + [f"missed {s}" for s in sorted(exp - got)[:5]])
    for name in sorted(set(expected) - set(detectors)):
        out[name] = Counts(fn=len(expected[name]), errors=[f"detector {name!r} not installed"])
    return out


def format_table(title: str, results: dict[str, Counts]) -> str:
    def pct(v: float | None) -> str:
        return "   -" if v is None else f"{v:5.2f}"

    lines = [title, f"{'detector':<22} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} "
                    f"{'prec':>6} {'recall':>6} {'F1':>6}"]
    for name in sorted(results):
        c = results[name]
        lines.append(f"{name:<22} {c.tp:>4} {c.fp:>4} {c.fn:>4} {c.tn:>4} "
                     f"{pct(c.precision):>6} {pct(c.recall):>6} {pct(c.f1):>6}")
    total = Counts(sum(c.tp for c in results.values()), sum(c.fp for c in results.values()),
                   sum(c.fn for c in results.values()), sum(c.tn for c in results.values()))
    lines.append(f"{'ALL':<22} {total.tp:>4} {total.fp:>4} {total.fn:>4} {total.tn:>4} "
                 f"{pct(total.precision):>6} {pct(total.recall):>6} {pct(total.f1):>6}")
    return "\n".join(lines)


def real_cases(split: str, directory: Path | None = None) -> list[Case]:
    """The real-incident cases of one half (``tune`` or ``test``), see :mod:`.realcases`."""
    rows = load_real(directory or REAL_DIR)
    return [Case(r["detector"], i, r) for i, r in enumerate(rows, 1) if r.get("split") == split]


def format_side_by_side(columns: list[tuple[str, dict[str, Counts]]]) -> str:
    """One line per detector, precision / recall / cases of each set side by side."""
    def cell(c: Counts | None) -> str:
        if c is None:
            return f"{'':<20}"
        p = "-" if c.precision is None else f"{c.precision:.2f}"
        r = "-" if c.recall is None else f"{c.recall:.2f}"
        return f"{p:>5} {r:>6} {f'{c.tp + c.fn}+{c.fp + c.tn}':>7}"

    names = sorted({n for _, res in columns for n in res})
    head = f"{'detector':<22}" + "".join(f" | {t:^20}" for t, _ in columns)
    sub = f"{'':<22}" + "".join(f" | {'prec':>5} {'recall':>6} {'pos+neg':>7}" for _ in columns)
    lines = [head, sub, "-" * len(sub)]
    for n in names:
        lines.append(f"{n:<22}" + "".join(f" | {cell(res.get(n))}" for _, res in columns))
    return "\n".join(lines)


#: a half of the real set: its title, its cases and their results (:func:`evaluate_cases`)
Half = tuple[str, list[Case], dict[str, Counts]]


def format_everyday(halves: list[Half]) -> str:
    """False alarms on the set's everyday official texts (rows marked ``everyday``: fares, alerts,
    greetings, notices... that a government account posts every day, all negatives), per half:
    the rate a supervisor would see on an ordinary feed, which the hard negatives do not show."""
    parts = []
    for title, cases, results in halves:
        for name in sorted(results):
            everyday = [c.id for c in cases if c.detector == name and c.row.get("everyday")]
            if everyday:
                fp = sum(1 for i in everyday if i in results[name].flagged)
                parts.append(f"{name} {title}: {fp} false alarm{'s' if fp != 1 else ''} "
                             f"in {len(everyday)}")
    return "Everyday official texts (rows marked everyday, all negatives): " + "; ".join(parts)


def episode_posts(case: Case) -> int:
    """Posts of a hijack case's episode: those newer than its past (the builder dates the past
    :data:`.realcases.HISTORY_DAYS` back and the episode within the last week)."""
    since = DEFAULT_NOW - timedelta(days=min(HISTORY_DAYS))
    return sum(1 for i in case.row.get("items") or [] if i.get("item_type") == "post"
               and i.get("published_at") and parse_time(i["published_at"]) > since)


def format_hijack_sizes(halves: list[Half]) -> str:
    """Takeovers found by the size of their episode, per half: one post, or several (a lone
    post is read only when it is spam; see the real-set README on what a text can tell)."""
    parts = []
    for title, cases, results in halves:
        flagged = results.get("hijacked_account", Counts()).flagged
        cells = {"one post": [0, 0], "several": [0, 0]}
        for case in cases:
            if case.detector == "hijacked_account" and case.expect:
                cell = cells["one post" if episode_posts(case) == 1 else "several"]
                cell[0] += case.id in flagged
                cell[1] += 1
        parts.append(f"{title} " + ", ".join(f"{k} {a} of {b}" for k, (a, b) in cells.items()))
    return "hijacked_account takeovers found by episode size: " + "; ".join(parts)


def format_models(detectors: dict[str, Detector], test: list[Case]) -> str:
    """The second-stage text models, reported apart from the rules: what each was trained on,
    its grouped cross-validation on the tuning half, and the test half with and without it."""
    names = [n for n in sorted(detectors) if shipped_model(n) is not None]
    if not names:
        return "Second-stage text models: none shipped"
    consumers = {c.detector for c in test}
    with models_disabled():
        rules_only = evaluate_cases(test, detectors) if test else {}
    with_models = evaluate_cases(test, detectors) if test else {}
    lines = ["Second-stage text models (char n-gram logistic regression, data/models/; trained by "
             "python -m govspider_plugins.detectors.train on the tuning half, written cases, ordinary "
             "sandbox posts and data/train/; CV: as deployed, frames that silence the model applied)",
             f"{'detector':<22} | {'reads':<13} | {'thr':>5} | {'CV on tuning':^13} | "
             f"{'test: rules only':^16} | {'test: + model':^16}",
             f"{'':<22} | {'':<13} | {'':>5} | {'prec':>5} {'recall':>7} | {'prec':>7} {'recall':>8} |"
             f" {'prec':>7} {'recall':>8}"]
    lines.append("-" * len(lines[-1]))

    def pr(c: Counts | None) -> str:
        if c is None:
            return f"{'-':>7} {'-':>8}"
        p = "-" if c.precision is None else f"{c.precision:.2f}"
        r = "-" if c.recall is None else f"{c.recall:.2f}"
        return f"{p:>7} {r:>8}"

    shown = names + sorted(n for n in consumers if n not in names and n in rules_only)
    for n in shown:
        model = shipped_model(n)
        if model is None:  # a detector that uses another's model (hijacked_account: the ads one)
            lead = f"{n:<22} | {'(via others)':<13} | {'':>5} | {'':>5} {'':>7}"
        else:
            cv = model.spec.get("cross_validation", {})
            lead = (f"{n:<22} | {','.join(model.spec.get('applies_to') or ()):<13} | "
                    f"{model.threshold:>5.3f} | {cv.get('precision', 0):>5.2f} {cv.get('recall', 0):>7.2f}")
        lines.append(f"{lead} | {pr(rules_only.get(n))} | {pr(with_models.get(n))}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govspider_plugins.detectors.eval",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=CASES_DIR, help="directory of case files")
    parser.add_argument("--detectors", help="comma-separated detector names (default: all)")
    parser.add_argument("--ground-truth", type=Path, help="planted ground truth (JSON / JSONL)")
    parser.add_argument("--items", type=Path, help="items to run over (JSON lines)")
    parser.add_argument("--now", help="monitoring time (ISO 8601) for the ground-truth run")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list misclassified rows (written cases and the tuning half only)")
    parser.add_argument("--real", type=Path, default=None,
                        help="directory of the real-incident set (default tests/detectors/real)")
    parser.add_argument("--no-real", action="store_true", help="skip the real-incident set")
    parser.add_argument("--tuning-only", action="store_true",
                        help="real set: the tuning half only (while changing rules)")
    parser.add_argument("--no-models", action="store_true",
                        help="rules only: leave the second-stage text models out")
    args = parser.parse_args(argv)
    if args.no_models:
        with models_disabled():
            return _run(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    detectors = installed_detectors()
    if args.detectors:
        wanted = [d.strip() for d in args.detectors.split(",") if d.strip()]
        unknown = [d for d in wanted if d not in detectors]
        if unknown:
            print(f"error: unknown detector(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        detectors = {d: detectors[d] for d in wanted}
    if bool(args.ground_truth) != bool(args.items):
        print("error: --ground-truth and --items go together", file=sys.stderr)
        return 2
    try:
        cases = [c for c in load_cases(args.cases) if c.detector in detectors]
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = evaluate_cases(cases, detectors)
    print(format_table(f"Labeled cases ({len(cases)} rows, {args.cases})", results))
    if args.verbose:
        for name in sorted(results):
            for err in results[name].errors:
                print(f"  {err}")
    if not args.no_real:
        try:
            tune = [c for c in real_cases("tune", args.real) if c.detector in detectors]
            test = [] if args.tuning_only else [
                c for c in real_cases("test", args.real) if c.detector in detectors]
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        tuned = evaluate_cases(tune, detectors)
        tested = evaluate_cases(test, detectors)
        real_names = set(tuned) | set(tested)
        print()
        print(f"Written cases beside the real-incident set ({len(tune)} tuning, {len(test)} test "
              f"cases; cited public sources, split once by source)")
        columns = [("written cases", {n: c for n, c in results.items() if n in real_names}),
                   ("real: tuning half", tuned)]
        if not args.tuning_only:
            columns.append(("real: test half", tested))
        print(format_side_by_side(columns))
        halves: list[Half] = [("tuning half", tune, tuned)]
        if not args.tuning_only:
            halves.append(("test half", test, tested))
        if any(c.row.get("everyday") for _, cases, _ in halves for c in cases):
            print(format_everyday(halves))
        if "hijacked_account" in detectors:
            print(format_hijack_sizes(halves))
        if args.verbose:
            for name in sorted(tuned):
                for err in tuned[name].errors:
                    print(f"  tuning half: {err}")
        if not args.no_models:
            print()
            print(format_models(detectors, test))
    if args.ground_truth:
        try:
            truth = read_json_records(args.ground_truth)
            items = read_json_records(args.items)
            now = parse_time(args.now) if args.now else DEFAULT_NOW
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        gt = evaluate_ground_truth(truth, items, detectors, now)
        print()
        print(format_table(f"Sandbox ground truth ({len(truth)} planted, {len(items)} items)", gt))
        if args.verbose:
            for name in sorted(gt):
                for err in gt[name].errors:
                    print(f"  {name}: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
