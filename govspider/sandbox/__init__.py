"""The local sandbox of the platforms: a generated world served over HTTP.

``World`` (``govspider.sandbox.world``) generates units, accounts, posts, comments, apps and
government web pages deterministically from a seed, on demand; it names no platform and no
detector. What is platform-specific comes from the plugins' sandbox worlds
(``govspider_sandbox_worlds``, :mod:`govspider.sandbox.platforms`), the planted cases from the
detectors' declarations (:mod:`govspider.sandbox.cases`). ``govspider.sandbox.core`` holds the
aiohttp app, the ``Route`` contract of the platform plugins and the trouble engine;
``govspider.sandbox.server.SandboxServer`` runs it in a subprocess for tests and the demo.
Nothing here is imported while crawling, but the declaration types of
:mod:`govspider.sandbox.cases` (the detectors import them).
"""

from __future__ import annotations

__all__ = ["World"]


def __getattr__(name: str):  # lazy: importing the package must stay cheap
    if name == "World":
        # imported here: the detectors import govspider.sandbox.cases, which runs this file in
        # every crawl; the world would bring the whole sandbox
        from govspider.sandbox.world import World

        return World
    raise AttributeError(name)
