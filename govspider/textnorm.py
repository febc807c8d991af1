"""The one Chinese text normalizer every detector matches against.

``normalize(text)`` applies, in order:

1. removal of zero-width and invisible format characters (U+200B..U+200F, U+202A..U+202E,
   U+2060..U+2064, U+FEFF, soft hyphen);
2. Unicode NFKC (full-width letters and digits, compatibility ideographs, circled numbers...);
3. removal of the clone artifact ``汉字(pinyin)``: a parenthesised pinyin syllable right after a
   Han character is dropped when it is a reading of that character (``發(fā)`` -> ``發``,
   ``发(fa)`` -> ``发``); other parentheses stay;
4. traditional -> simplified Chinese with OpenCC ``t2s``;
5. ASCII letters lower-cased (length-preserving), so lexicons are written in lower case.

The result keeps, for every normalized character, the span of the original text it came from,
so evidence can quote the original: :meth:`Normalized.span_to_original`.

Fast paths: plain ASCII text and text that is already NFKC, simplified and free of zero-width
characters and parentheses skip the corresponding steps (no OpenCC call at all).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

import opencc

__all__ = ["Normalized", "normalize", "t2s", "pinyin_readings", "pinyin_artifacts",
           "strip_pinyin_artifacts"]

#: invisible characters (soft hyphen, zero-width and bidi marks, BOM): one set, the class made from it
_INVISIBLE = frozenset(chr(c) for c in (0xAD, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                                        *range(0x2060, 0x2065), 0xFEFF))
_INVISIBLE_RE = re.compile("[" + "".join(sorted(_INVISIBLE)) + "]")
_UPPER_RE = re.compile("[A-Z]")
_LOWER_ASCII = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_TONE_STRIP = str.maketrans({
    **dict.fromkeys("āáǎà", "a"), **dict.fromkeys("ēéěè", "e"), **dict.fromkeys("īíǐì", "i"),
    **dict.fromkeys("ōóǒò", "o"), **dict.fromkeys("ūúǔù", "u"), **dict.fromkeys("ǖǘǚǜü", "v"),
    **dict.fromkeys("ńňǹ", "n"), "ḿ": "m"})


class Normalized(NamedTuple):
    """A normalized text and the way back to the original.

    ``to_original`` is ``None`` when every normalized character sits at the same index in the
    original (no step changed the length); otherwise a tuple of ``(start, end)`` original spans,
    one per normalized character. Immutable and hashable; a named tuple rather than a frozen
    dataclass because every text of every item makes one (half the cost to construct).
    """

    text: str
    original: str
    to_original: tuple[tuple[int, int], ...] | None = None

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` span of the normalized ``[start, end)`` span."""
        if self.to_original is None:
            return start, end
        if not self.to_original:
            return 0, 0
        n = len(self.to_original)
        start = min(max(start, 0), n - 1)
        last = min(max(end - 1, start), n - 1)
        return self.to_original[start][0], self.to_original[last][1]

    def original_text(self, start: int, end: int) -> str:
        """The original text behind the normalized ``[start, end)`` span."""
        s, e = self.span_to_original(start, end)
        return self.original[s:e]


# --------------------------------------------------------------------------- OpenCC

@functools.lru_cache(maxsize=1)
def _converter():
    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _traditional_class() -> str:
    """Every Han character that ``t2s`` changes on its own (the body of a character class)."""
    conv = _converter()
    chars = [chr(i) for i in range(0x3400, 0x4DC0)] + [chr(i) for i in range(0x4E00, 0xA000)]
    out = conv.convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # pragma: no cover - would only happen with a broken OpenCC
        return "".join(chars) + "".join(map(chr, range(0xF900, 0xFB00)))
    return "".join(sorted(a for a, b in zip(chars, out, strict=False) if a != b))


@functools.lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """The characters of :func:`_traditional_class`."""
    return frozenset(_traditional_class())


@functools.lru_cache(maxsize=1)
def _traditional_re() -> re.Pattern[str]:
    """A character class of every Han character that ``t2s`` changes on its own."""
    return re.compile(f"[{_traditional_class()}]")


@functools.lru_cache(maxsize=1)
def _marks_re() -> re.Pattern[str]:
    """One character class of every character a step of :func:`normalize` acts on: invisible
    ones, full-width ones (``_FULLWIDTH``), ``(``, ASCII capitals and those of
    :func:`_traditional_re`; ``normalize`` scans a text once with it instead of once per step."""
    return re.compile(f"[{_INVISIBLE_RE.pattern[1:-1]}\u3000\uff01-\uff5e(A-Z{_traditional_class()}]")


def t2s(text: str) -> str:
    """Traditional -> simplified (OpenCC ``t2s``); no OpenCC call when nothing is traditional."""
    if text.isascii() or not _traditional_re().search(text):
        return text
    return _converter().convert(text)


# --------------------------------------------------------------------------- pinyin artifact

@functools.lru_cache(maxsize=8192)
def pinyin_readings(char: str) -> frozenset[str]:
    """Toneless readings of a Han character (``ü`` as ``v``), from pypinyin's dictionary."""
    from pypinyin.pinyin_dict import pinyin_dict  # import-here: its dictionaries cost ~0.8 s, 55 MB

    raw = pinyin_dict.get(ord(char))
    if not raw:
        return frozenset()
    return frozenset(r.translate(_TONE_STRIP) for r in raw.split(","))


def _is_artifact(char: str, syllable: str) -> bool:
    syl = syllable.lower().rstrip("12345").translate(_TONE_STRIP)
    return bool(syl) and syl in pinyin_readings(char)


_ARTIFACT_BODY_RE = re.compile(rf"\(([a-zA-Z{_TONED}]{{1,7}}[1-5]?)\)")
#: one Chinese character (the CJK unified ideographs, extension A and the compatibility block)
HAN_RE = re.compile(f"[{_HAN}]")


def pinyin_artifacts(text: str) -> list[tuple[int, int]]:
    """Spans of the ``(pinyin)`` parts of clone artifacts in ``text`` (``發(fā)`` -> the ``(fā)``)."""
    return [(s, e) for s, e, _ in _artifact_edits(text)] if "(" in text else []


def _artifact_edits(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, "")`` for each ``(pinyin)`` that follows the character it reads."""
    # one search through the text (a body holds no "(": the bodies found are those found by
    # trying each "(" in turn)
    return [(pos, m.end(), "") for m in _ARTIFACT_BODY_RE.finditer(text)
            if (pos := m.start()) > 0 and HAN_RE.match(text, pos - 1)
            and _is_artifact(text[pos - 1], m.group(1))]


def strip_pinyin_artifacts(text: str) -> str:
    """``發(fā)展`` -> ``發展``: only a reading of the preceding character is dropped."""
    return normalize(text, lower=False, simplify=False).text


# --------------------------------------------------------------------------- pipeline

def _edit(text: str, spans: list[tuple[int, int]] | None, pieces) -> tuple[str, list]:
    """Rebuild ``text`` from ``pieces`` = iterable of (start, end, replacement) edits in order."""
    if spans is None:
        spans = [(i, i + 1) for i in range(len(text))]
    out: list[str] = []
    new_spans: list[tuple[int, int]] = []
    pos = 0
    for start, end, repl in pieces:
        out.append(text[pos:start])
        new_spans.extend(spans[pos:start])
        if repl:
            src = (spans[start][0], spans[end - 1][1]) if end > start else spans[start]
            out.append(repl)
            new_spans.extend([src] * len(repl))
        pos = end
    out.append(text[pos:])
    new_spans.extend(spans[pos:])
    return "".join(out), new_spans


#: the ideographic space and full-width ASCII -> their NFKC forms
_FULLWIDTH = {"\u3000": " ", **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}}
_WIDE = frozenset(_FULLWIDTH)  # a set: ``set.intersection`` walks the smaller one
_CAPITALS = frozenset(map(chr, range(ord("A"), ord("Z") + 1)))


def _fullwidth(text: str, chars: set[str]) -> str:
    """``text`` with the characters ``chars`` (keys of ``_FULLWIDTH``) replaced: one
    ``str.replace`` per distinct character (a regex substitution calls back into Python for
    every occurrence)."""
    for ch in chars:
        text = text.replace(ch, _FULLWIDTH[ch])
    return text


def _nfkc_pieces(text: str):
    """Edits turning ``text`` into NFKC, one cluster (base + combining marks) at a time."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        norm = unicodedata.normalize("NFKC", cluster)
        if norm != cluster:
            yield i, j, norm
        i = j


def normalize(text: str | None, *, lower: bool = True, simplify: bool = True) -> Normalized:
    """Normalize ``text`` for matching (see the module docstring); ``None`` -> empty."""
    if not text:
        return Normalized("", text or "")
    original = text
    if text.isascii():
        if lower and _UPPER_RE.search(text):
            return Normalized(text.translate(_LOWER_ASCII), original)
        return Normalized(text, original)
    spans: list[tuple[int, int]] | None = None
    # the characters the steps below act on, in one scan; each step that may add some (the
    # full-width forms of "(" and capitals, NFKC by clusters, OpenCC) updates or rescans it
    marks = set(_marks_re().findall(text))
    if not marks.isdisjoint(_INVISIBLE):
        text, spans = _edit(text, spans, ((m.start(), m.end(), "")
                                          for m in _INVISIBLE_RE.finditer(text)))
    # a full-width character is never NFKC: a text with one needs no check
    wide = marks.intersection(_WIDE)
    if wide or not unicodedata.is_normalized("NFKC", text):
        quick = None
        if spans is None:
            # the usual case: full-width punctuation and letters, 1 -> 1, positions unchanged
            quick = _fullwidth(text, wide)
            if unicodedata.is_normalized("NFKC", quick):
                marks.update(map(_FULLWIDTH.__getitem__, wide))
            else:
                quick = None  # anything else (①, ㈱, compositions): the cluster-wise path
        if quick is not None:
            text = quick
        else:
            pieces = list(_nfkc_pieces(text))
            if any(e - s != len(r) for s, e, r in pieces) or spans is not None:
                text, spans = _edit(text, spans, pieces)
            else:
                text = _apply_same_length(text, pieces)
            marks = set(_marks_re().findall(text))
    if "(" in marks:
        edits = _artifact_edits(text)
        if edits:
            text, spans = _edit(text, spans, edits)
    upper = not marks.isdisjoint(_CAPITALS)
    if simplify and not marks.isdisjoint(_traditional_chars()):
        converted = _converter().convert(text)
        if len(converted) == len(text):
            text = converted
        else:  # rare: a phrase changed length; convert character by character instead
            conv = _converter()
            text = "".join(conv.convert(c) if len(conv.convert(c)) == 1 else c for c in text)
        upper = _UPPER_RE.search(text) is not None
    if lower and upper:
        text = text.translate(_LOWER_ASCII)
    if spans is None:
        return Normalized(text, original)
    return Normalized(text, original, tuple(spans))


def _apply_same_length(text: str, pieces: list[tuple[int, int, str]]) -> str:
    chars = list(text)
    for start, end, repl in pieces:
        chars[start:end] = list(repl)
    return "".join(chars)
