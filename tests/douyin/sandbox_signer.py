"""A stand-in signer for the direct mode, valid for the local sandbox only (tests).

It proves the ``DOUYIN_SIGNER`` hook: the spider builds unsigned URLs, this callable adds
``msToken`` and the sandbox's ``a_bogus`` (see :func:`govspider_plugins.douyin.sandbox.a_bogus`).
"""

from __future__ import annotations

import secrets

from govspider_plugins.douyin.sandbox import a_bogus

CALLS: list[str] = []


def sign(url: str, user_agent: str) -> str:
    """``(url, user_agent) -> signed url`` for the sandbox."""
    if "msToken=" not in url:
        url += ("&" if "?" in url else "?") + "msToken=" + secrets.token_hex(64)
    query = url.split("?", 1)[1]
    CALLS.append(url)
    return f"{url}&a_bogus={a_bogus(query, user_agent)}"
