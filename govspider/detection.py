"""The detector contract and the runner that feeds detectors.

A detector is pure: items and a :class:`DetectContext` in, :class:`~govspider.items.Finding`
out. No network, no writes, no clock (``ctx.now`` is the monitoring time).

Scopes:

* ``item``: called once per item whose ``item_type`` is in ``accepts`` (a post, comment, page,
  app, account) with that item as a dict.
* ``account``: called once per account with an :class:`AccountHistory` (its profile, posts,
  comments and metrics).
* ``corpus``: called once with every item, grouped by type (``{"account": [...], ...}``),
  for cross-account rules (one account per unit per platform...).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govspider.items import Finding
from govspider.registry import AccountRegistry

SEVERITIES = ("veto", "high", "medium", "low")


@dataclass
class DetectContext:
    """What a detector may know besides the items."""

    now: datetime  #: the monitoring time point
    settings: dict[str, Any] = field(default_factory=dict)
    registry: AccountRegistry | None = None
    #: account ``_id`` -> the account dict, for detectors that need the owner of an item
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: what detectors keep between the item pass and the account pass of one run (per detector
    #: name; :meth:`Detector.observe`)
    memo: dict[str, Any] = field(default_factory=dict)

    def setting(self, detector: str, key: str, default: Any = None) -> Any:
        """``settings["GOVSPIDER_DETECTORS"][detector][key]``, else ``default``."""
        if not self.settings:  # the usual case, asked for every threshold of every item
            return default
        return self.settings.get("GOVSPIDER_DETECTORS", {}).get(detector, {}).get(key, default)


@dataclass
class AccountHistory:
    """An account and everything stored about it, for account-scope detectors."""

    account: dict[str, Any]
    posts: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    #: the crawl of this account completed (a failed or partial crawl must not yield "stale")
    complete: bool = True


class Detector:
    """Base class of detectors; subclasses set the class attributes and implement ``detect``."""

    name: str = ""
    version: str = "0"
    #: What the detector checks, in the supervisors' words (Chinese, ``内容不更新``): stored in
    #: every finding and the detector's label wherever the report names it.
    indicator: str = ""
    severity: str = "high"
    scope: str = "item"  #: ``item``, ``account`` or ``corpus``
    accepts: frozenset[str] = frozenset({"post", "comment"})
    description: str = ""

    #: Where the supervisor's report counts the findings: the key of a scorecard column
    #: (``update``, ``interaction``, ``safety``...: the indicators the report's scoring scheme
    #: lists, :data:`govspider.report.scheme.INDICATORS`), ``apps`` for the table of
    #: counterfeit apps, or ``""`` (the default) for "other findings".
    scorecard: str = ""
    #: The findings describe an account's state at the monitoring time (not updated, questions
    #: unanswered...): the report counts only those of the latest scan, an older scan's finding
    #: is superseded even when nobody cleared it.
    time_dependent: bool = False
    #: The evidence quotes personal data (id numbers, phone numbers): the report masks the
    #: text it highlights.
    masks_evidence: bool = False

    #: item types an account-scope detector wants to see during the item pass (``observe``)
    observes: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """The detector's name for people: its :attr:`indicator`, else its :attr:`name`."""
        return self.indicator or self.name

    def detect(self, subject: Any, ctx: DetectContext) -> Iterable[Finding]:
        """Yield findings about ``subject`` (see the module docstring for its shape)."""
        raise NotImplementedError

    def observe(self, item: dict[str, Any], ctx: DetectContext) -> None:
        """See an item of a type in ``observes`` during the item pass, while its normalized text
        is still cached, and keep what ``detect`` will need in ``ctx.memo`` (kept small: per
        account, not per item). ``detect`` must not rely on it: the history it gets may hold
        items the pass did not see."""

    def prepare(self, items: list[dict[str, Any]], ctx: DetectContext) -> None:
        """See a batch of items (one type, one the detector accepts) before ``detect`` sees them
        one by one: work that is cheaper done for many at once (a text model scoring them in
        one vectorized call) goes into ``ctx.memo``. ``detect`` must give the same findings
        without it (the crawl's detect pipeline calls ``detect`` alone)."""

    def finding(self, *, subject: dict[str, Any], rule: str, message: str,
                evidence: dict[str, Any], ctx: DetectContext, score: float = 1.0,
                severity: str | None = None, subject_type: str | None = None) -> Finding:
        """A finding with the deterministic ``_id`` (detector + subject + rule)."""
        subject_id = str(subject.get("_id"))
        kind = subject_type or subject.get("item_type") or "item"
        digest = hashlib.sha1(f"{self.name}|{subject_id}|{rule}".encode()).hexdigest()[:24]
        account_id = subject.get("account_id") or (subject_id if kind == "account" else None)
        unit = subject.get("unit") if kind in ("account", "page") else None
        if unit is None and account_id is not None:
            unit = (ctx.accounts.get(account_id) or {}).get("unit")
        return Finding(
            _id=f"finding:{digest}", detector=self.name, detector_version=self.version,
            indicator=self.indicator, severity=severity or self.severity, score=round(score, 3),
            subject_type=kind, subject_id=subject_id, account_id=account_id, message=message,
            evidence=evidence, rule=rule, detected_at=ctx.now, platform=subject.get("platform"),
            unit=unit or None)


def run_detectors(detectors: Iterable[Detector], items: Iterable[dict[str, Any]],
                  ctx: DetectContext, histories: Iterable[AccountHistory] | None = None,
                  ) -> Iterator[Finding]:
    """Run detectors over items (dicts with ``item_type``), offline.

    Item-scope detectors see each item; account-scope ones see one history per account (built
    from ``items`` unless ``histories`` is given); corpus-scope ones see everything at once.
    """
    detectors = list(detectors)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_type[item.get("item_type", "")].append(item)
    for account in by_type.get("account", []):
        ctx.accounts.setdefault(account["_id"], account)
    # item by item, every detector on an item in turn: the text they share is normalized once
    by_kind = item_detectors(detectors)
    watchers = item_observers(detectors)
    for kind in set(by_kind) | set(watchers):
        dets, seeing = by_kind.get(kind, []), watchers.get(kind, [])
        for batch in batches(by_type.get(kind, [])):
            for det in dets:
                det.prepare(batch, ctx)
            for item in batch:
                for det in dets:
                    yield from det.detect(item, ctx)
                for det in seeing:
                    det.observe(item, ctx)
    if any(d.scope == "account" for d in detectors):
        if histories is None:
            histories = build_histories(by_type)
        histories = list(histories)
        for det in detectors:
            if det.scope == "account":
                for history in histories:
                    yield from det.detect(history, ctx)
    for det in detectors:
        if det.scope == "corpus":
            yield from det.detect(dict(by_type), ctx)


#: items a detector's ``prepare`` sees at once
BATCH_SIZE = 1000


def batches(items: Iterable[dict[str, Any]], size: int = BATCH_SIZE) -> Iterator[list[dict[str, Any]]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def item_detectors(detectors: Iterable[Detector]) -> dict[str, list[Detector]]:
    """Item-scope detectors by the item type they accept."""
    return _by_item_type(detectors, "item", "accepts")


def item_observers(detectors: Iterable[Detector]) -> dict[str, list[Detector]]:
    """Account-scope detectors that observe items during the item pass, by item type."""
    return _by_item_type(detectors, "account", "observes")


def _by_item_type(detectors: Iterable[Detector], scope: str, types: str) -> dict[str, list[Detector]]:
    by_kind: dict[str, list[Detector]] = {}
    for det in detectors:
        if det.scope == scope:
            for kind in sorted(getattr(det, types)):
                by_kind.setdefault(kind, []).append(det)
    return by_kind


def build_histories(by_type: dict[str, list[dict[str, Any]]]) -> list[AccountHistory]:
    """Group posts, comments and metrics under their accounts."""
    histories = {a["_id"]: AccountHistory(account=a) for a in by_type.get("account", [])}
    for kind, attr in (("post", "posts"), ("comment", "comments"), ("account_metrics", "metrics")):
        for item in by_type.get(kind, []):
            history = histories.get(item.get("account_id", ""))
            if history is not None:
                getattr(history, attr).append(item)
    return list(histories.values())
