"""App icons: downloaded once per URL, stored under ``GOVSPIDER_DATA_DIR/icons``, and hashed.

The perceptual hash (``imagehash.phash``, 64 bits as 16 hex digits) goes into the App item's
``icon_phash``, so the counterfeit detector can tell a copied icon from a different one by the
Hamming distance of two hashes, without the images.
"""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import imagehash
from itemadapter import ItemAdapter
from PIL import Image, UnidentifiedImageError
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline

logger = logging.getLogger(__name__)

_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".gif")


def phash_hex(data: bytes) -> str | None:
    """The perceptual hash of an image as hex, ``None`` when the bytes are not an image."""
    try:
        with Image.open(BytesIO(data)) as image:
            image.load()
            return str(imagehash.phash(image.convert("RGB")))
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def phash_distance(a: str, b: str) -> int:
    """Hamming distance of two hex perceptual hashes (0 = same picture)."""
    return imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b)


def icon_path(url: str) -> str:
    """Where an icon URL is kept, relative to the icon store: one file per URL."""
    suffix = Path(urlsplit(url).path).suffix.lower()
    return hashlib.sha1(url.encode("utf-8")).hexdigest() + (suffix if suffix in _EXTENSIONS else "")


class IconPipeline(FilesPipeline):
    """Download each App item's ``icon_url`` once and set ``icon_phash``.

    Settings: ``GOVSPIDER_ICONS_STORE`` (default ``GOVSPIDER_DATA_DIR/icons``),
    ``GOVSPIDER_ICONS_ENABLED`` (default on), ``FILES_EXPIRES`` (days before an icon already
    on disk is fetched again; Scrapy's default 90). Within one crawl a URL is fetched once
    (Scrapy's media cache); across crawls the file on disk is reused while it is fresh.
    A failed or non-image download leaves ``icon_phash`` unknown and never drops the item.
    """

    def __init__(self, store_uri: str, *, crawler: Any):
        super().__init__(store_uri, crawler=crawler)
        self.hashes: dict[str, str | None] = {}  # relative path -> phash

    @classmethod
    def from_crawler(cls, crawler: Any) -> IconPipeline:
        settings = crawler.settings
        if not settings.getbool("GOVSPIDER_ICONS_ENABLED", True):
            raise NotConfigured("GOVSPIDER_ICONS_ENABLED is off")
        store = settings.get("GOVSPIDER_ICONS_STORE") or str(
            Path(settings.get("GOVSPIDER_DATA_DIR") or "./data") / "icons")
        if "://" not in store:
            Path(store).mkdir(parents=True, exist_ok=True)
            store = str(Path(store).resolve())
        cls._update_stores(settings)
        return cls(store, crawler=crawler)

    # ------------------------------------------------------------------ FilesPipeline hooks
    def get_media_requests(self, item: Any, info: Any) -> list[Request]:
        adapter = ItemAdapter(item)
        if getattr(item, "item_type", None) != "app" and adapter.get("item_type") != "app":
            return []
        url = adapter.get("icon_url")
        if not url or not str(url).startswith(("http://", "https://")):
            return []
        return [Request(str(url), callback=NO_CALLBACK)]

    def file_path(self, request: Request, response: Any = None, info: Any = None, *,
                  item: Any = None) -> str:
        return icon_path(request.url)

    def file_downloaded(self, response: Any, request: Request, info: Any, *,
                        item: Any = None) -> Any:
        path = self.file_path(request, response=response, info=info, item=item)
        self.hashes[path] = phash_hex(response.body)
        if self.hashes[path] is None:
            logger.warning("Icon %s is not an image (%d bytes)", request.url, len(response.body))
        return super().file_downloaded(response, request, info, item=item)

    def item_completed(self, results: list[Any], item: Any, info: Any) -> Any:
        adapter = ItemAdapter(item)
        for ok, value in results:
            if not ok:
                self.crawler.stats.inc_value("govspider/icons/failed")
                logger.warning("Icon of %s not downloaded: %s", adapter.get("_id"),
                               getattr(value, "value", value))
                continue
            phash = self._hash_of(value["path"])
            if phash:
                adapter["icon_phash"] = phash
                self.crawler.stats.inc_value("govspider/icons/hashed")
        return item

    def _hash_of(self, path: str) -> str | None:
        """The phash of a stored icon: computed at download, or read back from disk when the
        file was already there (``uptodate``)."""
        if path not in self.hashes:
            basedir = getattr(self.store, "basedir", None)
            try:
                data = (Path(basedir) / path).read_bytes() if basedir else None
            except OSError:
                data = None
            self.hashes[path] = phash_hex(data) if data else None
        return self.hashes[path]
