"""A spider loader that also finds the spiders of installed platform plugins."""

from __future__ import annotations

from scrapy.spiderloader import SpiderLoader

from govspider.plugins import installed_plugins


class PluginSpiderLoader(SpiderLoader):
    """``SPIDER_MODULES`` plus every spider declared by a ``govspider_platforms`` hook."""

    def _load_all_spiders(self) -> None:
        super()._load_all_spiders()
        for spidercls in installed_plugins().spiders():
            self._found[spidercls.name].append((spidercls.__module__, spidercls.__name__))
            self._spiders[spidercls.name] = spidercls
        self._check_name_duplicates()
