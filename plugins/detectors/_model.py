"""Second-stage text models: character n-gram logistic regression shipped as data.

A content detector's rules are precise but word lists do not carry over to wordings nobody
wrote down (see ``tests/detectors/real/README.md``). A small statistical model over character
n-grams of the normalized text catches some of those: it is trained in this repository by
``python -m govspider_plugins.detectors.train`` from data the repository carries (the tuning half of the
real-incident set, the written cases, ordinary posts of the sandbox world), never from the test
half, and shipped as ``data/models/<detector>.json.gz``. Inference is pure Python: no model is
downloaded and scikit-learn is needed only to train.

The features are exactly scikit-learn's ``TfidfVectorizer(analyzer=gram_set, binary=True,
norm="l2")``: for each n-gram of the vocabulary present in the text its ``idf``, the vector
scaled to unit length; the probability is ``sigmoid(intercept + w . x)``. :func:`model_input`
and :func:`gram_set` are shared by training and inference, so both see the same features, and
a score is a handful of numpy operations over the text's n-gram ids (:func:`gram_ids`).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import lxml.html
import numpy as np

from ._text import norm

MODELS_DIR = Path(__file__).resolve().parent / "data" / "models"
_DIGITS = re.compile(r"[0-9]")
_SPACE = re.compile(r"\s+")
#: a part longer than this is read up to here (an article's first screens say what it is)
MAX_PART = 4000


def model_text(text: str) -> str:
    """The text a model reads: NFKC, lower case, simplified script (the detectors' memoised
    normalization), digits as ``0``, whitespace collapsed.

    The same as ``_SPACE.sub(" ", _DIGITS.sub("0", t)).strip()``, a few times faster: nine
    ``str.replace`` of one ASCII digit each, and ``str.split`` (whose whitespace is exactly
    ``\\s`` of a ``str`` regex and that of ``str.strip``)."""
    t = (norm(text).text.replace("1", "0").replace("2", "0").replace("3", "0").replace("4", "0")
         .replace("5", "0").replace("6", "0").replace("7", "0").replace("8", "0").replace("9", "0"))
    return " ".join(t.split())


def letters(prepared: str, enough: int | None = None) -> int:
    """The letters (Chinese characters included) of a model text: numbers and punctuation do
    not make a text long enough to judge (客服电话：400-123-4567 holds four). With ``enough``,
    counting stops there (most texts reach it at once)."""
    count = 0
    for ch in prepared:
        if ch.isalpha():
            count += 1
            if count == enough:
                break
    return count


def model_input(parts: list[str]) -> str:
    """The model text of an item's parts (title, text), joined by a space."""
    if len(parts) == 1:  # the usual case (a post without a title, a reply)
        return model_text(parts[0][:MAX_PART])[:MAX_INPUT]
    return " ".join(t for t in (model_text(p[:MAX_PART]) for p in parts) if t)[:MAX_INPUT]


#: per n, the slice of every n-gram position up to MAX_INPUT (built on first use): the
#: n-grams are then cut and collected in C
_SLICES: dict[int, list[slice]] = {}
#: a model reads this many characters of an item at most
MAX_INPUT = 8000


def gram_set(text: str, low: int = 1, high: int = 3) -> set[str]:
    """The distinct character n-grams of ``text`` (already :func:`model_input`), ``low`` to
    ``high`` long. The models use binary term frequencies: a present n-gram counts once."""
    out: set[str] = set()
    size = min(len(text), MAX_INPUT)
    for n in range(low, high + 1):
        slices = _SLICES.get(n)
        if slices is None:
            slices = _SLICES[n] = [slice(i, i + n) for i in range(MAX_INPUT)]
        out.update(map(text.__getitem__, islice(slices, max(0, size - n + 1))))
    return out


def gram_id(gram: str) -> int:
    """An n-gram (1 to 3 characters) as one integer: code points (< 2**21) side by side. The
    orders do not collide: no code point is 0, so a bigram is >= 2**21, a trigram >= 2**42."""
    out = 0
    for ch in gram:
        out = (out << 21) | ord(ch)
    return out


_SHIFT = np.uint64(21)
#: Fibonacci hashing of n-gram ids (:meth:`TextModel._positions`): the top bits of id * this
_HASH = np.uint64(0x9E3779B97F4A7C15)
#: a free slot: no n-gram id (at most 63 bits) is this
_EMPTY = np.uint64(2 ** 64 - 1)
#: characters below this (the Basic Multilingual Plane) are looked up as unigrams directly
_BMP = np.uint64(0x10000)


def gram_ids(text: str, low: int = 1, high: int = 3) -> np.ndarray:
    """:func:`gram_set` as sorted distinct :func:`gram_id` values, computed in numpy (the
    detectors score every post: this is their hot path, so it counts numpy calls)."""
    cp = np.frombuffer(text[:MAX_INPUT].encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    size = len(cp)
    orders = [cp]  # n = 1
    for _ in range(1, high):
        prev = orders[-1]
        if len(prev) < 2:
            break
        orders.append((prev[:-1] << _SHIFT) | cp[size - len(prev) + 1:])
    parts = [o for n, o in enumerate(orders, 1) if n >= low and len(o)]
    if not parts:
        return np.empty(0, dtype=np.uint64)
    ids = np.concatenate(parts)
    ids.sort()
    # distinct values (np.unique is many times slower on small arrays)
    keep = np.empty(len(ids), dtype=bool)
    keep[0] = True
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]


def item_parts(item: dict[str, Any]) -> list[str]:
    """The texts a model reads from an item: title and text; a page's visible text."""
    parts = [item.get("title"), item.get("text")]
    if item.get("item_type") == "page" and not item.get("text") and item.get("raw_html"):
        parts.append(page_text(str(item["raw_html"])))
    return [p for p in parts if isinstance(p, str) and p.strip()]


def item_text(item: dict[str, Any]) -> str:
    """:func:`item_parts` as one text (for people: messages, listings)."""
    return "\n".join(item_parts(item))


def page_text(html: str) -> str:
    """Visible text of a page (scripts and styles left out)."""
    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return " ".join(root.text_content().split())



@dataclass
class Score:
    """A model's judgement of one text."""

    probability: float
    #: the n-grams that pushed the score up most, with their share of the logit
    reasons: list[tuple[str, float]]


class TextModel:
    """A trained model: vocabulary (n-gram -> (idf, weight)), intercept and threshold."""

    def __init__(self, spec: dict[str, Any]):
        self.spec = spec
        self.detector = str(spec["detector"])
        self.version = str(spec["version"])
        self.low, self.high = (int(v) for v in spec["ngram_range"])
        self.intercept = float(spec["intercept"])
        self.threshold = float(spec["threshold"])
        #: a shorter model text is not judged at all
        self.min_chars = int(spec.get("min_chars") or 1)
        #: n-gram -> (idf, weight)
        self.terms: dict[str, tuple[float, float]] = {
            g: (float(v[0]), float(v[1])) for g, v in spec["terms"].items()}
        # the vocabulary as sorted integer ids (see gram_ids) beside idf * weight and idf^2
        # (a last sentinel above every id: a search never runs off the end)
        ids = sorted((gram_id(g), i * w, i * i) for g, (i, w) in self.terms.items())
        ids.append((2 ** 64 - 1, 0.0, 0.0))
        self._ids = np.array([t[0] for t in ids], dtype=np.uint64)
        self._iw = np.array([t[1] for t in ids], dtype=np.float64)
        self._i2 = np.array([t[2] for t in ids], dtype=np.float64)
        self._table: tuple[np.ndarray, np.ndarray, np.uint64] | None = None
        self._unigrams: np.ndarray | None = None

    def _lookup_table(self) -> tuple[np.ndarray, np.ndarray, np.uint64]:
        """An open-addressing hash table of the vocabulary ids (built on first use): slot keys
        (``_EMPTY`` where free), the index in ``_ids`` of each (-1 where free), and the hash's
        shift. A batch looks its n-grams up in it: ``np.searchsorted`` over the vocabulary was
        the costliest step of scoring (a binary search of cache misses per n-gram)."""
        if self._table is None:
            bits = max(4, (4 * len(self._ids) - 1).bit_length())  # at most a quarter full
            shift = np.uint64(64 - bits)
            mask = (1 << bits) - 1
            keys = np.full(1 << bits, _EMPTY, dtype=np.uint64)
            index = np.full(1 << bits, -1, dtype=np.int32)
            ids = self._ids[:-1]  # not the sentinel
            todo = np.arange(len(ids))
            slot = ((ids * _HASH) >> shift).astype(np.intp)
            while len(todo):  # linear probing, in rounds: one n-gram takes each free slot asked
                free = np.flatnonzero(index[slot] < 0)
                taken, first = np.unique(slot[free], return_index=True)
                won = free[first]
                index[taken] = todo[won]
                keys[taken] = ids[todo[won]]
                left = np.ones(len(todo), dtype=bool)
                left[won] = False  # the others move on past a slot now occupied
                todo, slot = todo[left], (slot[left] + 1) & mask
            self._table = (keys, index, shift)
        return self._table

    def _unigram_positions(self) -> np.ndarray:
        """The index in ``_ids`` of each character of the Basic Multilingual Plane as a
        unigram, -1 where it is none (built on first use): a text's characters are looked up
        in it directly, a third of the batch's n-grams."""
        if self._unigrams is None:
            ids = self._ids[:-1]  # not the sentinel
            at = np.flatnonzero(ids < _BMP)
            self._unigrams = np.full(int(_BMP), -1, dtype=np.int32)
            self._unigrams[ids[at].astype(np.intp)] = at
        return self._unigrams

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """The index in ``_ids`` of each of ``ids``, -1 for an n-gram not in the vocabulary."""
        keys, index, shift = self._lookup_table()
        slot = ids * _HASH
        slot >>= shift
        slot = slot.astype(np.intp)
        # ``take``: the plain gather (indexing with an array goes through numpy's general
        # fancy-indexing machinery)
        at = index.take(slot)
        other = keys.take(slot) != ids
        # an occupied slot of another n-gram: probe the next slots (linear probing)
        todo = np.flatnonzero(other & (at >= 0))
        at[other] = -1
        if len(todo):
            mask = len(keys) - 1
            slot = slot.take(todo)
            want = ids.take(todo)
            while len(todo):
                slot += 1
                slot &= mask
                found = index.take(slot)
                same = keys.take(slot) == want
                at[todo[same]] = found[same]
                more = (found >= 0) & ~same
                todo, slot, want = todo[more], slot[more], want[more]
        return at

    @classmethod
    def load(cls, detector: str, directory: Path = MODELS_DIR) -> TextModel | None:
        """The shipped model of ``detector``, or None when it has none."""
        path = directory / f"{detector}.json.gz"
        if not path.is_file():
            return None
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return cls(json.load(fh))

    def judges(self, prepared: str) -> bool:
        """Is there enough text for this model to judge: ``min_chars`` letters (see
        :func:`letters`)?"""
        return len(prepared) >= self.min_chars and letters(prepared, self.min_chars) >= self.min_chars

    def probability(self, prepared: str) -> float:
        """Probability of a :func:`model_input` text."""
        logit = self.intercept
        if prepared:
            ids = gram_ids(prepared, self.low, self.high)
            at = np.searchsorted(self._ids, ids)
            hit = at[self._ids[at] == ids]
            if len(hit):
                # binary tf-idf scaled to unit length: x_g = idf_g / sqrt(sum idf^2)
                logit += float(self._iw[hit].sum()) / math.sqrt(float(self._i2[hit].sum()))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, logit))))

    def probabilities(self, texts: list[str]) -> list[float]:
        """:meth:`probability` of many :func:`model_input` texts at once: the same numbers, in
        a fixed number of numpy operations for the whole batch (n-grams never span two texts)."""
        if not texts:
            return []
        if max(map(len, texts)) > MAX_INPUT:
            texts = [t[:MAX_INPUT] for t in texts]
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        cp = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        # a hit is the key text << bits | vocabulary index: sorted, it orders the hits by text
        # then entry (int32 when it fits: a faster sort)
        bits = len(self._ids).bit_length()
        kind = np.int32 if len(texts) << bits < 2 ** 31 else np.int64
        # the key's text part of each position (its text << bits)
        owner = np.repeat(np.arange(len(texts), dtype=kind) << bits, lens)
        room = np.repeat(np.cumsum(lens), lens) - np.arange(len(cp))  # characters left in it
        key_parts = []
        prev = cp
        for n in range(1, self.high + 1):
            if n > 1:
                if len(prev) < 2:
                    break
                prev = (prev[:-1] << _SHIFT) | cp[n - 1:]
            if n >= self.low:
                # looked up before the n-grams across two texts are left out (fewer copies)
                if n == 1 and len(cp) and cp.max() < _BMP:
                    at = self._unigram_positions().take(cp.astype(np.intp))
                else:
                    at = self._positions(prev)
                hit = at >= 0
                if n > 1:
                    hit &= room[: len(prev)] >= n
                # every position's key, then the hits' (one selection instead of two)
                key = owner[: len(prev)] | at.astype(kind, copy=False)
                key_parts.append(key[hit])
        sums = np.zeros(len(texts))
        norms = np.zeros(len(texts))
        if key_parts:
            # binary tf: each vocabulary entry once per text (one sort of the keys)
            key = np.concatenate(key_parts)
            key.sort()
            if len(key):
                first = np.empty(len(key), dtype=bool)
                first[0] = True
                np.not_equal(key[1:], key[:-1], out=first[1:])
                key = key[first]
            who = (key >> bits).astype(np.intp)
            at = (key & ((1 << bits) - 1)).astype(np.intp)
            sums = np.bincount(who, weights=self._iw.take(at), minlength=len(texts))
            norms = np.bincount(who, weights=self._i2.take(at), minlength=len(texts))
        safe = np.where(norms > 0, norms, 1.0)
        logit = self.intercept + np.where(norms > 0, sums / np.sqrt(safe), 0.0)
        return (1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))).tolist()

    def contributions(self, prepared: str) -> list[tuple[str, float]]:
        """Each present n-gram's share of the logit, largest first."""
        grams = [g for g in gram_set(prepared, self.low, self.high) if g in self.terms]
        if not grams:
            return []
        scale = 1.0 / math.sqrt(sum(self.terms[g][0] ** 2 for g in grams))
        out = [(g, self.terms[g][0] * self.terms[g][1] * scale) for g in grams]
        return sorted(out, key=lambda c: (-c[1], c[0]))

    def score(self, parts: list[str] | str, reasons: int = 5) -> Score:
        """Probability that the item's texts (``parts``: title, text) belong to the detector's
        class, and the n-grams that weighed most for it."""
        prepared = model_input([parts] if isinstance(parts, str) else parts)
        top = [c for c in self.contributions(prepared) if c[1] > 0]
        return Score(self.probability(prepared), _distinct(top, reasons))

    def __repr__(self) -> str:
        return (f"TextModel({self.detector!r}, version={self.version!r}, "
                f"terms={len(self.terms)}, threshold={self.threshold})")


def _distinct(ranked: list[tuple[str, float]], limit: int) -> list[tuple[str, float]]:
    """The first ``limit`` n-grams, leaving out those inside one already chosen."""
    out: list[tuple[str, float]] = []
    for g, c in ranked:
        if len(out) >= limit:
            break
        if g.strip() and not any(g in kept for kept, _ in out):
            out.append((g, round(c, 3)))
    return out


_LOADED: dict[str, TextModel | None] = {}
_DISABLED: list[bool] = []


def shipped_model(detector: str) -> TextModel | None:
    """:meth:`TextModel.load`, once per process (None inside :func:`models_disabled`)."""
    if _DISABLED:
        return None
    if detector not in _LOADED:
        _LOADED[detector] = TextModel.load(detector)
    return _LOADED[detector]


@contextmanager
def models_disabled() -> Iterator[None]:
    """Run the detectors on their rules alone (to report the models' share separately)."""
    _DISABLED.append(True)
    try:
        yield
    finally:
        _DISABLED.pop()
