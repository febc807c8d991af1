"""The installed plugins: entry-point discovery (pluggy), duplicate-name checks, lookups.

Three things in govspider could be called a registry; each has its own name:

* the installed plugins: :func:`installed_plugins` (an :class:`InstalledPlugins`), built from the
  ``govspider`` entry points by the pluggy plugin manager (:func:`new_manager`);
* the account registry: the units, accounts and apps to crawl
  (:class:`govspider.registry.AccountRegistry`, the ``registry`` collection);
* a detector that checks crawled accounts against that account registry (its name says so).
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy

from govspider import hookspecs

if TYPE_CHECKING:
    from govspider.detection import Detector
    from govspider.platform import Parser, Platform

ENTRY_POINT_GROUP = "govspider"
logger = logging.getLogger(__name__)
#: dict settings several plugins contribute to (merged key by key)
MERGED_SETTINGS = ("GOVSPIDER_RATE_LIMITS", "DOWNLOAD_SLOTS", "GOVSPIDER_DEMO_SETTINGS",
                   "GOVSPIDER_COOKIE_HOSTS")
#: entry-point name -> why it failed to load
BROKEN: dict[str, str] = {}
#: entry-point name -> (distribution, version)
DISTS: dict[str, tuple[str, str]] = {}


class PluginError(Exception):
    """A plugin is broken or conflicts with another one."""


@dataclass(frozen=True)
class PluginInfo:
    """One registered plugin, for ``govspider plugins``."""

    name: str
    distribution: str
    version: str
    platforms: tuple[str, ...]
    detectors: tuple[str, ...]


def new_manager(load_entry_points: bool = True) -> pluggy.PluginManager:
    """A fresh plugin manager with the hook specs and, by default, every installed plugin."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if load_entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # one broken plugin must not take the others down
                BROKEN[ep.name] = f"{exc.__class__.__name__}: {exc}"
                logger.error("Plugin %r (%s) failed to load: %s", ep.name, ep.value, exc)
                continue
            pm.register(plugin, name=ep.name)
            if ep.dist is not None:
                DISTS[ep.name] = (ep.dist.metadata["name"], ep.dist.version)
    return pm


class InstalledPlugins:
    """Platforms and detectors gathered from all plugins, names checked for duplicates."""

    def __init__(self, pm: pluggy.PluginManager):
        self.pm = pm
        self.platforms: dict[str, Platform] = {}
        self.detectors: dict[str, Detector] = {}
        self._owner: dict[tuple[str, str], str] = {}
        for plugin in pm.get_plugins():
            pname = pm.get_name(plugin) or repr(plugin)
            try:
                platforms = _call_one(pm, plugin, "govspider_platforms")
                detectors = _call_one(pm, plugin, "govspider_detectors")
            except PluginError as exc:  # a broken plugin is reported; the others keep working
                BROKEN[pname] = str(exc)
                logger.error("%s", exc)
                continue
            for platform in platforms:
                self._claim("platform", platform.name, pname)
                self.platforms[platform.name] = platform
            for detector in detectors:
                self._claim("detector", detector.name, pname)
                self.detectors[detector.name] = detector

    def _claim(self, kind: str, name: str, plugin: str) -> None:
        key = (kind, name)
        if key in self._owner:
            raise PluginError(
                f"two plugins claim the {kind} name {name!r}: "
                f"{self._owner[key]!r} and {plugin!r}; uninstall or rename one of them"
            )
        self._owner[key] = plugin

    def parser(self, platform: str, kind: str) -> Parser:
        """The parser of ``platform`` for ``kind``; ``KeyError`` with a helpful text if absent."""
        if platform not in self.platforms:
            raise KeyError(f"unknown platform {platform!r} (installed: {', '.join(sorted(self.platforms))})")
        parsers = self.platforms[platform].parsers
        if kind not in parsers:
            raise KeyError(f"platform {platform!r} has no parser {kind!r} (kinds: {', '.join(sorted(parsers))})")
        return parsers[kind]

    def module_of(self, kind: str, name: str) -> str:
        """The module of the plugin that declares a ``platform`` or ``detector``."""
        plugin = self.pm.get_plugin(self._owner.get((kind, name), ""))
        return str(getattr(plugin, "__name__", "") or "")

    def spiders(self) -> list[type]:
        return [s for p in self.platforms.values() for s in p.spiders]

    def settings(self) -> dict[str, Any]:
        """Default settings of every plugin; dict settings such as rate limits are merged."""
        merged: dict[str, Any] = {}
        for part in self.pm.hook.govspider_settings():
            for key, value in (part or {}).items():
                if key in MERGED_SETTINGS and isinstance(value, dict):
                    merged[key] = {**merged.get(key, {}), **value}
                else:
                    merged[key] = value
        return merged

    def info(self) -> list[PluginInfo]:
        out = []
        for plugin in self.pm.get_plugins():
            name = self.pm.get_name(plugin) or repr(plugin)
            dist = DISTS.get(name)
            platforms = tuple(p for (k, p), o in self._owner.items() if k == "platform" and o == name)
            detectors = tuple(d for (k, d), o in self._owner.items() if k == "detector" and o == name)
            out.append(PluginInfo(
                name=name,
                distribution=dist[0] if dist else "-",
                version=getattr(plugin, "__version__", None) or (dist[1] if dist else "-"),
                platforms=platforms, detectors=detectors))
        return sorted(out, key=lambda i: i.name)


def _call_one(pm: pluggy.PluginManager, plugin: Any, hook: str) -> list[Any]:
    impl = getattr(plugin, hook, None)
    if impl is None:
        return []
    try:
        result = impl()
    except Exception as exc:  # a broken plugin must name itself
        raise PluginError(f"plugin {pm.get_name(plugin)!r} failed in {hook}: {exc}") from exc
    return list(result or [])


@functools.lru_cache(maxsize=1)
def installed_plugins() -> InstalledPlugins:
    """The installed plugins of this process (built once): platforms, detectors, settings, hooks."""
    return InstalledPlugins(new_manager())

