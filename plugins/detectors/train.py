"""Train the second-stage text models (see :mod:`._model`) from data the repository carries.

Usage::

    python -m govspider_plugins.detectors.train                 # train every model, write data/models/
    python -m govspider_plugins.detectors.train --check         # is every shipped model trained on today's data?
    python -m govspider_plugins.detectors.train --cv-only -d commercial_ad   # cross-validation figures only

Training data of a detector's model (never the test half of the real-incident set):

* the **tuning half** of ``tests/detectors/real/<detector>.jsonl`` (positives and negatives);
* the **written cases** ``tests/detectors/cases/<detector>.jsonl`` whose item is one text;
* as negatives, the tuning-half rows of the *other* content detectors (an insult is not an
  advertisement) except classes that overlap (a gambling spam page and an advertisement) and, for
  a model of one register, other kinds of item (the reply model takes their replies only), and
  ordinary posts and official replies of the sandbox world (nothing planted in them), the
  everyday official register a model must not mistake for anything;
* the **wild corpus** ``data/train/<name>.jsonl`` (see ``data/train/README.md``): texts as
  stored public pages show them, ads and injected spam in the wild (positives) and ordinary
  official texts and page titles (negatives), each citing its page. They are not cases of the
  evaluation set: a wild row from a site the real-incident set cites (either half), or whose
  text largely repeats one of the set's texts, is left out (:func:`wild_rows`), so no test
  case reaches training through the back door. Grouped by site in the cross-validation.

The decision threshold is chosen by grouped 5-fold cross-validation on the tuning half (groups
are the split's source groups, so a fold never sees another row of the same incident), repeated
with :data:`CV_REPEATS` shuffled assignments of the groups to the folds and pooled: the
lowest threshold whose cross-validated precision on the tuning rows reaches ``--precision``
(0.95). It is chosen on what the detector does with the model: a text the detector keeps the
model quiet on (``Detector.model_silenced``: an excusing frame, an enforcement notice, a
courteous reply) is not flagged at any threshold, in the tuning rows as in the ordinary texts.
Those cross-validated figures are written into the model file and printed by
``python -m govspider_plugins.detectors.eval`` beside the test-half figures, separately from the rules.
Needs scikit-learn (``pip install -e '.[dev]'``); running the models does not.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._model import (
    MAX_PART,
    MODELS_DIR,
    TextModel,
    gram_set,
    item_parts,
    letters,
    model_input,
    model_text,
    page_text,
)
from ._text import host_of
from .ads import CommercialAd
from .realcases import case_texts
from .seo import SeoSpam
from .speech import InappropriateSpeech

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[1] / "tests" / "detectors"
MODEL_VERSION = "1"
NGRAM_RANGE = (1, 3)

#: which items a model reads, and which other detectors' rows may serve as its negatives
SPECS: dict[str, dict[str, Any]] = {
    # (min_chars: a bare word or a greeting, 早安, is too little text to judge as an ad)
    # (composed_weight: its 2,000 invented texts count half: at full weight the grouped CV
    # recall on the tuning half's real ads fell from 0.81 to 0.75 at the threshold when the
    # chatty batch joined; at half weight 0.80. The speech and seo models do better at 1.0.
    # Session 15, with 286 wild rows and rounds 16-17: 1.0 0.81, 0.5 0.85, 0.25 0.87, 0.1 0.88,
    # 0 0.86, precision 0.98 at each; but at 0.25 the model read an official superlative claim,
    # 我县打造全省最佳营商环境 (test_ad_rules), as an ad: the invented official texts were what
    # taught it that register. With wild batch four (officials' boasting and ads' superlatives,
    # real texts) 0.5: 0.99 / 0.84, 0.25: 0.98 / 0.86 and the claim reads as no ad, but an
    # obituary of a tuning-half episode (美漫元老"漫威之父"去世, R.I.P) reads 0.86 and the
    # hijack layer calls the tribute a takeover: the invented chatty posts that sell nothing
    # teach that register. Half stays)
    "commercial_ad": {"kinds": ("post", "comment"), "apply_to": ("post", "comment"),
                      "not_negative": ("seo_spam",), "min_chars": 8, "composed_weight": 0.5,
                      "written_negatives": ("off_topic", "serious_typo", "privacy_leak",
                                            "inappropriate_speech")},
    # a register model: it reads official replies only, where a colloquial, curt answer to a
    # citizen is the signal; posts (where that register is ordinary) are left to the rules
    # (its cross-validated precision levels off near 0.90: a few courteous-looking negatives and
    # reasoned refusals; the target was 0.92 until the seventh round's tuning rows, session 10,
    # after which no threshold reached it and the model was off, at 0.95 with CV recall 0.18)
    # (its threshold is chosen on the model alone: what keeps it quiet, a courteous word or a
    # quotation, silences as many of the tuning half's rude replies as of its false alarms, so
    # the precision as deployed stays near 0.91 at every threshold and would not choose one)
    # (other detectors' rows are its negatives only where they are replies: their posts, ads
    # and the like, are not the register it reads, and each round of them moved its threshold:
    # the seventeenth round's 28 ad rows took it from 0.65 to 0.725, grouped CV recall on the
    # tuning half from 0.73 to 0.65; replies only: 0.65, precision 0.90, recall 0.80)
    "inappropriate_speech": {"kinds": ("post", "comment"), "apply_to": ("comment",),
                             "not_negative": (), "precision": 0.90, "as_deployed": False,
                             "other_kinds": ("comment",),
                             "written_negatives": ("off_topic", "serious_typo", "privacy_leak",
                                                   "sensitive_content", "commercial_ad")},
    "seo_spam": {"kinds": ("page",), "apply_to": ("page",), "not_negative": ("commercial_ad",)},
}
#: the wild corpus a detector's model also trains on (``data/train/<file>.jsonl``)
WILD = {"commercial_ad": "ads_wild", "seo_spam": "seo_wild"}
#: the composed corpus (invented texts of many kinds of ads / injected pages and of the official
#: texts that share their words, written for training: ``data/train/<file>.jsonl``)
COMPOSED = {"commercial_ad": "ads_composed", "seo_spam": "seo_composed",
            "inappropriate_speech": "speech_composed"}
TRAIN_DIR = HERE / "data" / "train"
#: a wild text sharing this share of its 6-grams with one text of the real-incident set is left out
WILD_OVERLAP = 0.5
CONTENT_DETECTORS = tuple(SPECS)


@dataclass
class Row:
    text: str
    label: bool
    group: str
    origin: str  #: real | written | other | sandbox | wild | composed
    kind: str = "post"  #: the item type
    raw: tuple[str, ...] = ()  #: the item's texts before normalization (the model text if unknown)


def _kind_ok(item: dict[str, Any], kinds: tuple[str, ...]) -> bool:
    kind = item.get("item_type", "post")
    if kind == "comment" and item.get("is_official") is False:
        return False
    return kind in kinds


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("//"):
            rows.append(json.loads(line))
    return rows


def real_rows(detector: str, split: str = "tune") -> list[dict[str, Any]]:
    return [r for r in _read_jsonl(TESTS / "real" / f"{detector}.jsonl") if r.get("split") == split]


@functools.lru_cache(maxsize=64)
def sandbox_texts(kinds: tuple[str, ...], limit: int | None = 400, seed: int = 7,
                  posts_per_account: int = 40) -> tuple[tuple[str, str], ...]:
    """``(kind, model text)`` of ordinary posts and official replies of a sandbox world (nothing
    planted), an even sample of ``limit``."""
    # imported here: the detectors plugin imports this module in every crawl, which
    # loads no sandbox world
    from govspider.sandbox.world import World

    world = World(seed=seed)
    out: list[tuple[str, str]] = []
    if "page" in kinds:
        for page in world.pages():
            if not page.injected:
                out.append(("page", model_input([page.title, page_text(page.html)])))
        return tuple(out[:limit] if limit else out)
    for acc in world.accounts():
        for post in world.posts(acc, 0, posts_per_account):
            if not post.planted and not post.deleted and post.text:
                out.append(("post", model_input([p for p in (post.title, post.text) if p])))
            for comment in world.comments(post, 0, 20):
                for c in (comment, *comment.replies):
                    if c.is_official and not c.planted:
                        out.append(("comment", model_input([c.text])))
    if not limit:
        return tuple(out)
    # an even sample across the world, always the same
    step = max(1, len(out) // limit)
    return tuple(out[::step][:limit])


#: sandbox worlds (seeds) whose ordinary texts are training negatives, and others whose ordinary
#: texts calibrate the threshold; neither is the demo's world (7), which stays an independent check
TRAINING_SEEDS = (11, 13, 17, 19)
CALIBRATION_SEEDS = (23, 29, 31)
#: at most this share of those ordinary texts may be flagged
MAX_ORDINARY_RATE = 0.001
#: and at most this share of the training worlds' ordinary texts, cross-validated (held out,
#: their template twins trained on: the sandbox's chatty entertainment posts, 明星同款穿搭合集来啦,
#: sit at the boundary of the register of selling)
MAX_HELD_OUT_SANDBOX_RATE = 0.005


def ordinary_texts(kinds: tuple[str, ...], exclude: set[str]) -> list[str]:
    """Ordinary texts of the calibration worlds, those not used in training."""
    out: list[str] = []
    for seed in CALIBRATION_SEEDS:
        out += [t for k, t in sandbox_texts(kinds, limit=None, seed=seed, posts_per_account=200)
                if k in kinds and t not in exclude]
    return sorted(set(out))


def training_rows(detector: str, with_sandbox: bool = True) -> list[Row]:
    spec = SPECS[detector]
    kinds = spec["kinds"]
    rows: list[Row] = []
    for r in real_rows(detector):
        if _kind_ok(r["item"], kinds) and (text := _prepared(r["item"])):
            rows.append(Row(text, bool(r["expect"]), str(r["group"]), "real",
                            r["item"].get("item_type", "post"), tuple(item_parts(r["item"]))))
    for i, r in enumerate(_read_jsonl(TESTS / "cases" / f"{detector}.jsonl")):
        item = r.get("item")
        if isinstance(item, dict) and _kind_ok(item, kinds) and (text := _prepared(item)):
            rows.append(Row(text, bool(r.get("expect")), f"written:{i}", "written",
                            item.get("item_type", "post"), tuple(item_parts(item))))
    # other detectors' rows serve as negatives where they are of ``other_kinds`` (default: kinds)
    other_kinds = tuple(spec.get("other_kinds", kinds))
    for other in CONTENT_DETECTORS:
        if other == detector:
            continue
        for r in real_rows(other):
            if r["expect"] and other in spec["not_negative"]:
                continue
            if _kind_ok(r["item"], other_kinds) and (text := _prepared(r["item"])):
                rows.append(Row(text, False, str(r["group"]), "other",
                                r["item"].get("item_type", "post"), tuple(item_parts(r["item"]))))
    # texts of other detectors' written cases (entertainment posts of off_topic, typos, personal
    # data...): whatever they are, they are not this detector's class
    seen = {r.text for r in rows}
    for other in spec.get("written_negatives", ()):
        for i, r in enumerate(_read_jsonl(TESTS / "cases" / f"{other}.jsonl")):
            for item in [r.get("item"), *(r.get("related") or [])]:
                if isinstance(item, dict) and _kind_ok(item, other_kinds) and (text := _prepared(item)) \
                        and text not in seen:
                    seen.add(text)
                    rows.append(Row(text, False, f"written:{other}:{i}", "other",
                                    item.get("item_type", "post"), tuple(item_parts(item))))
    seen = {r.text for r in rows}
    kind = "page" if "page" in kinds else "post"
    # a wild row's group is its site, a composed row's its family (see data/train/README.md)
    for origin, corpus, key in (("wild", wild_rows(detector), "domain"),
                                ("composed", composed_rows(detector), "family")):
        for r in corpus:
            text = model_input([r["text"]])
            if text and text not in seen:
                seen.add(text)
                rows.append(Row(text, bool(r["label"]), f"{origin}:{r[key]}", origin,
                                "comment" if r.get("kind") == "comment" and kind == "post" else kind,
                                (r["text"],)))
    if with_sandbox:
        seen = {r.text for r in rows}
        for seed in TRAINING_SEEDS:
            for i, (k, t) in enumerate(sandbox_texts(kinds, seed=seed, posts_per_account=200)):
                if t not in seen:
                    seen.add(t)
                    rows.append(Row(t, False, f"sandbox:{seed}:{i}", "sandbox", k))
    return rows


def _host(url: str) -> str:
    return host_of(url).removeprefix("www.")


def _grams6(text: str) -> set[str]:
    t = model_text(text)
    return {t[i:i + 6] for i in range(max(0, len(t) - 5))}


@functools.lru_cache(maxsize=8)
def _real_footprint() -> tuple[frozenset[str], dict[str, tuple[int, ...]]]:
    """The sites every real-incident case cites (both halves, every detector) and the 6-grams
    of each case's texts, as an index 6-gram -> the texts holding it: what a wild row must not
    repeat. Read to exclude, never printed."""
    hosts: set[str] = set()
    grams: list[frozenset[str]] = []
    for path in sorted((TESTS / "real").glob("*.jsonl")):
        for r in _read_jsonl(path):
            src = r.get("source") or {}
            for url in [src.get("url"), r.get("page_url"), *(r.get("also") or [])]:
                if isinstance(url, str) and url:
                    hosts.add(_host(url))
            for t in case_texts(r):
                if len(t) >= 6:
                    grams.append(frozenset(_grams6(t)))
    index: dict[str, list[int]] = defaultdict(list)
    for i, gs in enumerate(grams):
        for gram in gs:
            index[gram].append(i)
    return frozenset(hosts), {gram: tuple(ids) for gram, ids in index.items()}


def _leaks(text: str, real: dict[str, tuple[int, ...]]) -> bool:
    """Whether ``text`` repeats most of one of the real-incident set's texts: half or more of
    its 6-grams in one of them (counted through the index, not text by text)."""
    g = _grams6(text)
    shared: Counter[int] = Counter()
    for gram in g:
        shared.update(real.get(gram, ()))
    return bool(g) and any(n >= WILD_OVERLAP * len(g) for n in shared.values())


def wild_rows(detector: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """The wild corpus of ``detector`` less what could leak an evaluation case: rows from a site
    the real-incident set cites and rows whose text repeats most of one of its texts."""
    name = WILD.get(detector)
    if not name:
        return []
    hosts, real = _real_footprint()
    return [r for r in _read_jsonl((directory or TRAIN_DIR) / f"{name}.jsonl")
            if _host(r.get("url") or "") not in hosts and not _leaks(r["text"], real)]


def composed_rows(detector: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """The composed corpus of ``detector`` (invented texts), less any text that repeats most
    of a real-incident case's (none should: they were written without reading the set)."""
    name = COMPOSED.get(detector)
    if not name:
        return []
    _, real = _real_footprint()
    return [r for r in _read_jsonl((directory or TRAIN_DIR) / f"{name}.jsonl")
            if not _leaks(r["text"], real)]


def silenced(detector: str, texts: Iterable[tuple[str, ...] | str]) -> list[bool]:
    """For each item's texts, whether ``detector`` keeps its model quiet on them."""
    det = _detector(detector)
    return [det.model_silenced([t] if isinstance(t, str) else list(t), None) for t in texts]


@functools.lru_cache(maxsize=8)
def _detector(name: str) -> Any:
    return {"commercial_ad": CommercialAd, "seo_spam": SeoSpam,
            "inappropriate_speech": InappropriateSpeech}[name]()


def data_digest(rows: Iterable[Row]) -> str:
    h = hashlib.sha256()
    for key in sorted(f"{int(r.label)}\t{r.origin}\t{r.text}" for r in rows):
        h.update(key.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def _prepared(item: dict[str, Any]) -> str:
    """The model's input for an item; empty (not a training row) when it holds no letter or
    digit (a scaffold page's visible text is a few list markers: nothing to learn from)."""
    text = model_input(item_parts(item))
    return text if any(c.isalnum() for c in text) else ""


def _analyzer(prepared: str) -> list[str]:
    return sorted(gram_set(prepared, *NGRAM_RANGE))


#: real and written negatives are the hard ones (warnings that quote scam words, subsidies with
#: prices, courteous replies): they weigh this much more than the easy negatives
HARD_NEGATIVE_WEIGHT = 3.0
#: the lowest threshold considered. Below 0.4 the ad model (session 9) flagged official claims
#: the unit tests hold (全省最佳营商环境, a bank's loan news: 0.375-0.39) while every measured
#: constraint passed: the tuning half has too few negatives in that register to show it
MIN_THRESHOLD = 0.4


def _weights(rows: list[Row], detector: str) -> list[float]:
    """Sample weights: hard negatives weigh more; an invented text (``composed`` origin) weighs
    the detector's ``composed_weight`` (1.0 unless its spec says otherwise)."""
    composed = float(SPECS[detector].get("composed_weight", 1.0))
    return [HARD_NEGATIVE_WEIGHT if r.origin in ("real", "written") and not r.label
            else composed if r.origin == "composed" else 1.0 for r in rows]


def _fit(texts: list[str], labels: list[int], c: float,
         weights: list[float] | None = None) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer  # import-here: dev extra only
    from sklearn.linear_model import LogisticRegression  # import-here: dev extra only

    vec = TfidfVectorizer(analyzer=_analyzer, binary=True, min_df=2, norm="l2")
    x = vec.fit_transform(texts)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, solver="liblinear",
                               random_state=0)
    model.fit(x, labels, sample_weight=weights)
    return vec, model


#: grouped cross-validation is repeated with this many shuffled assignments of the groups to
#: folds, and the threshold chosen on the pooled counts: with one fixed assignment, adding 26
#: rows of another detector (session 10) moved which groups shared a fold and the speech
#: threshold from 0.65 to 0.675 (CV recall 0.73 -> 0.67) though nothing about replies changed
CV_REPEATS = 3


def cross_validate(rows: list[Row], c: float, weights: list[float], folds: int = 5,
                   repeats: int = CV_REPEATS) -> list[list[float]]:
    """Out-of-fold probabilities for every row (grouped folds), one list per repeat (repeat
    ``k`` assigns the groups to folds shuffled with seed ``k``: deterministic)."""
    from sklearn.model_selection import GroupKFold  # import-here: dev extra only

    texts = [r.text for r in rows]
    labels = [int(r.label) for r in rows]
    groups = [r.group for r in rows]
    runs = []
    for k in range(repeats):
        out = [0.0] * len(rows)
        split = GroupKFold(n_splits=folds, shuffle=True, random_state=k)
        for train, held in split.split(texts, labels, groups):
            vec, model = _fit([texts[i] for i in train], [labels[i] for i in train], c,
                              [weights[i] for i in train])
            probs = model.predict_proba(vec.transform([texts[i] for i in held]))[:, 1]
            for i, p in zip(held, probs, strict=True):
                out[i] = float(p)
        runs.append(out)
    return runs


def _pr(rows: list[Row], probs: list[float], threshold: float,
        apply_to: tuple[str, ...] = ("post", "comment", "page"),
        quiet: list[bool] | None = None) -> tuple[float, float, int, int, int]:
    """Precision and recall on the tuning half's rows of the kinds the model is applied to
    (``quiet``: rows the detector keeps the model quiet on, never flagged)."""
    tp = fp = fn = 0
    for i, (r, p) in enumerate(zip(rows, probs, strict=True)):
        if r.origin != "real" or r.kind not in apply_to:
            continue
        hit = p >= threshold and not (quiet and quiet[i])
        tp += hit and r.label
        fp += hit and not r.label
        fn += (not hit) and r.label
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, tp, fp, fn


def choose_threshold(rows: list[Row], probs: list[float], fitted: list[float], precision: float,
                     apply_to: tuple[str, ...], ordinary: list[float] | None = None,
                     quiet: list[bool] | None = None) -> float:
    """The lowest threshold where the cross-validated precision on the tuning rows reaches
    ``precision``, at most :data:`MAX_HELD_OUT_SANDBOX_RATE` of the training worlds' ordinary
    texts are flagged (cross-validated), the final model
    flags none of the written negatives it was trained on (``fitted`` probabilities) and at most
    :data:`MAX_ORDINARY_RATE` of the calibration worlds' ordinary texts (``ordinary``, those
    the detector keeps the model quiet on at 0). ``quiet``: rows never flagged (see
    :func:`silenced`)."""
    quiet = quiet or [False] * len(rows)
    sandbox = sum(1 for r in rows if r.origin == "sandbox" and r.kind in apply_to)
    grid = [round(MIN_THRESHOLD + 0.025 * i, 3) for i in range(round((0.95 - MIN_THRESHOLD) / 0.025) + 1)]
    for t in grid:
        if ordinary and sum(1 for q in ordinary if q >= t) > MAX_ORDINARY_RATE * len(ordinary):
            continue
        p, _, tp, _, _ = _pr(rows, probs, t, apply_to, quiet)
        others = sum(1 for r, q, z in zip(rows, probs, quiet, strict=True)
                     if r.origin == "sandbox" and r.kind in apply_to and q >= t and not z)
        written = sum(1 for r, q, z in zip(rows, fitted, quiet, strict=True)
                      if r.origin == "written" and not r.label and r.kind in apply_to
                      and q >= t and not z)
        if p >= precision and tp > 0 and written == 0 \
                and others <= MAX_HELD_OUT_SANDBOX_RATE * sandbox:
            return t
    return grid[-1]


def train(detector: str, c: float = 4.0, precision: float | None = None) -> dict[str, Any]:
    rows = training_rows(detector)
    precision = precision or float(SPECS[detector].get("precision", 0.95))
    weights = _weights(rows, detector)
    runs = cross_validate(rows, c, weights)
    apply_to = tuple(SPECS[detector]["apply_to"])
    min_chars = int(SPECS[detector].get("min_chars", 1))
    judged = [letters(r.text) >= min_chars for r in rows]
    # the repeats are pooled: every row once per repeat (a text of fewer than min_chars letters
    # is never judged: it counts as not flagged everywhere)
    probs = [p if ok else 0.0 for run in runs for p, ok in zip(run, judged, strict=True)]
    vec, model = _fit([r.text for r in rows], [int(r.label) for r in rows], c, weights)
    fitted = [float(p) if ok else 0.0 for p, ok in zip(
        model.predict_proba(vec.transform([r.text for r in rows]))[:, 1], judged, strict=True)]
    as_deployed = SPECS[detector].get("as_deployed", True)
    quiet = silenced(detector, [r.raw or r.text for r in rows]) if as_deployed else None
    repeats = len(runs)
    pooled, fitted = rows * repeats, fitted * repeats
    quiet = quiet * repeats if quiet is not None else None
    calibration = ordinary_texts(apply_to, {r.text for r in rows})
    calm = silenced(detector, calibration) if as_deployed else [False] * len(calibration)
    ordinary = [float(p) if letters(t) >= min_chars and not z else 0.0 for t, p, z in zip(
        calibration, model.predict_proba(vec.transform(calibration))[:, 1], calm, strict=True)] \
        if calibration else []
    threshold = choose_threshold(pooled, probs, fitted, precision, apply_to, ordinary, quiet)
    cv_p, cv_r, tp, fp, fn = _pr(pooled, probs, threshold, apply_to, quiet)
    weights = model.coef_[0]
    terms = {g: [round(float(vec.idf_[j]), 5), round(float(weights[j]), 5)]
             for g, j in sorted(vec.vocabulary_.items())}
    import sklearn  # import-here: dev extra only

    return {
        "detector": detector, "version": MODEL_VERSION, "kind": "char-ngram logistic regression",
        "ngram_range": list(NGRAM_RANGE), "max_part": MAX_PART, "threshold": threshold,
        "applies_to": list(apply_to), "min_chars": min_chars,
        "intercept": round(float(model.intercept_[0]), 6), "c": c,
        "trained_on": {
            "digest": data_digest(rows),
            "rows": {o: {"positive": sum(1 for r in rows if r.origin == o and r.label),
                         "negative": sum(1 for r in rows if r.origin == o and not r.label)}
                     for o in ("real", "written", "other", "sandbox", "wild", "composed")},
            "sklearn": sklearn.__version__, "hard_negative_weight": HARD_NEGATIVE_WEIGHT,
            "composed_weight": float(SPECS[detector].get("composed_weight", 1.0)),
        },
        "calibration": {"ordinary_texts": len(ordinary), "seeds": list(CALIBRATION_SEEDS),
                        "flagged": sum(1 for q in ordinary if q >= threshold),
                        "max_rate": MAX_ORDINARY_RATE},
        "cross_validation": {"folds": 5, "repeats": repeats, "grouped_by": "source group",
                             "silenced_as_deployed": as_deployed,
                             "precision": round(cv_p, 3), "recall": round(cv_r, 3),
                             # counts per repeat (pooled over the repeats, divided by them)
                             "tp": round(tp / repeats, 1), "fp": round(fp / repeats, 1),
                             "fn": round(fn / repeats, 1),
                             "target_precision": precision},
        "terms": terms,
    }


def write(spec: dict[str, Any], directory: Path = MODELS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{spec['detector']}.json.gz"
    data = json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # mtime=0: the same model gives the same bytes
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(data.encode("utf-8"))
    return path


def stale(detectors: Iterable[str] = CONTENT_DETECTORS) -> list[str]:
    """Detectors whose shipped model was trained on other data than today's (or is missing)."""
    out = []
    for d in detectors:
        model = TextModel.load(d)
        if model is None or model.spec["trained_on"]["digest"] != data_digest(training_rows(d)):
            out.append(d)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m govspider_plugins.detectors.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("-d", "--detectors", nargs="*", default=list(CONTENT_DETECTORS),
                    choices=list(CONTENT_DETECTORS))
    ap.add_argument("--check", action="store_true", help="exit 1 when a shipped model is stale")
    ap.add_argument("--cv-only", action="store_true", help="print cross-validation figures, write nothing")
    ap.add_argument("-C", type=float, default=4.0, help="inverse regularization strength (4)")
    ap.add_argument("--precision", type=float, default=None,
                    help="cross-validated precision the threshold must reach (per detector: 0.95,"
                         " 0.90 for inappropriate_speech)")
    args = ap.parse_args(argv)
    if args.check:
        bad = stale(args.detectors)
        for d in bad:
            print(f"{d}: model is stale or missing; run python -m govspider_plugins.detectors.train -d {d}")
        return 1 if bad else 0
    for d in args.detectors:
        spec = train(d, c=args.C, precision=args.precision)
        cv = spec["cross_validation"]
        rows = spec["trained_on"]["rows"]
        print(f"{d}: threshold {spec['threshold']}, grouped CV on the tuning half: precision "
              f"{cv['precision']:.2f} recall {cv['recall']:.2f} (tp {cv['tp']}, fp {cv['fp']}, "
              f"fn {cv['fn']}); {len(spec['terms'])} n-grams; rows {rows}")
        if not args.cv_only:
            print(f"  wrote {write(spec)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
