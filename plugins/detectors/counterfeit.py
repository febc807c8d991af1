"""山寨 app: store listings that imitate a unit's official app.

Corpus scope: the detector sees every app listing of the scan at once, so it can take the icon
hashes of the official listings (found by package / bundle id / iTunes id / developer from the
registry) and compare every other listing with them. A listing is a candidate when its name is
close to an official name (contains it or an abbreviation, same toneless pinyin, small edit
distance) or its icon looks the same; it is counterfeit when its developer and package both
differ from the official entity. Thresholds are in ``data/counterfeit.yaml``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import imagehash

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider.registry import RegistryApp
from govspider_plugins.detectors import _planted

from ._acctbase import PLATFORM_NAMES, ConfiguredDetector, compact, edit_distance


@dataclass
class NameMatch:
    """How a listing's name resembles an official app's."""

    kind: str  #: same_name, contains_name, same_pinyin, edit_distance, contains_abbreviation...
    term: str  #: the official name or abbreviation that matched
    strong: bool  #: matched the full official name (not only an abbreviation)


@functools.lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin  # import-here: its dictionaries cost ~0.8 s, 55 MB

    return "".join(lazy_pinyin(text))


def _phash_distance(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    try:
        return int(imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))
    except (ValueError, TypeError):
        return None


class CounterfeitApp(ConfiguredDetector):
    """App listings whose name or icon imitates an official app but whose publisher differs."""

    name = "counterfeit_app"
    indicator = "山寨应用"
    severity = "high"
    scorecard = "apps"
    scope = "corpus"
    accepts = frozenset({"app"})
    data_file = "counterfeit.yaml"
    description = "name (contains / pinyin / edit distance) or icon phash close to an official app"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.COUNTERFEIT_APP

    def detect(self, subject: dict[str, list[dict[str, Any]]], ctx: DetectContext) -> Iterator[Finding]:
        official_apps = list(ctx.registry.apps) if ctx.registry is not None else []
        listings = [a for a in subject.get("app", []) if a.get("name")]
        if not official_apps or not listings:
            return
        icons = self._official_icons(official_apps, listings, ctx)
        gov = re.compile(str(self.param(ctx, "gov_developer_pattern") or r"(?!x)x"))
        for app in listings:
            if any(self.is_official(app, reg) for reg in official_apps):
                continue
            if not app.get("developer") and not app.get("package"):
                continue  # nothing to tell the publisher by
            best = self._best_candidate(app, official_apps, icons, ctx)
            if best is None:
                continue
            reg, match, distance = best
            gov_dev = bool(app.get("developer") and gov.search(compact(app["developer"])))
            if gov_dev and not (match and match.strong):
                continue  # another government's app sharing a generic abbreviation
            yield self._finding(app, reg, match, distance, gov_dev, ctx)

    # ------------------------------------------------------------------ official entity
    def is_official(self, app: dict[str, Any], reg: RegistryApp) -> bool:
        """The listing is published by the official entity of ``reg``."""
        package = (app.get("package") or "").strip().lower()
        ids = {x.strip().lower() for x in (reg.package, reg.bundle_id) if x}
        if package and package in ids:
            return True
        if app.get("platform") == "itunes" and reg.itunes_id and str(app.get("platform_id")) == reg.itunes_id:
            return True
        return _same_developer(app.get("developer"), reg.developer)

    def _official_icons(self, official_apps: list[RegistryApp], listings: list[dict[str, Any]],
                        ctx: DetectContext) -> dict[str, list[tuple[str, str]]]:
        """Registry app name -> [(phash hex, where from)] of its official icons."""
        icons: dict[str, list[tuple[str, str]]] = {}
        configured = self.param(ctx, "official_icons") or {}
        for reg in official_apps:
            for value in configured.get(reg.name, []) if isinstance(configured, dict) else []:
                icons.setdefault(reg.name, []).append((str(value), "settings"))
            for app in listings:
                if app.get("icon_phash") and self._ids_match(app, reg):
                    icons.setdefault(reg.name, []).append((app["icon_phash"], str(app.get("_id"))))
        return icons

    @staticmethod
    def _ids_match(app: dict[str, Any], reg: RegistryApp) -> bool:
        package = (app.get("package") or "").strip().lower()
        if package and package in {x.strip().lower() for x in (reg.package, reg.bundle_id) if x}:
            return True
        return bool(app.get("platform") == "itunes" and reg.itunes_id
                    and str(app.get("platform_id")) == reg.itunes_id)

    # ------------------------------------------------------------------ candidates
    def _best_candidate(self, app: dict[str, Any], official_apps: list[RegistryApp],
                        icons: dict[str, list[tuple[str, str]]], ctx: DetectContext,
                        ) -> tuple[RegistryApp, NameMatch | None, int | None] | None:
        best: tuple[float, RegistryApp, NameMatch | None, int | None] | None = None
        for reg in official_apps:
            if not (reg.developer or reg.package or reg.bundle_id or reg.itunes_id):
                continue  # the official entity is unknown: nothing to compare the publisher with
            match = self.name_match(app.get("name", ""), reg, ctx)
            distances = [d for h, _ in icons.get(reg.name, [])
                         if (d := _phash_distance(app.get("icon_phash"), h)) is not None]
            distance = min(distances) if distances else None
            icon_close = distance is not None and distance <= int(self.param(ctx, "icon_max_distance"))
            icon_clone = (distance is not None and distance <= int(self.param(ctx, "icon_clone_distance"))
                          and len(set(compact(app.get("name"))) & set(compact(reg.name)))
                          >= int(self.param(ctx, "icon_clone_shared_chars")))
            if match and match.strong:
                rank = 3.0
            elif match and icon_close:
                rank = 2.5
            elif icon_clone:
                rank = 2.0
            elif match:
                rank = 1.0
            else:
                continue
            if distance is not None:
                rank += (64 - distance) / 640
            if best is None or rank > best[0]:
                best = (rank, reg, match, distance)
        return None if best is None else best[1:]

    def name_match(self, name: str, reg: RegistryApp, ctx: DetectContext) -> NameMatch | None:
        """How ``name`` resembles ``reg``'s name or abbreviations, the strongest way first."""
        candidate = self._core(name, ctx)
        if not candidate:
            return None
        min_chars = int(self.param(ctx, "min_term_chars"))
        for term in reg.names:
            full = term == reg.name
            core = self._core(term, ctx)
            if len(core) < min_chars:
                continue
            if not full and len(core) < int(self.param(ctx, "min_abbreviation_chars")):
                continue
            suffix = "name" if full else "abbreviation"
            if candidate == core:
                return NameMatch(f"same_{suffix}", term, full)
            if core in candidate:
                return NameMatch(f"contains_{suffix}", term, full)
            if len(core) >= 2 and _pinyin(candidate) == _pinyin(core):
                return NameMatch(f"same_pinyin_{suffix}", term, full)
            if len(core) >= int(self.param(ctx, "min_edit_chars")):
                limit = int(self.param(ctx, "edit_distance_short" if len(core) <= int(
                    self.param(ctx, "short_name_chars")) else "edit_distance_long"))
                if edit_distance(candidate, core) <= limit:
                    return NameMatch(f"edit_distance_{suffix}", term, full)
                # a homophone swapped in somewhere inside a longer name
                if _pinyin(core) in _pinyin(candidate) and len(candidate) > len(core):
                    return NameMatch(f"contains_pinyin_{suffix}", term, full)
        return None

    def _core(self, name: str, ctx: DetectContext) -> str:
        text = compact(name)
        changed = True
        while changed and text:
            changed = False
            for suffix in self.param(ctx, "generic_suffixes") or ():
                s = compact(suffix)
                if s and text != s and (text.endswith(s) or text.startswith(s)):
                    text = text[len(s):] if text.startswith(s) else text[: -len(s)]
                    changed = True
        return text

    # ------------------------------------------------------------------ output
    def _finding(self, app: dict[str, Any], reg: RegistryApp, match: NameMatch | None,
                 distance: int | None, gov_dev: bool, ctx: DetectContext) -> Finding:
        store = PLATFORM_NAMES.get(str(app.get("platform")), str(app.get("platform") or "应用商店"))
        how = _describe(match, distance, reg, str(app.get("name") or ""))
        evidence = {
            "name": app.get("name"), "store": app.get("platform"), "developer": app.get("developer"),
            "package": app.get("package"), "url": app.get("url"),
            "official_name": reg.name, "official_unit": reg.unit,
            "official_developer": reg.developer or None,
            "official_package": reg.package or reg.bundle_id or None,
            "match": match.kind if match else "icon", "matched_term": match.term if match else None,
            "icon_distance": distance,
        }
        developer = app.get("developer") or "未知"
        if gov_dev:
            return self.finding(
                subject=app, rule="developer_mismatch", severity="medium", ctx=ctx,
                subject_type="app", evidence=evidence, score=0.5,
                message=(f"{store}上的应用「{app.get('name')}」{how}，"
                         f"但开发者「{developer}」与登记的官方开发者"
                         f"「{reg.developer or '未登记'}」不一致，请核实是否为官方发布。"))
        return self.finding(
            subject=app, rule="counterfeit", ctx=ctx, subject_type="app", evidence=evidence,
            score=0.95 if (match and match.strong) or distance is not None else 0.8,
            message=(f"{store}上的应用「{app.get('name')}」（开发者：{developer}）{how}，"
                     f"但开发者与包名均与官方（{reg.developer or '未登记'}）不符，疑似山寨应用。"))


def _describe(match: NameMatch | None, distance: int | None, reg: RegistryApp,
              name: str = "") -> str:
    """The resemblance, in Chinese, naming the official app it imitates."""
    official = f"{reg.unit}的官方应用「{reg.name}」"
    if match is None:
        return f"图标与{official}几乎相同（感知哈希距离{distance}）"
    term = "名称" if match.strong else f"简称「{match.term}」"
    kind = match.kind.rsplit("_", 1)[0]
    exact = compact(name) == compact(match.term)
    clause = {
        "same": f"名称与{official}的{term}相同" if exact else f"名称与{official}的{term}实质相同",
        "contains": f"名称包含{official}的{term}",
        "same_pinyin": f"名称与{official}的{term}读音相同",
        "edit_distance": f"名称与{official}的{term}仅一两字之差",
        "contains_pinyin": f"名称含{official}{term}的谐音",
    }.get(kind, f"名称近似{official}")
    if distance is not None and distance <= 10:
        clause += f"，图标亦相近（感知哈希距离{distance}）"
    return clause


def _same_developer(a: str | None, b: str | None) -> bool:
    x, y = compact(a), compact(b)
    if not x or not y:
        return False
    return x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x))


DETECTORS = [CounterfeitApp()]
