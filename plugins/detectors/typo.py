"""``serious_typo``: misspelt fixed political phrases, organ names and leaders' names.

Canonical entries come from ``data/serious_typo.yaml``. Confusable variants are generated once
per process: homophones (same toneless pinyin, among the 3,755 common GB2312 level-1
characters), shape-similar characters from the lexicon, interior omissions and adjacent swaps.
Variants that are real words (pypinyin's phrase dictionary), substrings of a canonical entry or
listed as exceptions are dropped. A variant found in a text where no canonical entry covers it
is a finding.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider.textnorm import _TONE_STRIP, pinyin_readings
from govspider_plugins.detectors import _planted

from ._base import LexiconDetector
from ._lexicon import Lexicon
from ._matcher import Entry, Matcher
from ._text import fields, match_record


@functools.lru_cache(maxsize=1)
def common_chars() -> frozenset[str]:
    """The 3,755 level-1 characters of GB 2312 (the common ones)."""
    out = set()
    for b1 in range(0xB0, 0xD8):
        for b2 in range(0xA1, 0xFF):
            try:
                out.add(bytes((b1, b2)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(out)


@functools.lru_cache(maxsize=1)
def homophone_index() -> dict[str, tuple[str, ...]]:
    """Toneless syllable -> common characters with that reading."""
    index: dict[str, list[str]] = {}
    for ch in sorted(common_chars()):
        raw = _pinyin_dict().get(ord(ch), "")
        if not raw:
            continue
        # the primary reading only: rare readings (台 yí, 屎 xī) make implausible typos
        primary = pinyin_readings(ch) & frozenset([_toneless(raw.split(",")[0])])
        for syl in primary:
            index.setdefault(syl, []).append(ch)
    return {k: tuple(v) for k, v in index.items()}


def _pinyin_dict() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # import-here: its dictionaries cost ~0.8 s, 55 MB

    return pinyin_dict


def _toneless(syllable: str) -> str:
    return syllable.translate(_TONE_STRIP)


@functools.lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    from pypinyin.phrases_dict import (
        phrases_dict,  # import-here: its dictionaries cost ~0.8 s, 55 MB
    )

    return frozenset(phrases_dict)


def _readings(phrase: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # import-here: its dictionaries cost ~0.8 s, 55 MB

    out = lazy_pinyin(phrase, style=Style.NORMAL, v_to_u=False, errors="ignore")
    return [r.replace("ü", "v") for r in out] if len(out) == len(phrase) else [""] * len(phrase)


def generate_variants(canonical: str, shapes: dict[str, list[str]], *, omissions: bool,
                      swaps: bool = True) -> dict[str, str]:
    """Variant -> how it was made (``homophone``, ``shape``, ``omission``, ``swap``)."""
    out: dict[str, str] = {}
    readings = _readings(canonical)
    index = homophone_index()
    for i, ch in enumerate(canonical):
        for alt in shapes.get(ch, ()):
            if alt != ch:
                out.setdefault(canonical[:i] + alt + canonical[i + 1:], "shape")
        for alt in index.get(readings[i], ()):
            if alt != ch:
                out.setdefault(canonical[:i] + alt + canonical[i + 1:], "homophone")
    if omissions:
        for i in range(1, len(canonical) - 1):
            out.setdefault(canonical[:i] + canonical[i + 1:], "omission")
    if swaps:
        for i in range(len(canonical) - 1):
            a, b = canonical[i], canonical[i + 1]
            if a != b:
                out.setdefault(canonical[:i] + b + a + canonical[i + 2:], "swap")
    out.pop(canonical, None)
    return out


def build_matchers(lex: Lexicon) -> tuple[Matcher, Matcher]:
    """(variants + allowlist, canonical entries): the first one is the quick scan."""
    full = build_matcher(lex)
    canon = [str(c) for c in (lex.get("canonical") or []) + (lex.get("names") or [])]
    # private: asked only where a variant was found
    return full, Matcher([Entry(c, "canonical", kind="canonical") for c in canon], private=True)


def build_matcher(lex: Lexicon) -> Matcher:
    """Filtered variants and the allowlist in one automaton."""
    canon = [str(c) for c in lex.get("canonical") or []]
    names = [str(c) for c in lex.get("names") or []]
    shapes = {str(k): [str(x) for x in v] for k, v in (lex.get("shapes") or {}).items()}
    min_len = int((lex.get("thresholds") or {}).get("min_length", 4))
    min_omit = int((lex.get("thresholds") or {}).get("min_omission_length", 5))
    exceptions = set(map(str, lex.get("exceptions") or []))
    words = known_words()
    everything = canon + names
    entries = [Entry(str(a), "allow", kind="allow") for a in lex.get("allow") or []]
    seen = set(everything)
    for phrase, is_name in [(c, False) for c in canon] + [(n, True) for n in names]:
        if not is_name and len(phrase) < min_len:
            continue
        variants = generate_variants(phrase, shapes, omissions=not is_name and len(phrase) >= min_omit,
                                     swaps=not is_name)
        for variant, how in variants.items():
            if (variant in seen or variant in words or variant in exceptions
                    or any(variant in c for c in everything)):
                continue
            seen.add(variant)
            entries.append(Entry(variant, how, kind="variant",
                                 extra={"canonical": phrase, "name": is_name},
                                 skip=int(variant[0] != phrase[0])))
    return Matcher(entries)


class SeriousTypo(LexiconDetector):
    """A misspelt canonical phrase or name (中国共产觉, 习近乎, 全新全意为人民服务)."""

    name = "serious_typo"
    version = "1.0"
    indicator = "严重错别字"
    severity = "veto"
    scorecard = "typo"
    accepts = frozenset({"post"})
    description = "重要固定表述、机构名称、领导人姓名出现错别字"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.SERIOUS_TYPO

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        lex = self.lexicon(ctx)
        variants, canonical = self.compiled(lex, "typo", build_matchers)
        words = None
        matches: list[dict[str, Any]] = []
        for name, n in fields(subject):
            hits = variants.find(n.text)
            if not hits:
                continue
            canon = [(h.start, h.end) for h in canonical.find(n.text)]
            for hit in hits:
                if hit.entry.kind != "variant":
                    continue
                if any(a <= hit.start and hit.end <= b for a, b in canon):
                    continue
                if hit.entry.extra.get("name") or len(hit.entry.term) <= 4:
                    words = words or known_words()
                    if not _clean_boundary(n.text, hit.start, hit.end, words):
                        continue
                matches.append(match_record(n, hit, name, expected=hit.entry.extra["canonical"]))
        if not matches:
            return
        first = matches[0]
        pairs = "；".join(dict.fromkeys(f"“{m['text']}”应为“{m['expected']}”" for m in matches[:3]))
        yield self.finding(
            subject=subject, rule="variant", ctx=ctx, score=1.0,
            message=f"疑似严重错别字：{pairs}",
            evidence=self.evidence(lex, "variant:" + first["category"], matches))


def _clean_boundary(text: str, start: int, end: int, words: frozenset[str]) -> bool:
    """A short variant must not be glued to its neighbours (学习近平台 is not 习近平)."""
    if start > 0 and text[start - 1: start + 1] in words:
        return False
    if end < len(text) and text[end - 1: end + 1] in words:
        return False
    return True


DETECTORS = [SeriousTypo()]
