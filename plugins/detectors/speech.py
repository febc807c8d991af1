"""``inappropriate_speech``: 雷人雷语 and personal emotion in posts and official replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding

from ._base import LexiconDetector, maximal
from ._text import fields, inside, is_account_speech, match_record, quoted_spans, sentence

_CATEGORY_ORDER = ("contempt", "insult", "dismissal", "emotion", "personal_view")


class InappropriateSpeech(LexiconDetector):
    """Insults, dismissals and contempt aimed at the public in what the account itself says.

    Citizens' comments are not the account's speech and are skipped. A term inside quotation
    marks, in a sentence that reports what someone else said (网友称, 记者, 您反映...), or in an
    item that reports or discusses such speech (通报, 停职, 文明用语...) is not a hit.
    """

    name = "inappropriate_speech"
    version = "1.0"
    indicator = "雷人雷语"
    severity = "high"
    accepts = frozenset({"post", "comment"})
    description = "雷人雷语、对公众的侮辱、敷衍、蔑视及个人情绪化表达"

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        if not is_account_speech(subject):
            return
        lex = self.lexicon(ctx)
        matcher = self.matcher(lex)
        found = [(name, n, hits) for name, n in fields(subject) if (hits := matcher.find(n.text))]
        if not found:
            return
        doc_frames = self.cue_matcher(lex, "document_frames")
        if any(doc_frames.find(n.text) for _, n, _ in found):
            return
        frames = self.cue_matcher(lex, "report_frames")
        kept: list[tuple[str, Any, Any]] = []
        for name, n, hits in found:
            quotes = quoted_spans(n.text)
            frame_hits = frames.find(n.text)
            for hit in maximal(hits):
                if quotes and inside(hit.start, hit.end, quotes):
                    continue
                s, e = sentence(n.text, hit.start, hit.end)
                if any(s <= f.start and f.end <= e for f in frame_hits):
                    continue
                kept.append((name, n, hit))
        entries: dict[str, int] = {}
        for _, _, hit in kept:
            entries[hit.entry.term] = max(entries.get(hit.entry.term, 0), hit.entry.weight)
        score = sum(entries.values())
        if score < int(lex.threshold("min_score", ctx) or 2):
            return
        categories = {hit.entry.category for _, _, hit in kept}
        rule = next((c for c in _CATEGORY_ORDER if c in categories), "lexicon")
        matches = [match_record(n, hit, name) for name, n, hit in kept]
        shown = "、".join(dict.fromkeys(f"“{m['text']}”" for m in matches[:3]))
        where = "官方回复" if subject.get("item_type") == "comment" else "发布内容"
        yield self.finding(
            subject=subject, rule=rule, ctx=ctx, score=min(1.0, score / 4),
            message=f"{where}中出现不当言辞{shown}",
            evidence=self.evidence(lex, rule, matches, score=score))


DETECTORS = [InappropriateSpeech()]
