"""Base classes for platform spiders."""

from govspider.spiders.base import PlatformSpider

__all__ = ["PlatformSpider"]
