"""``sensitive_content``: reactionary, violent, pornographic or gambling content."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider_plugins.detectors import _planted

from ._base import LexiconDetector, maximal
from ._text import fields, is_account_speech, match_record

_LABELS = {"porn": "色情", "gambling": "赌博", "violence": "暴力", "reactionary": "反动"}


class SensitiveContent(LexiconDetector):
    """Category lexicons; one strong hit or two weak ones, never in an enforcement context.

    Government accounts write about 扫黄打非, 打击赌博 and 反邪教 every day: an item with an
    enforcement, warning or education frame is not sensitive content, and allowlisted
    government vocabulary never counts.
    """

    name = "sensitive_content"
    version = "1.0"
    indicator = "反动暴力色情"
    severity = "high"
    scorecard = "safety"
    accepts = frozenset({"post", "comment"})
    description = "发布反动、暴力、色情、赌博等有害内容"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.SENSITIVE_CONTENT

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        if not is_account_speech(subject):
            return
        lex = self.lexicon(ctx)
        matcher = self.matcher(lex)
        found = [(name, n, maximal(hits)) for name, n in fields(subject)
                 if (hits := matcher.find(n.text))]
        if not found:
            return
        # private: asked only after a hit, these frames would otherwise be scanned for every text
        frames = self.cue_matcher(lex, "enforcement_frames", private=True)
        if any(frames.find(n.text) for _, n, _ in found):
            return
        weights: dict[str, int] = {}
        matches = []
        best: tuple[int, str] = (0, "")
        for name, n, hits in found:
            for hit in hits:
                weights[hit.entry.term] = hit.entry.weight
                matches.append(match_record(n, hit, name))
                family = hit.entry.category.removesuffix("_weak")
                best = max(best, (hit.entry.weight, family))
        score = sum(weights.values())
        if score < int(lex.threshold("min_score", ctx) or 2):
            return
        rule = best[1] or "lexicon"
        shown = "、".join(dict.fromkeys(f"“{m['text']}”" for m in matches[:3]))
        yield self.finding(
            subject=subject, rule=rule, ctx=ctx, score=min(1.0, score / 4),
            message=f"发布内容疑似含{_LABELS.get(rule, '有害')}信息：出现{shown}",
            evidence=self.evidence(lex, rule, matches, score=score))


DETECTORS = [SensitiveContent()]
