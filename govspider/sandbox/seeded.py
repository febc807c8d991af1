"""Deterministic randomness of the sandbox world: per-object RNGs and stable keys.

Every object of the world draws from its own ``random.Random`` seeded by a stable hash of a key
(never Python's salted ``hash``), so generating one object never shifts another.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

__all__ = ["rng_for", "stable_hex", "code_index", "uncode_index", "ordinal_base", "ORDINAL_STEP"]


def rng_for(*key: Any) -> random.Random:
    """A ``random.Random`` seeded by a stable hash of ``key``."""
    digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def stable_hex(*key: Any, n: int = 32) -> str:
    """``n`` hex characters derived from ``key``."""
    return hashlib.blake2b(repr(key).encode("utf-8"), digest_size=max(8, (n + 1) // 2)).hexdigest()[:n]


def code_index(acc_index: int, digits: int) -> int:
    """Scramble an account index into a fixed-width field (a bijection mod 10**digits)."""
    return (acc_index * 7919 + 271_828) % 10**digits


def uncode_index(code: int, digits: int) -> int:
    """Inverse of :func:`code_index`."""
    return ((code - 271_828) * pow(7919, -1, 10**digits)) % 10**digits


def ordinal_base(acc_index: int, digits: int) -> int:
    """Per-account offset of the ordinal field, so ids look varied but stay ordered in time."""
    return (acc_index * 104_729) % (3 * 10 ** (digits - 2)) + 10 ** (digits - 1)


#: step between the ordinal fields of consecutive posts of an account
ORDINAL_STEP = 7
