"""Is an element hidden from a human reader? Inline styles, ``<style>`` rules and tricks
used to inject links into government pages (暗链): ``display:none``, ``visibility:hidden``,
``font-size:0``, far negative offsets, zero-size boxes, tiny ``<marquee>``."""

from __future__ import annotations

import re
from typing import Any

from cssselect import SelectorError

#: An offset at or beyond this many pixels to the left/top puts content off screen.
FAR_OFFSET_PX = 200.0
#: A box this small (px) with hidden overflow shows nothing.
TINY_PX = 2.0
_UNIT_PX = {"px": 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0, "": 1.0, "cm": 37.8, "mm": 3.78,
            "in": 96.0, "vw": 10.0, "vh": 10.0, "%": 10.0}
_LENGTH_RE = re.compile(r"^\s*(-?\d*\.?\d+)\s*([a-z%]*)\s*(?:!important)?\s*$", re.I)
_RULE_RE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)


def parse_style(style: str | None) -> dict[str, str]:
    """``"display: none; FONT-SIZE:0"`` -> ``{"display": "none", "font-size": "0"}``."""
    out: dict[str, str] = {}
    for decl in _COMMENT_RE.sub("", style or "").split(";"):
        name, sep, value = decl.partition(":")
        if sep and name.strip():
            out[name.strip().lower()] = value.strip().lower().replace("!important", "").strip()
    return out


def length_px(value: str | None) -> float | None:
    """A CSS length in pixels (``"-9999px"``, ``"-50em"``, ``"0"``); ``None`` if not a length."""
    match = _LENGTH_RE.match(value or "")
    if not match:
        return None
    unit = match.group(2).lower()
    if unit not in _UNIT_PX:
        return None
    return float(match.group(1)) * _UNIT_PX[unit]


def style_hides(decls: dict[str, str]) -> str | None:
    """The trick a set of declarations uses to hide content, or ``None``."""
    if decls.get("display", "").startswith("none"):
        return "display:none"
    if decls.get("visibility", "").split()[:1] in (["hidden"], ["collapse"]):
        return "visibility:hidden"
    size = length_px(decls.get("font-size"))
    if size is not None and size <= 0.5:
        return "font-size:0"
    opacity = length_px(decls.get("opacity"))
    if opacity is not None and opacity <= 0.01:
        return "opacity:0"
    for prop in ("left", "top", "text-indent", "margin-left", "margin-top"):
        offset = length_px(decls.get(prop))
        if offset is not None and offset <= -FAR_OFFSET_PX:
            return f"{prop}:{decls[prop]}"
    right = length_px(decls.get("right"))
    if right is not None and right <= -FAR_OFFSET_PX:
        return f"right:{decls['right']}"
    overflow = decls.get("overflow", "") + decls.get("overflow-x", "") + decls.get("overflow-y", "")
    if "hidden" in overflow or "clip" in overflow:
        for prop in ("height", "width", "max-height", "max-width"):
            size = length_px(decls.get(prop))
            if size is not None and size <= TINY_PX:
                return f"{prop}:{decls[prop]}"
    clip = re.sub(r"[\s,]|px", "", decls.get("clip", ""))
    if clip == "rect(0000)":
        return "clip:rect(0,0,0,0)"
    return None


def _tiny_marquee(el: Any, decls: dict[str, str]) -> bool:
    for prop in ("height", "width"):
        size = length_px(el.get(prop)) if el.get(prop) else length_px(decls.get(prop))
        if size is not None and size <= 10:
            return True
    amount = (el.get("scrollamount") or "").strip()
    return amount.isdigit() and int(amount) >= 1000


class HiddenIndex:
    """Which elements of one document are hidden, with the reason, cached per element."""

    def __init__(self, root: Any):
        self.root = root
        self._by_rule: dict[Any, str] = {}
        self._cache: dict[Any, str | None] = {}
        for style in root.iter("style"):
            self._apply_stylesheet(style.text or "")

    def _apply_stylesheet(self, css: str) -> None:
        css = _COMMENT_RE.sub("", css)
        for selectors, body in _RULE_RE.findall(css):
            trick = style_hides(parse_style(body))
            if trick is None:
                continue
            for selector in selectors.split(","):
                selector = selector.strip()
                if not selector or ":" in selector:  # :hover and friends do not hide by default
                    continue
                try:
                    matched = self.root.cssselect(selector)
                except (SelectorError, ValueError, TypeError):
                    continue
                for el in matched:
                    self._by_rule.setdefault(el, f"{selector} {{{trick}}}")

    def own_reason(self, el: Any) -> str | None:
        """Why this element itself (not counting its ancestors) hides its content."""
        tag = el.tag if isinstance(el.tag, str) else ""
        if el.get("hidden") is not None or tag in ("template", "noscript", "noframes"):
            return f"<{tag} hidden>" if el.get("hidden") is not None else f"<{tag}>"
        decls = parse_style(el.get("style"))
        trick = style_hides(decls)
        if trick:
            return trick
        if tag == "marquee" and _tiny_marquee(el, decls):
            return "tiny marquee"
        return self._by_rule.get(el)

    def reason(self, el: Any) -> str | None:
        """Why ``el`` is hidden (its own style or an ancestor's), or ``None`` when visible."""
        chain = []
        node = el
        while node is not None and node not in self._cache:
            chain.append(node)
            node = node.getparent()
        inherited = self._cache.get(node) if node is not None else None
        for item in reversed(chain):
            inherited = inherited or self.own_reason(item)
            self._cache[item] = inherited
        return self._cache[el]
