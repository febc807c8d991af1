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
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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


class Hit(NamedTuple):
    """An entry found in a normalized text at ``[start, end)`` (a named tuple: matchers make
    one per reported hit, and a frozen dataclass costs twice as much to construct)."""

    start: int
    end: int
    entry: Entry


#: what one owner has at one pattern: its entries without a prefix, and those with one as
#: ``((prefix length, {prefix: entries}), ...)`` (each in the order they were added)
_Part = tuple[tuple[Entry, ...], tuple[tuple[int, dict[str, tuple[Entry, ...]]], ...]]


class _Combined:
    """One automaton over the terms of every :class:`Matcher` in the process.

    Each text is scanned once for all detectors; its hits are grouped by the matcher that owns
    their entries (memoised per text), so a matcher reads its own hits only, and its finished
    result is memoised in the same place (detectors ask the same matcher about one text several
    times). The automaton is ``ahocorasick_rs`` (its speed does not depend on the number of
    terms).
    """

    _CACHE_MAX = 2_048  # the detectors of one item share it; small keeps memory flat

    def __init__(self) -> None:
        self.patterns: list[str] = []
        self.index: dict[str, int] = {}
        self.owners: list[list[tuple[int, str, Entry]]] = []
        self.automaton: Any = None
        #: per pattern, ``{owner: its part}``: :attr:`owners` grouped (with the automaton)
        self.parts: list[dict[int, _Part]] = []
        #: text -> {owner: its hits ``[(pattern, start, end)]`` (a list; the part is looked up
        #: when the owner asks), or its finished :meth:`Matcher.find` result (a tuple) once
        #: asked}
        self.cache: dict[str, dict[int, list | tuple]] = {}

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
        self.parts = [_parts(entries) for entries in self.owners]
        return ahocorasick_rs.AhoCorasick(self.patterns, matchkind=ahocorasick_rs.MatchKind.Standard)

    def hits(self, text: str) -> tuple:
        """``(pattern index, start, end)`` of every pattern occurrence in ``text``."""
        if self.automaton is None:
            if not self.patterns:
                return ()
            self.automaton = self._build()
        return tuple(self.automaton.find_matches_as_indexes(text, overlapping=True))

    def groups(self, text: str) -> dict[int, list | tuple]:
        """The hits of ``text`` by owner (see :attr:`cache`), in the automaton's order."""
        found = self.cache.get(text)
        if found is not None:
            return found
        if self.automaton is None:
            if not self.patterns:
                return {}
            self.automaton = self._build()
        found = {}
        parts = self.parts
        for hit in self.automaton.find_matches_as_indexes(text, overlapping=True):
            for owner in parts[hit[0]]:
                mine = found.get(owner)
                if mine is None:
                    found[owner] = [hit]
                else:
                    mine.append(hit)
        if len(self.cache) >= self._CACHE_MAX:
            self.cache.clear()
        self.cache[text] = found
        return found


def _parts(entries: list[tuple[int, str, Entry]]) -> dict[int, _Part]:
    """One pattern's ``(owner, prefix, entry)`` as ``{owner: part}`` (see _Part)."""
    plain: dict[int, list[Entry]] = {}
    prefixed: dict[int, dict[int, dict[str, list[Entry]]]] = {}
    for owner, prefix, entry in entries:
        plain.setdefault(owner, [])
        if prefix:
            prefixed.setdefault(owner, {}).setdefault(len(prefix), {}).setdefault(
                prefix, []).append(entry)
        else:
            plain[owner].append(entry)
    return {owner: (tuple(plain[owner]), tuple(
        (size, {p: tuple(es) for p, es in by_prefix.items()})
        for size, by_prefix in prefixed.get(owner, {}).items())) for owner in plain}


_COMBINED = _Combined()
_IDS = itertools.count(1)
_SPAN = operator.itemgetter(0, 1)


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
        groups = self.combined.groups(text)
        raw = groups.get(self.id)
        if raw is None:
            return []
        if type(raw) is tuple:  # found before
            return list(raw)
        hits: list[Hit] = []
        allows: list[tuple[int, int]] = []
        parts, me = self.combined.parts, self.id
        for pattern, start, end in raw:
            plain, prefixed = parts[pattern][me]
            for entry in plain:
                if entry.kind == "allow":
                    allows.append((start, end))
                else:
                    hits.append(Hit(start, end, entry))
            for size, by_prefix in prefixed:
                s = start - size
                if s < 0:
                    continue
                for entry in by_prefix.get(text[s:start], ()):
                    if entry.kind == "allow":
                        allows.append((s, end))
                    else:
                        hits.append(Hit(s, end, entry))
        # stable: the entries of one span keep the order of the automaton's hits and of the
        # entries of each pattern
        hits.sort(key=_SPAN)
        if allows and hits:
            # a hit inside an allow hit is dropped: sweep both by start, keeping the furthest end
            # of the allow hits begun so far (linear after sorting: a page can hold thousands)
            allows.sort()
            kept, i, reach = [], 0, -1
            for h in hits:
                while i < len(allows) and allows[i][0] <= h[0]:
                    reach = max(reach, allows[i][1])
                    i += 1
                if h[1] > reach:
                    kept.append(h)
            hits = kept
        groups[self.id] = tuple(hits)
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
