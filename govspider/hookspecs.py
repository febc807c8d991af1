"""The plugin contract.

A plugin is a module (or object) with functions decorated by :data:`hookimpl` and named after
the specs below. It is registered through the ``govspider`` entry-point group::

    [project.entry-points.govspider]
    myplatform = "my_package.govspider_plugin"

Built-in platforms and detectors use exactly this contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from govspider.detection import Detector
    from govspider.platform import Platform
    from govspider.sandbox.core import Route
    from govspider.sandbox.world import World

PROJECT = "govspider"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def govspider_platforms() -> list[Platform]:
    """Return the platforms this plugin provides.

    Each :class:`govspider.platform.Platform` names the platform (``weibo``, ``itunes``...),
    its offline parsers by kind (used by spiders and by ``govspider parse``), its spiders and
    its default settings (base URLs, rate budgets). Names must be unique across all plugins.
    """


@hookspec
def govspider_detectors() -> list[Detector]:
    """Return the detector instances this plugin provides.

    A detector (see :class:`govspider.detection.Detector`) is pure: items and a
    :class:`govspider.detection.DetectContext` in, findings out. Names must be unique.
    """


@hookspec
def govspider_sandbox_routes(world: World) -> list[Route]:
    """Return the HTTP routes this plugin adds to the local sandbox of the platforms.

    The sandbox serves every route of every plugin on one port; a platform's routes live under
    its own path prefix (``/weibo/...``), which the spiders reach through their base-URL setting.
    """


@hookspec
def govspider_settings() -> dict[str, Any]:
    """Return default Scrapy settings this plugin contributes (base URLs, rate budgets...).

    Applied with the ``addon`` priority, so project settings and ``-s`` options override them.
    """
