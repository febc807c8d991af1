"""``privacy_leak``: resident ids and private mobile numbers published unmasked."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from datetime import date
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider_plugins.detectors import _planted

from ._base import LexiconDetector
from ._text import _SENTENCE_RE, fields, mask_digits, span_record

_ID_RE = re.compile(r"(?<![0-9a-z])([1-9][0-9]{5})((?:18|19|20)[0-9]{2})([01][0-9])([0-3][0-9])"
                    r"[0-9]{3}[0-9x](?![0-9a-z])")
_MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
#: a run of 11 digits or more, tried only where a run starts (not again at each of its digits)
_DIGITS_RE = re.compile(r"[0-9](?<![0-9][0-9])[0-9]{10}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_checksum_ok(value: str) -> bool:
    """ISO 7064 MOD 11-2 check digit of an 18-digit resident id."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS, strict=False))
    return _CHECK[total % 11] == value[17].upper()


def valid_resident_id(value: str, provinces: set[int], today: date | None = None) -> bool:
    """Checksum, province code and a real birth date not in the future."""
    if not id_checksum_ok(value) or int(value[:2]) not in provinces:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return born.year >= 1900 and (today is None or born <= today)


class PrivacyLeak(LexiconDetector):
    """A valid 18-digit resident id, or private mobile numbers next to personal details.

    Staff and service numbers (联系人, 咨询电话, 12345...) are not leaks. Evidence keeps the
    numbers masked (``4403**********1234``, ``138****5678``).
    """

    name = "privacy_leak"
    version = "1.0"
    indicator = "个人隐私泄露"
    severity = "high"
    scorecard = "privacy"
    masks_evidence = True
    accepts = frozenset({"post"})
    description = "公开发布未脱敏的身份证号码、手机号码等个人信息"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.PRIVACY_LEAK

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        candidates = [(name, n) for name, n in fields(subject) if _DIGITS_RE.search(n.text)]
        if not candidates:
            return
        lex = self.lexicon(ctx)
        provinces = self.compiled(lex, "provinces", lambda lx: {int(p) for p in lx.get("provinces")})
        today = ctx.now.date() if ctx.now else None
        ids: list[dict[str, Any]] = []
        numbers = []  # (field, its text, its mobile numbers)
        for name, n in candidates:
            text = n.text
            for m in _ID_RE.finditer(text):
                value = m.group(0)
                if valid_resident_id(value, provinces, today):
                    rec = span_record(n, m.start(), m.end(), name, category="resident_id",
                                      entry="resident_id")
                    rec["text"] = mask_digits(value.upper(), 4, 4)
                    ids.append(rec)
            if mobile_hits := list(_MOBILE_RE.finditer(text)):
                numbers.append((name, n, mobile_hits))
        min_list = int(lex.threshold("min_mobiles_in_list", ctx) or 3)
        id_cue = _has_cue(subject.get("text") or "", "身份证")
        if not ids and not id_cue and sum(len(hits) for _, _, hits in numbers) < min_list:
            # no rule can hold: without an id, mobile_personal needs the id cue or min_list
            # distinct numbers (the numbers' sentences and cues are not looked at)
            return
        mobiles: list[dict[str, Any]] = []
        # private automatons: asked only when a rule can hold, these cues (联系电话, 姓名...)
        # would otherwise be scanned and grouped for every text, and their late build (the
        # first text that needs them) would rebuild the shared automaton in the middle of a run
        personal = self.cue_matcher(lex, "personal_cues", private=True)
        official = self.cue_matcher(lex, "official_cues", private=True)
        listing_cues = self.cue_matcher(lex, "list_cues", private=True)
        for name, n, mobile_hits in numbers:
            text = n.text
            listing = bool(listing_cues.find(text))
            sentences = _Sentences(text)
            p_hits = _Spans(personal.find(text))
            o_hits = _Spans(official.find(text))
            for m in mobile_hits:
                s, e = sentences.around(m.start(), m.end())
                if o_hits.any_within(s, e):
                    continue
                near_personal = listing or p_hits.any_within(s, e)
                rec = span_record(n, m.start(), m.end(), name, category="mobile", entry="mobile")
                rec["text"] = mask_digits(m.group(0), 3, 4)
                rec["personal_context"] = near_personal
                mobiles.append(rec)
        personal_mobiles = [m for m in mobiles if m["personal_context"]]
        distinct = {m["text"] for m in personal_mobiles}
        if ids:
            rule = "resident_id"
            evidence = ids + mobiles
            what = f"{len(ids)}个未脱敏身份证号码（如{ids[0]['text']}）"
            if mobiles:
                what += f"及{len({m['text'] for m in mobiles})}个手机号码"
        elif personal_mobiles and (len(distinct) >= min_list or id_cue):
            rule = "mobile_personal"
            evidence = personal_mobiles
            what = f"{len(distinct)}个与个人信息并列的手机号码（如{personal_mobiles[0]['text']}）"
        else:
            return
        yield self.finding(
            subject=subject, rule=rule, ctx=ctx, score=1.0 if ids else 0.8,
            message=f"发布内容泄露个人隐私：公开了{what}",
            evidence=self.evidence(lex, rule, evidence))


def _has_cue(text: str, cue: str) -> bool:
    return cue in text


class _Sentences:
    """The sentence (or line: a newline ends a sentence too) around any span of one text,
    from the sentence ends found once: ``O(log n)`` a query, where scanning the text from each
    number made a long text without punctuation quadratic (a 5 MB post took minutes)."""

    def __init__(self, text: str):
        self.length = len(text)
        self.ends = [m.start() for m in _SENTENCE_RE.finditer(text)]

    def around(self, start: int, end: int) -> tuple[int, int]:
        """Same bounds as ``_text.sentence``: after the last end before ``start``, up to the
        first end at or after ``end``."""
        i = bisect_left(self.ends, start)
        left = self.ends[i - 1] + 1 if i else 0
        j = bisect_left(self.ends, end)
        return left, self.ends[j] if j < len(self.ends) else self.length


class _Spans:
    """Cue hits, asked whether one lies inside ``[s, e)`` in ``O(log n)``: the smallest end
    among the hits starting at or after ``s`` is known for every ``s``."""

    def __init__(self, hits: list[Any]):
        pairs = sorted((h.start, h.end) for h in hits)
        self.starts = [p[0] for p in pairs]
        self.min_end = [p[1] for p in pairs]
        for i in range(len(pairs) - 2, -1, -1):
            self.min_end[i] = min(self.min_end[i], self.min_end[i + 1])

    def any_within(self, s: int, e: int) -> bool:
        i = bisect_left(self.starts, s)
        return i < len(self.starts) and self.min_end[i] <= e


DETECTORS = [PrivacyLeak()]
