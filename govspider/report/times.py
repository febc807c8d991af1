"""Times as the report reads and shows them (stored datetimes, ISO text from older versions)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from govspider.processors import CST, isoformat, parse_time


def aware(value: Any) -> datetime | None:
    """A stored time as an aware datetime (naive ones are UTC); ``None`` when unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and value:
        try:
            return aware(parse_time(value))
        except ValueError:
            return None
    return None


def iso(value: Any) -> str | None:
    """ISO 8601 text of a stored time, or ``None``."""
    t = aware(value)
    return isoformat(t) if t else None


def short(value: Any) -> str:
    """``YYYY-MM-DD HH:MM`` in Beijing time, or ``""``."""
    t = aware(value)
    return t.astimezone(CST).strftime("%Y-%m-%d %H:%M") if t else ""
