"""Registering the Toy plugin in a test: in one registry, or in this process's registry."""

from __future__ import annotations

import sys

from govspider import plugins

NAME = "toyplatform"


def toy_registry() -> plugins.InstalledPlugins:
    """The installed plugins plus Toy, leaving the process-wide registry alone."""
    pm = plugins.new_manager()
    pm.register(sys.modules[__package__], name=NAME)
    return plugins.InstalledPlugins(pm)


def install() -> None:
    """Make :func:`govspider.plugins.installed_plugins` of this process include Toy (a crawl subprocess:
    call before anything asks the registry)."""
    original = plugins.new_manager

    def new_manager(load_entry_points: bool = True):  # noqa: ANN202
        pm = original(load_entry_points)
        if not pm.has_plugin(NAME):
            pm.register(sys.modules[__package__], name=NAME)
        return pm

    plugins.new_manager = new_manager  # type: ignore[assignment]
    plugins.installed_plugins.cache_clear()
