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
    from govspider.sandbox.platforms import PlatformWorld
    from govspider.sandbox.world import World

PROJECT = "govspider"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def govspider_platforms() -> list[Platform]:
    """Return the platforms this plugin provides.

    Each :class:`govspider.platform.Platform` names the platform (the word in ``_id`` prefixes),
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
    its own path prefix (``/<platform>/...``), which the spiders reach through their base-URL setting.
    Each :class:`govspider.sandbox.core.Route` also carries the platform's shape of the
    "troubles" (login wall, rate limit, captcha...) the sandbox may answer instead.
    """


@hookspec
def govspider_sandbox_worlds() -> list[type[PlatformWorld]]:
    """Return the sandbox-world classes of the platforms this plugin provides.

    The local sandbox generates one world for all platforms; what is particular to a platform
    it asks the platform's class, a subclass of one of
    :class:`govspider.sandbox.platforms.AccountWorld` (accounts, posts and comments: ids, how
    a post is written, its media and links), :class:`~govspider.sandbox.platforms.ListingWorld`
    (app store listings) or :class:`~govspider.sandbox.platforms.SiteWorld` (websites). Each
    class names its platform (``name``), its name for people (``label``), its place in the
    world's layout (``order``) and the base-URL settings its sandbox routes answer under
    (``base_urls``: setting -> path prefix). Defaults make a new account platform work with
    little more than these; see the module for the contract.

    What the world plants for the detectors to find is not asked here: each detector declares
    its planted cases in its ``planted`` attribute (:mod:`govspider.sandbox.cases`).
    """


@hookspec
def govspider_settings() -> dict[str, Any]:
    """Return default Scrapy settings this plugin contributes (base URLs, rate budgets...).

    Applied with the ``addon`` priority, so project settings and ``-s`` options override them.
    """
