"""``privacy_leak``: resident ids and private mobile numbers published unmasked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding

from ._base import LexiconDetector
from ._text import fields, mask_digits, sentence, span_record

_ID_RE = re.compile(r"(?<![0-9a-z])([1-9][0-9]{5})((?:18|19|20)[0-9]{2})([01][0-9])([0-3][0-9])"
                    r"[0-9]{3}[0-9x](?![0-9a-z])")
_MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_DIGITS_RE = re.compile(r"[0-9]{11}")
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
    accepts = frozenset({"post"})
    description = "公开发布未脱敏的身份证号码、手机号码等个人信息"

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        candidates = [(name, n) for name, n in fields(subject) if _DIGITS_RE.search(n.text)]
        if not candidates:
            return
        lex = self.lexicon(ctx)
        provinces = self.compiled(lex, "provinces", lambda lx: {int(p) for p in lx.get("provinces")})
        today = ctx.now.date() if ctx.now else None
        ids: list[dict[str, Any]] = []
        mobiles: list[dict[str, Any]] = []
        personal = self.cue_matcher(lex, "personal_cues")
        official = self.cue_matcher(lex, "official_cues")
        for name, n in candidates:
            text = n.text
            for m in _ID_RE.finditer(text):
                value = m.group(0)
                if valid_resident_id(value, provinces, today):
                    rec = span_record(n, m.start(), m.end(), name, category="resident_id",
                                      entry="resident_id")
                    rec["text"] = mask_digits(value.upper(), 4, 4)
                    ids.append(rec)
            mobile_hits = list(_MOBILE_RE.finditer(text))
            if not mobile_hits:
                continue
            p_hits = personal.find(text)
            listing = bool(self.cue_matcher(lex, "list_cues").find(text))
            o_hits = official.find(text)
            for m in mobile_hits:
                s, e = _line_or_sentence(text, m.start(), m.end())
                if any(s <= h.start and h.end <= e for h in o_hits):
                    continue
                near_personal = listing or any(s <= h.start and h.end <= e for h in p_hits)
                rec = span_record(n, m.start(), m.end(), name, category="mobile", entry="mobile")
                rec["text"] = mask_digits(m.group(0), 3, 4)
                rec["personal_context"] = near_personal
                mobiles.append(rec)
        personal_mobiles = [m for m in mobiles if m["personal_context"]]
        distinct = {m["text"] for m in personal_mobiles}
        min_list = int(lex.threshold("min_mobiles_in_list", ctx) or 3)
        if ids:
            rule = "resident_id"
            evidence = ids + mobiles
            what = f"{len(ids)}个未脱敏身份证号码（如{ids[0]['text']}）"
            if mobiles:
                what += f"及{len({m['text'] for m in mobiles})}个手机号码"
        elif personal_mobiles and (len(distinct) >= min_list or any(
                _has_cue(p, "身份证") for p in [subject.get("text") or ""])):
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


def _line_or_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The smaller of the line and the sentence around a number (lists put one per line)."""
    s, e = sentence(text, start, end)
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    return max(s, ls), min(e, le)


DETECTORS = [PrivacyLeak()]
