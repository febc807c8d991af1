"""Base class of the lexicon-driven content detectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govspider.detection import DetectContext, Detector

from ._lexicon import Lexicon, load_lexicon
from ._matcher import Hit, Matcher, entries_from


class LexiconDetector(Detector):
    """A detector whose terms and thresholds come from ``data/<name>.yaml``.

    ``self.lexicon(ctx)`` gives the merged lexicon (user file included); ``self.compiled(lex,
    key, build)`` memoises a structure built from it (an automaton, a regex) for the process.
    """

    def lexicon(self, ctx: DetectContext | None) -> Lexicon:
        """The lexicon for this context (the shipped one, or merged with the user's file)."""
        override = ctx.setting(self.name, "lexicon") if ctx is not None and ctx.settings else None
        if override is None:
            lex = self.__dict__.get("_default_lexicon")
            if lex is None:
                lex = self.__dict__["_default_lexicon"] = load_lexicon(self.name, override="")
            return lex
        return load_lexicon(self.name, ctx)

    @staticmethod
    def compiled(lex: Lexicon, key: str, build: Callable[[Lexicon], Any]) -> Any:
        value = lex.compiled.get(key)
        if value is None:
            value = lex.compiled[key] = build(lex)
        return value

    def matcher(self, lex: Lexicon, key: str = "terms", allow_key: str | None = "allow") -> Matcher:
        """An automaton over section ``key`` plus the ``allow`` section as suppressors."""
        def build(lx: Lexicon) -> Matcher:
            entries = entries_from(lx.get(key))
            if allow_key:
                entries += entries_from(lx.get(allow_key), kind="allow")
            return Matcher(entries)
        return self.compiled(lex, f"matcher:{key}:{allow_key}", build)

    def cue_matcher(self, lex: Lexicon, key: str, private: bool = False) -> Matcher:
        """An automaton over a plain list of cue phrases (frames, contexts); ``private`` for
        lists of frequent words asked about only some texts (see :class:`Matcher`)."""
        return self.compiled(lex, f"cues:{key}", lambda lx: Matcher(entries_from(lx.get(key)),
                                                                     private=private))

    def evidence(self, lex: Lexicon, rule: str, matches: list[dict[str, Any]],
                 **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"matches": matches, "lexicon_version": lex.version, "rule": rule}
        out.update(extra)
        return out


def maximal(hits: list[Hit]) -> list[Hit]:
    """Hits not contained in a longer hit, in text order."""
    if len(hits) < 2:
        return hits
    ordered = sorted(hits, key=lambda h: (h.start, -(h.end - h.start)))
    out: list[Hit] = []
    reach = -1
    for h in ordered:
        if h.end <= reach:
            continue
        out.append(h)
        reach = max(reach, h.end)
    return out
