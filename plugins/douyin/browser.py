"""Capture of the Douyin web API responses a real page fetches (browser mode).

A :class:`ResponseCollector` is attached to a Playwright page before navigation. It keeps the
bodies of the API responses the page's own (signed) requests receive, in arrival order, so the
spider can feed them to the same offline parsers as the direct mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

#: API path suffix -> parser kind. Order matters: the reply list before the comment list.
API_KINDS: tuple[tuple[str, str], ...] = (
    ("/aweme/v1/web/user/profile/other/", "profile"),
    ("/aweme/v1/web/aweme/post/", "posts"),
    ("/aweme/v1/web/comment/list/reply/", "replies"),
    ("/aweme/v1/web/comment/list/", "comments"),
)


def api_kind(url: str) -> str | None:
    """``profile``, ``posts``, ``comments`` or ``replies`` for an API URL, else ``None``."""
    path = urlsplit(url).path
    if not path.endswith("/"):
        path += "/"
    for suffix, kind in API_KINDS:
        if path.endswith(suffix):
            return kind
    return None


def query_param(url: str, name: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


@dataclass
class Captured:
    """One API response the page received."""

    kind: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class ResponseCollector:
    """Queue of the API responses of one page (attach with :meth:`attach`)."""

    queue: asyncio.Queue[Captured] = field(default_factory=asyncio.Queue)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    seen: int = 0
    closed: bool = False

    def attach(self, page: Any) -> None:
        page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        if self.closed:
            return
        kind = api_kind(response.url)
        if kind is None:
            return
        task = asyncio.ensure_future(self._read(kind, response))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _read(self, kind: str, response: Any) -> None:
        try:
            body = await response.body()
            headers = await response.all_headers()
        except Exception as exc:  # page closed meanwhile, or the response was aborted
            if not self.closed:
                logger.debug("Could not read %s: %s", response.url, exc)
            return
        self.seen += 1
        self.queue.put_nowait(Captured(kind=kind, url=response.url, status=response.status,
                                       headers=dict(headers), body=body))

    async def next(self, timeout: float) -> Captured | None:
        """The next captured response, or ``None`` after ``timeout`` seconds without one."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    async def close(self) -> None:
        """Stop collecting and drop what is pending (frees the bodies)."""
        self.closed = True
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(BaseException):
                await task
        self.tasks.clear()
        while not self.queue.empty():
            self.queue.get_nowait()


async def close_page(page: Any, close_context: bool = True) -> None:
    """Close a page and (by default) its browser context, ignoring an already-closed target."""
    if page is None:
        return
    context = page.context
    with contextlib.suppress(Exception):
        if not page.is_closed():
            await page.close()
    if close_context:
        with contextlib.suppress(Exception):
            await context.close()


def browser_cookies(cookie_file: str | None, base_url: str) -> list[dict[str, str]]:
    """A login cookie for the browser context, from ``GOVSPIDER_DOUYIN_COOKIE`` (environment)
    or the file named by ``GOVSPIDER_DOUYIN_COOKIE_FILE`` (``name=value; name2=value2``).

    The values are never logged. Empty when no cookie is configured.
    """
    raw = os.environ.get("GOVSPIDER_DOUYIN_COOKIE")
    path = os.environ.get("GOVSPIDER_DOUYIN_COOKIE_FILE") or cookie_file
    if not raw and path:
        try:
            raw = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            logger.error("Cannot read the douyin cookie file %s: %s", path, exc.strerror)
    cookies = []
    for part in (raw or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies.append({"name": name.strip(), "value": value.strip(), "url": base_url + "/"})
    return cookies


SCROLL_JS = "() => { window.scrollTo(0, document.body.scrollHeight); return window.scrollY; }"
