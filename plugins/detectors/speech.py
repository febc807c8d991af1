"""``inappropriate_speech``: 雷人雷语 and personal emotion in posts and official replies.

Two kinds of evidence, both from ``data/inappropriate_speech.yaml``:

* **terms**: insults, dismissals and emotional words (weight 2: one is enough; weight 1:
  needs more);
* **constructions**: the shapes rude replies take without a swear word, as expressions with
  slots: telling the citizen to go away (另谋高就, 爱X不X, 不满意就...), calling a complaint
  futile (反映也没用, 这有什么好举报的), mockery (我们不是...哟, 药不能停, 一群蚊子),
  accusing the citizen (什么目的, 找茬, 跟政府作对), threats (我有一百种方法),
  put-down questions (是不是...也要告诉你, 看懂再发) and one-word brush-offs (已阅).

Who is addressed matters: a construction marked ``addressed`` counts in a post only when its
sentence speaks to someone (second person, the complainant, "some people"); an official reply
always answers a citizen, and there each construction weighs one more (severity by context).
Precision comes first: citizens' comments are not the account's speech; a match inside
quotation marks, in a sentence that reports what someone else said (网友称, 您反映...), or in
an item that reports or discusses such speech (通报, 停职, 文明用语...) is not a hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider_plugins.detectors import _planted

from ._base import LexiconDetector, maximal
from ._lexicon import Lexicon
from ._matcher import Entry, Matcher
from ._text import (
    fields,
    inside,
    is_account_speech,
    match_record,
    norm,
    quoted_spans,
    sentence,
    span_record,
)

_CATEGORY_ORDER = ("threat", "contempt", "insult", "dismissal", "emotion", "personal_view")
#: second-person forms the constructions are written with (你 stands for all of them), and
#: 著 left by the traditional -> simplified step where simplified writes 着 (赖著 -> 赖着)
_YOU = str.maketrans({"您": "你", "妳": "你", "著": "着"})


@dataclass(frozen=True)
class Construction:
    """One shape of rude speech: its patterns, what it means and how much it weighs."""

    name: str
    label: str
    category: str
    weight: int
    patterns: tuple[re.Pattern[str], ...]
    addressed: bool
    whole: bool


def constructions(lex: Lexicon) -> tuple[list[Construction], Matcher]:
    """The lexicon's constructions and one automaton over their anchors (an anchor hit names
    the construction to try, so the expressions run only on texts that can match)."""
    out: list[Construction] = []
    anchors: list[Entry] = []
    for name, spec in (lex.get("constructions") or {}).items():
        try:
            patterns = tuple(re.compile(p) for p in spec.get("patterns") or ())
        except re.error as exc:
            raise ValueError(f"{lex.source}: construction {name}: bad pattern: {exc}") from None
        out.append(Construction(name=str(name), label=str(spec.get("label") or name),
                                category=str(spec.get("category") or "contempt"),
                                weight=int(spec.get("weight", 1)), patterns=patterns,
                                addressed=bool(spec.get("addressed", True)),
                                whole=bool(spec.get("whole", False))))
        for a in spec.get("anchors") or ():
            variants = {str(a), str(a).replace("着", "著"), str(a).replace("你", "您")}
            anchors += [Entry(v, category=str(len(out) - 1)) for v in sorted(variants)]
    return out, Matcher(anchors)


class InappropriateSpeech(LexiconDetector):
    """Insults, dismissals, mockery, accusations and threats aimed at the public in what the
    account itself says (see the module docstring)."""

    name = "inappropriate_speech"
    version = "2.1"
    indicator = "雷人雷语"
    severity = "high"
    scorecard = "safety"
    accepts = frozenset({"post", "comment"})
    description = "雷人雷语、对公众的侮辱、敷衍、嘲讽、指责、威胁及个人情绪化表达"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.INAPPROPRIATE_SPEECH
    #: none of the reply model's training texts is in another language
    model_chinese_only = True

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterable[Finding]:
        if not is_account_speech(subject):
            return ()
        return self.rules_then_model(subject, ctx)

    def model_parts(self, item: dict[str, Any]) -> list[str] | None:
        # official replies only: the model knows the register of answers to citizens
        text = item.get("text")
        if item.get("item_type") != "comment" or item.get("is_official") is not True \
                or not isinstance(text, str) or not text.strip():
            return None
        return [text]

    def _model(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        """The second stage for official replies only (``reply_model``): a model of the curt,
        colloquial register of the replies that made the news, where no rule matched and the
        reply is neither courteous nor quoting anybody."""
        judged = self.model_judgement(subject, ctx)
        if judged is None:
            return
        model, score, threshold, parts = judged
        # a courteous or friendly reply (您好, 感谢, 哈哈...) or one that quotes somebody is left
        # to the rules: the model reads register, and those are the ordinary register
        if self.model_silenced(parts, ctx):
            return
        reasons = self.model_reasons(score)
        yield self.finding(
            subject=subject, rule="reply_model", ctx=ctx, score=min(1.0, score.probability * 0.75),
            message=f"官方回复语气生硬、疑似不当言辞（文本模型判断，概率{score.probability:.2f}"
                    + (f"，主要依据{reasons}" if reasons else "") + "），请人工复核",
            evidence=self.model_evidence("reply_model", "text", parts[0], model, score, threshold))

    def model_silenced(self, parts: list[str], ctx: DetectContext | None) -> bool:
        """A courteous or friendly reply, or one quoting somebody, or one in another language."""
        if super().model_silenced(parts, ctx):
            return True
        n = norm(parts[0])
        return bool(self.cue_matcher(self.lexicon(ctx), "courtesy", private=True).find(n.text)
                    or reporting_quotes(n.text))

    def _rules(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        lex = self.lexicon(ctx)
        terms = self.matcher(lex)
        shapes, anchors = self.compiled(lex, "constructions", constructions)
        reply = subject.get("item_type") == "comment"
        found = []
        texts = fields(subject)
        for name, n in texts:
            hits = terms.find(n.text)
            anchored = anchors.find(n.text)
            if hits or anchored:
                found.append((name, n, hits, {int(h.entry.category) for h in anchored}))
        if not found and not reply:
            return
        doc_frames = self.cue_matcher(lex, "document_frames")
        if any(doc_frames.find(n.text) for _, n in texts):
            return
        frames = self.cue_matcher(lex, "report_frames")
        addressees = self.cue_matcher(lex, "addressees", private=True)
        boosted = set(lex.get("reply_weighted") or ())
        # an official reply answers a citizen: its constructions weigh one more, unless it is
        # written courteously (您好, 感谢, 请...), which is the ordinary official register
        courtesy = self.cue_matcher(lex, "courtesy", private=True)
        bonus = 1 if reply and not any(courtesy.find(n.text) for _, n in texts) else 0
        # (weight, category, what matched, why) per distinct entry / construction
        scored: dict[str, tuple[int, str, dict[str, Any]]] = {}
        for name, n, hits, triggered in found:
            spans = (n.text, reporting_quotes(n.text), frames.find(n.text))

            for hit in maximal(hits):
                if _reported(spans, hit.start, hit.end):
                    continue
                key = f"term:{hit.entry.term}"
                weight = hit.entry.weight + (bonus if hit.entry.category in boosted else 0)
                if weight > scored.get(key, (0,))[0]:
                    scored[key] = (weight, hit.entry.category, match_record(n, hit, name))
            if not triggered:
                continue
            text = n.text.translate(_YOU)
            to_you = None
            for index in sorted(triggered):
                shape = shapes[index]
                key = f"construction:{shape.name}"
                if key in scored:
                    continue
                for rx in shape.patterns:
                    m = rx.fullmatch(text.strip()) if shape.whole else rx.search(text)
                    if m is None:
                        continue
                    start, end = (m.start(), m.end()) if not shape.whole else (0, len(text))
                    if _reported(spans, start, end):
                        continue
                    if shape.addressed and not reply:
                        if to_you is None:
                            to_you = addressees.find(text)
                        s, e = sentence(text, start, end)
                        if not any(s <= a.start and a.end <= e for a in to_you):
                            continue
                    weight = shape.weight + bonus
                    scored[key] = (weight, shape.category, span_record(
                        n, start, end, name, entry=shape.name, category=shape.category,
                        construction=shape.name, label=shape.label,
                        pattern=rx.pattern))
                    break
        if bonus and not any(v[1] != "emotion" for v in scored.values()):
            curt = self._curt(subject, lex)
            if curt is not None:
                scored["construction:curt_tone"] = curt
        score = sum(w for w, _, _ in scored.values())
        if score < int(lex.threshold("min_score", ctx) or 2):
            return
        ranked = sorted(scored.values(), key=lambda v: (-v[0], _rank(v[1])))
        rule = next((c for c in _CATEGORY_ORDER if any(v[1] == c for v in ranked)), "lexicon")
        matches = [m for _, _, m in ranked]
        shown = "、".join(dict.fromkeys(f"“{m['text']}”" for m in matches[:3]))
        why = "；".join(dict.fromkeys(m["label"] for m in matches if m.get("label")))
        where = "官方回复" if reply else "发布内容"
        yield self.finding(
            subject=subject, rule=rule, ctx=ctx, score=min(1.0, score / 4),
            message=f"{where}中出现不当言辞{shown}" + (f"（{why}）" if why else ""),
            evidence=self.evidence(lex, rule, matches, score=score, official_reply=reply,
                                   constructions=[m["construction"] for m in matches
                                                  if m.get("construction")]))


    def _curt(self, subject: dict[str, Any], lex: Lexicon) -> tuple[int, str, dict[str, Any]] | None:
        """A brusque official reply (the caller has checked it has no courtesy): none of the
        vocabulary of handling a matter either, and it speaks at the citizen (second person,
        a question or exclamation, colloquial particles)."""
        spec = lex.get("curt_tone") or {}
        if not spec:
            return None
        service = self.cue_matcher(lex, "service", private=True)
        stance = tuple(str(w) for w in spec.get("stance") or ())
        texts = [(name, n) for name, n in fields(subject)]
        if any(service.find(n.text) for _, n in texts):
            return None
        for name, n in texts:
            text = n.text.translate(_YOU)
            if not any(w in text for w in stance):
                continue
            category = str(spec.get("category") or "contempt")
            return int(spec.get("weight", 1)) + 1, category, span_record(
                n, 0, len(n.text), name, entry="curt_tone", category=category,
                construction="curt_tone", label=str(spec.get("label") or "curt_tone"))
        return None


#: what may stand between quotations that make up a whole text (「…」、「…」, “…”和“…”)
_BETWEEN_QUOTES_RE = re.compile(r"(?:[\W_]|和|与|以及|及|或)*")


def reporting_quotes(text: str) -> list[tuple[int, int]]:
    """The quoted spans of ``text`` that report somebody else's words: none when the text is
    nothing but quotations (a remark or a notice as media quoted it is the speaker's own)."""
    quotes = quoted_spans(text)
    if not quotes:
        return quotes
    pos = 0
    for a, b in quotes:
        if not _BETWEEN_QUOTES_RE.fullmatch(text, pos, a):
            return quotes
        pos = max(pos, b)
    return quotes if not _BETWEEN_QUOTES_RE.fullmatch(text, pos) else []


def _reported(spans: tuple[str, list[tuple[int, int]], list[Any]], start: int, end: int) -> bool:
    """``[start, end)`` is quoted, or its sentence reports someone else's words."""
    text, quotes, frame_hits = spans
    if quotes and inside(start, end, quotes):
        return True
    s, e = sentence(text, start, end)
    return any(s <= f.start and f.end <= e for f in frame_hits)


def _rank(category: str) -> int:
    return _CATEGORY_ORDER.index(category) if category in _CATEGORY_ORDER else len(_CATEGORY_ORDER)


DETECTORS = [InappropriateSpeech()]
