"""Aho-Corasick matching over normalized text, with allowlist suppression.

All matchers share one combined automaton (see :class:`_Combined`): a text is scanned once,
whatever the number of detectors and lexicons.

A :class:`Matcher` is built once per lexicon (lazily, then memoised on the lexicon) from
:class:`Entry` objects. Terms are normalized with :func:`govspider.textnorm.normalize` so they
match normalized text (simplified, NFKC, lower-case ASCII). Entries of kind ``allow`` are not
reported: a hit that lies inside an ``allow`` hit is dropped (``打击赌博`` hides ``赌博``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick_rs

from govspider.textnorm import normalize


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: the term as written, its category, weight and kind."""

    term: str
    category: str = ""
    weight: int = 1
    kind: str = "term"  #: ``term`` (reported) or ``allow`` (suppresses hits inside it)
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    #: the first ``skip`` characters are checked by comparison, not by the automaton: entries
    #: with many different first characters would give the automaton's root a huge fan-out
    skip: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry found in a normalized text at ``[start, end)``."""

    start: int
    end: int
    entry: Entry


class _Combined:
    """One automaton over the terms of every :class:`Matcher` in the process.

    Each text is scanned once for all detectors (results memoised per text); a matcher then
    keeps the hits of its own entries. The automaton is ``ahocorasick_rs`` (its speed does not
    depend on the number of terms).
    """

    _CACHE_MAX = 2_048  # the detectors of one item share it; small keeps memory flat

    def __init__(self) -> None:
        self.patterns: list[str] = []
        self.index: dict[str, int] = {}
        self.owners: list[list[tuple[int, str, Entry]]] = []
        self.automaton: Any = None
        self.cache: dict[str, tuple] = {}

    def add(self, owner: int, key: str, prefix: str, entry: Entry) -> None:
        idx = self.index.get(key)
        if idx is None:
            idx = self.index[key] = len(self.patterns)
            self.patterns.append(key)
            self.owners.append([])
        self.owners[idx].append((owner, prefix, entry))
        self.automaton = None
        self.cache.clear()

    def _build(self) -> Any:
        return ahocorasick_rs.AhoCorasick(self.patterns, matchkind=ahocorasick_rs.MatchKind.Standard)

    def hits(self, text: str) -> tuple:
        """``(pattern index, start, end)`` of every pattern occurrence in ``text``."""
        found = self.cache.get(text)
        if found is not None:
            return found
        if self.automaton is None:
            if not self.patterns:
                return ()
            self.automaton = self._build()
        found = tuple(self.automaton.find_matches_as_indexes(text, overlapping=True))
        if len(self.cache) >= self._CACHE_MAX:
            self.cache.clear()
        self.cache[text] = found
        return found


_COMBINED = _Combined()
_IDS = itertools.count(1)


class Matcher:
    """A set of entries; ``find(text)`` returns the reported hits in text order."""

    def __init__(self, entries: Iterable[Entry], private: bool = False):
        """``private``: an automaton of its own instead of the shared one, for cue lists of
        frequent words (你, 请...) that only some texts are asked about: in the shared
        automaton their hits would be scanned and filtered for every text by every matcher."""
        self.id = next(_IDS)
        self.size = 0
        self.combined = _Combined() if private else _COMBINED
        for entry in entries:
            term = normalize(entry.term).text.strip()
            if len(term) > entry.skip:
                self.combined.add(self.id, term[entry.skip:], term[:entry.skip], entry)
                self.size += 1

    def find(self, text: str) -> list[Hit]:
        """Reported hits in ``text`` (already normalized), allowlisted ones removed."""
        if not self.size or not text:
            return []
        raw = self.combined.hits(text)
        if not raw:
            return []
        mine = self.id
        owners = self.combined.owners
        hits: list[Hit] = []
        allows: list[tuple[int, int]] = []
        for idx, start, end in raw:
            for owner, prefix, entry in owners[idx]:
                if owner != mine:
                    continue
                s = start
                if prefix:
                    s = start - len(prefix)
                    if s < 0 or text[s:start] != prefix:
                        continue
                if entry.kind == "allow":
                    allows.append((s, end))
                else:
                    hits.append(Hit(s, end, entry))
        hits.sort(key=lambda h: (h.start, h.end))
        if allows and hits:
            # a hit inside an allow hit is dropped: sweep both by start, keeping the furthest end
            # of the allow hits begun so far (linear after sorting: a page can hold thousands)
            allows.sort()
            kept, i, reach = [], 0, -1
            for h in hits:
                while i < len(allows) and allows[i][0] <= h.start:
                    reach = max(reach, allows[i][1])
                    i += 1
                if h.end > reach:
                    kept.append(h)
            hits = kept
        return hits


def entries_from(spec: Any, kind: str = "term") -> list[Entry]:
    """Entries from a lexicon section.

    Accepted shapes: ``{category: [term, ...]}``, ``{category: {weight: N, terms: [...]}}``,
    or a plain list of terms (category ``""``). A term may be ``"term"`` or
    ``{"term": ..., "weight": N, ...}``.
    """
    out: list[Entry] = []
    if spec is None:
        return out
    if isinstance(spec, list):
        spec = {"": spec}
    for category, body in spec.items():
        weight = 1
        terms = body
        if isinstance(body, dict):
            weight = int(body.get("weight", 1))
            terms = body.get("terms") or []
        for term in terms:
            if isinstance(term, dict):
                out.append(Entry(str(term["term"]), str(category),
                                 int(term.get("weight", weight)), kind,
                                 {k: v for k, v in term.items() if k not in ("term", "weight")}))
            else:
                out.append(Entry(str(term), str(category), weight, kind))
    return out
