"""The signer hook of the direct (non-browser) mode.

Douyin's web API answers only signed requests (``msToken`` and ``a_bogus``, platforms.md §3.2);
an unsigned or rejected request gets HTTP 200 with an empty body. govspider does not ship a
signing algorithm: operators who run the direct mode bring their own signer and name it in the
``DOUYIN_SIGNER`` setting as a dotted path (``package.module.function`` or
``package.module:function``).

A signer is a callable ``(url, user_agent) -> signed url``: it receives the full unsigned API URL
(with the common parameters of §3.1 already in the query) and the User-Agent the request will be
sent with, and returns the URL with ``msToken`` (when it manages tokens) and ``a_bogus`` appended
last. It may raise :class:`SignerError`, which the spider counts as a ``blocked`` error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlencode


class SignerError(Exception):
    """The signer could not sign a URL (or could not be loaded)."""


class Signer(Protocol):
    """``(url, user_agent) -> signed url``."""

    def __call__(self, url: str, user_agent: str) -> str: ...


#: The User-Agent of the direct mode (a desktop Chrome: the web API expects one).
DEFAULT_USER_AGENT = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
                      "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")


def load_signer(path: str | Callable[[str, str], str] | None) -> Signer:
    """Import the signer named by a dotted path (or return a callable as is)."""
    if not path:
        raise SignerError("DOUYIN_MODE=direct needs DOUYIN_SIGNER: the dotted path of a "
                          "callable (url, user_agent) -> signed url")
    if callable(path):
        return path  # type: ignore[return-value]
    module_name, sep, attr = str(path).partition(":")
    if not sep:
        module_name, _, attr = str(path).rpartition(".")
    if not module_name or not attr:
        raise SignerError(f"DOUYIN_SIGNER {path!r} is not a dotted path to a callable")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SignerError(f"cannot import DOUYIN_SIGNER module {module_name!r}: {exc}") from None
    signer = getattr(module, attr, None)
    if not callable(signer):
        raise SignerError(f"DOUYIN_SIGNER {path!r} is not a callable")
    return signer  # type: ignore[no-any-return]


def common_params(user_agent: str) -> dict[str, str]:
    """The query parameters the web client sends with every API call (platforms.md §3.1)."""
    browser_version = "126.0.0.0"
    marker = "Chrome/"
    if marker in user_agent:
        browser_version = user_agent.split(marker, 1)[1].split(" ", 1)[0]
    return {
        "device_platform": "webapp", "aid": "6383", "channel": "channel_pc_web",
        "version_code": "190600", "version_name": "19.6.0", "update_version_code": "170400",
        "pc_client_type": "1", "cookie_enabled": "true", "browser_language": "zh-CN",
        "browser_platform": "MacIntel", "browser_name": "Chrome",
        "browser_version": browser_version, "engine_name": "Blink", "os_name": "Mac OS",
        "platform": "PC", "screen_width": "1920", "screen_height": "1080",
    }


def api_url(base: str, path: str, params: dict[str, object], user_agent: str) -> str:
    """An unsigned API URL: ``base`` + ``path`` + endpoint params + the common params."""
    query = {**{k: str(v) for k, v in params.items()}, **common_params(user_agent)}
    return f"{base.rstrip('/')}{path}?{urlencode(query)}"
