"""Shared parts of the account-, app- and registry-level detectors.

* thresholds come from a versioned YAML file in ``plugins/detectors/data`` and can be overridden
  per run with ``GOVSPIDER_DETECTORS = {"<detector>": {"<key>": value}}``;
* times in items may be aware or naive (UTC, from MongoDB) datetimes or ISO strings; times
  in evidence are aware datetimes (dates in the corpus, ISO 8601 in JSON output);
* Chinese text goes through the project's normalizer (``govspider.textnorm``).
"""

from __future__ import annotations

import functools
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from govspider.detection import DetectContext, Detector
from govspider.processors import CST, parse_time

from ._text import norm

DATA_DIR = Path(__file__).parent / "data"


@functools.cache
def load_data(filename: str) -> dict[str, Any]:
    """A data file of this package (cached); ``ValueError`` names a broken file."""
    path = DATA_DIR / filename
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot load detector data {path}: {exc}") from None
    if not isinstance(data, dict) or "version" not in data:
        raise ValueError(f"detector data {path} needs a mapping with a 'version'")
    return data


class ConfiguredDetector(Detector):
    """A detector whose thresholds live in a data file section named after the detector."""

    data_file: str = ""

    def __init__(self) -> None:
        data = load_data(self.data_file)
        self.defaults: dict[str, Any] = dict(data.get(self.name) or {})
        self.data_version = str(data["version"])
        self.version = f"{self.code_version}+{self.data_version}"

    code_version: str = "1"

    def param(self, ctx: DetectContext, key: str) -> Any:
        """The threshold ``key``: the run's setting, else the data file's value."""
        return ctx.setting(self.name, key, self.defaults.get(key))


# ---------------------------------------------------------------------------- times
def as_time(value: Any) -> datetime | None:
    """An aware datetime from a datetime (naive = UTC, as pymongo returns it) or a string."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = parse_time(value)
    except (ValueError, TypeError):
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def evidence_time(value: datetime | None) -> datetime | None:
    """A time for a finding's evidence: aware, so it is stored as a date (BSON) and printed
    as ISO 8601 in +08:00 (``Finding.to_json``)."""
    return as_time(value)


def cst_date(value: datetime) -> str:
    """``2026-11-05`` in China time, for messages."""
    return value.astimezone(CST).strftime("%Y-%m-%d")


def days_between(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 86400.0


# ---------------------------------------------------------------------------- text
def normalize(text: str | None) -> str:
    """Normalized text (NFKC, no zero-width characters, simplified), or ``""``; memoised with
    the content detectors' cache, so a post an account detector reads several times (spam
    signals, official register, sales hint) and the content detectors it asks are normalized
    once."""
    if not text:
        return ""
    return norm(str(text)).text


def compact(text: str | None) -> str:
    """Normalized, lower-cased, without spaces and punctuation: for comparing names."""
    return "".join(ch for ch in normalize(text).lower()
                   if unicodedata.category(ch)[0] in "LN")


def common_substring(a: str, b: str) -> int:
    """Length of the longest common substring of ``a`` and ``b``."""
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, start=1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def account_name(account: dict[str, Any]) -> str:
    return str(account.get("name") or account.get("platform_id") or account.get("_id") or "?")


PLATFORM_NAMES = {"weibo": "微博", "wechat": "微信公众号", "douyin": "抖音", "itunes": "App Store",
                  "myapp": "应用宝", "huawei": "华为应用市场", "xiaomi": "小米应用商店"}
