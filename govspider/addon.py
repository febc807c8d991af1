"""The Scrapy add-on that applies plugin defaults and derived settings."""

from __future__ import annotations

import os
from typing import Any

import scrapy.downloadermiddlewares.cookies as cookies
from tldextract import TLDExtract

from govspider.plugins import installed_plugins


def _offline_public_suffixes() -> None:
    """Scrapy's cookie middleware asks tldextract, which downloads the public suffix list on
    first use (a traceback on machines without internet). Use the list tldextract ships."""
    if hasattr(cookies, "_split_domain"):
        cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


_offline_public_suffixes()


#: dict settings the plugins contribute entries to, merged key by key with the project's
_PER_KEY = ("GOVSPIDER_RATE_LIMITS", "GOVSPIDER_COOKIE_HOSTS")


class GovspiderAddon:
    """Apply ``govspider_settings`` hook defaults, turn rate budgets into download slots, and
    switch to the shared scrapy-redis scheduler when ``GOVSPIDER_REDIS_URL`` is set."""

    def update_settings(self, settings: Any) -> None:
        defaults = installed_plugins().settings()
        for key, value in defaults.items():
            if key not in _PER_KEY:
                settings.set(key, value, priority="addon")
        for key in _PER_KEY:  # the plugins' entries, those of the project settings over them
            merged = {**defaults.get(key, {}), **settings.getdict(key)}
            settings.set(key, merged, priority=settings.getpriority(key) or "addon")
        limits = settings.getdict("GOVSPIDER_RATE_LIMITS")
        if limits:
            slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
            for host, per_minute in limits.items():
                per_minute = float(per_minute)
                if per_minute <= 0:
                    raise ValueError(f"GOVSPIDER_RATE_LIMITS[{host!r}] must be positive")
                slots.setdefault(host, {}).update(
                    {"concurrency": 1, "delay": 60.0 / per_minute, "randomize_delay": False})
            settings.set("DOWNLOAD_SLOTS", slots, priority="addon")
        redis_url = settings.get("GOVSPIDER_REDIS_URL") or os.environ.get("GOVSPIDER_REDIS_URL")
        if redis_url:
            # distributed crawling: every worker shares one request queue and one dupefilter
            settings.set("REDIS_URL", redis_url, priority="addon")
            # (govspider.distributed: the last worker of a run clears them, not the first)
            settings.set("SCHEDULER", "govspider.distributed.SharedScheduler", priority="addon")
            settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
