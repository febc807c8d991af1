"""Base class of the lexicon-driven content detectors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from govspider.detection import DetectContext, Detector
from govspider.items import Finding

from ._lexicon import Lexicon, load_lexicon
from ._matcher import Hit, Matcher, entries_from
from ._model import Score, TextModel, model_input, shipped_model
from ._text import norm, other_language


def per_lexicon(key: str) -> Callable[[Callable[[Any, Lexicon], Any]], Callable[[Any, Lexicon], Any]]:
    """Make a method ``(self, lex) -> value`` built once per lexicon: memoised in
    ``lex.compiled`` under ``key``, the memo read first (asked for every item, a call of
    :meth:`LexiconDetector.compiled` also made a closure each time)."""
    def wrap(build: Callable[[Any, Lexicon], Any]) -> Callable[[Any, Lexicon], Any]:
        @functools.wraps(build)
        def get(self: Any, lex: Lexicon) -> Any:
            value = lex.compiled.get(key)
            if value is None:
                value = lex.compiled[key] = build(self, lex)
            return value
        return get
    return wrap


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
        name = f"matcher:{key}:{allow_key}"
        found = lex.compiled.get(name)
        if found is not None:
            return found

        def build(lx: Lexicon) -> Matcher:
            entries = entries_from(lx.get(key))
            if allow_key:
                entries += entries_from(lx.get(allow_key), kind="allow")
            return Matcher(entries)
        return self.compiled(lex, name, build)

    def cue_matcher(self, lex: Lexicon, key: str, private: bool = False) -> Matcher:
        """An automaton over a plain list of cue phrases (frames, contexts); ``private`` for
        lists of frequent words asked about only some texts (see :class:`Matcher`)."""
        name = f"cues:{key}"
        found = lex.compiled.get(name)
        if found is not None:
            return found
        return self.compiled(lex, name, lambda lx: Matcher(entries_from(lx.get(key)),
                                                            private=private))

    # ------------------------------------------------------------------ second-stage model
    def rules_then_model(self, subject: dict[str, Any], ctx: DetectContext) -> list[Finding]:
        """The findings of ``self._rules``; those of ``self._model`` (the second stage) only
        where no rule matched. A list, not a generator: every item of every detector passes
        here, and one more generator per call cost more than the list."""
        return (list(self._rules(subject, ctx))  # type: ignore[attr-defined]
                or list(self._model(subject, ctx)))  # type: ignore[attr-defined]

    def text_model(self, ctx: DetectContext | None) -> TextModel | None:
        """The detector's shipped text model (see :mod:`._model`), unless the settings turn it
        off (``GOVSPIDER_DETECTORS = {name: {"model": False}}``)."""
        if ctx is not None and ctx.settings and ctx.setting(self.name, "model", True) is False:
            return None
        return shipped_model(self.name)

    def model_parts(self, item: dict[str, Any]) -> list[str] | None:
        """The texts of ``item`` the detector's model reads, or None when it reads none of it
        (detectors with a model override this)."""
        return None

    #: the model learnt Chinese only: a text in another language is left to the rules
    model_chinese_only = False

    def model_silenced(self, parts: list[str], ctx: DetectContext | None) -> bool:
        """Whether the detector keeps its model quiet on these texts whatever the probability
        (an excusing frame, a courteous register...). Training chooses the model's threshold on
        what the detector does with it, so it asks this too. Here: every text is in another
        language (:func:`._text.other_language`) and the model learnt Chinese only; detectors
        with more reasons add theirs."""
        return self.model_chinese_only and all(other_language(p) for p in parts)

    def prepare(self, items: list[dict[str, Any]], ctx: DetectContext) -> None:
        """Score the batch with the text model at once (see :meth:`Detector.prepare`)."""
        model = self.text_model(ctx)
        if model is None:
            return
        read = [(item, model_input(parts)) for item in items if (parts := self.model_parts(item))]
        judged = [(item, text) for item, text in read if model.judges(text)]
        probs = model.probabilities([text for _, text in judged])
        # keyed by object identity: the batch is kept with it, so no id is reused meanwhile;
        # a text too short to judge scores 0
        scores = {id(item): 0.0 for item, _ in read}
        scores.update((id(item), p) for (item, _), p in zip(judged, probs, strict=True))
        ctx.memo[self._model_memo] = (items, scores)

    @functools.cached_property
    def _model_memo(self) -> str:
        """Where :meth:`prepare` keeps the batch's scores in ``ctx.memo`` (made once: it is
        read for every item)."""
        return f"text_model:{self.name}"

    def model_judgement(self, item: dict[str, Any], ctx: DetectContext | None,
                        ) -> tuple[TextModel, Score, float, list[str]] | None:
        """``(model, score, threshold, parts)`` when the model puts the item's texts at or
        above its threshold (``model_threshold`` in the settings overrides the trained one)."""
        model = self.text_model(ctx)
        if model is None:
            return None
        probability = None
        if ctx is not None:
            batch = ctx.memo.get(self._model_memo)
            if batch is not None:
                probability = batch[1].get(id(item))
        threshold = model.threshold
        if ctx is not None and ctx.settings:
            threshold = float(ctx.setting(self.name, "model_threshold", threshold))
        if probability is not None and probability < threshold:
            return None  # most items: the batch score decides, without asking for model_parts
        parts = self.model_parts(item)
        if not parts:
            return None
        if probability is None:
            prepared = model_input(parts)
            probability = model.probability(prepared) if model.judges(prepared) else 0.0
            if probability < threshold:
                return None
        return model, model.score(parts), threshold, parts

    @staticmethod
    def model_evidence(rule: str, field: str, text: str, model: TextModel, score: Score,
                       threshold: float) -> dict[str, Any]:
        """Evidence of a model finding: the probability, and where its strongest n-grams are."""
        n = norm(text)
        matches = []
        for gram, weight in score.reasons:
            at = n.text.find(gram)
            if at >= 0 and "0" not in gram:
                matches.append({"text": n.original_text(at, at + len(gram)),
                                "span": list(n.span_to_original(at, at + len(gram))),
                                "field": field, "entry": gram, "category": "model", "weight": weight})
        return {"rule": rule, "matches": matches,
                "model": {"kind": model.spec.get("kind"), "version": model.version,
                          "probability": round(score.probability, 3), "threshold": threshold,
                          "ngrams": [[g, w] for g, w in score.reasons],
                          "trained_on": model.spec.get("trained_on", {}).get("digest")}}

    @staticmethod
    def model_reasons(score: Score) -> str:
        """The strongest n-grams, quoted, for a message."""
        shown = [g.strip() for g, _ in score.reasons if g.strip() and not g.strip().isdigit()][:4]
        return "、".join(f"“{g}”" for g in shown)

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
