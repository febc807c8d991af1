"""Apple iTunes Search and Lookup API (platforms.md §4.1).

``GET /search?term=…&country=cn&entity=software`` and ``GET /lookup?id=…&country=cn`` both
answer ``{"resultCount": n, "results": [...]}``; only ``wrapperType == "software"`` records are
apps (a developer lookup also returns an ``artist`` record). Dates are UTC ``…Z`` strings,
stored in +08:00. ``fileSizeBytes`` is a digit string.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from govspider.items import App
from govspider.platform import MALFORMED, NOT_FOUND, OK, ParseInput, ParseResult
from govspider.processors import http_url

from .common import app_id, as_str, base_url, clean_text, first, load_json, rating, safe_time

STORE = "itunes"


def search_url(base: str, term: str, limit: int = 50) -> str:
    return f"{base}/search?term={quote(term)}&country=cn&entity=software&limit={limit}"


def lookup_url(base: str, ids: list[str] | None = None, bundle_id: str | None = None) -> str:
    if bundle_id:
        return f"{base}/lookup?bundleId={quote(bundle_id)}&country=cn&entity=software"
    return f"{base}/lookup?id={','.join(ids or [])}&country=cn&entity=software"


def app_from_record(record: dict[str, Any]) -> App | None:
    """One ``software`` record as an App item (``None`` for other wrapper types)."""
    wrapper = record.get("wrapperType")
    kind = record.get("kind")
    if wrapper not in (None, "software") or (wrapper is None and kind not in ("software", "mac-software")):
        return None
    track_id = as_str(record.get("trackId"))
    name = first(record, "trackName", "trackCensoredName")
    if not track_id or not name:
        return None
    genres = record.get("genres")
    category = genres[0] if isinstance(genres, list) and genres and isinstance(genres[0], str) \
        else record.get("primaryGenreName")
    return App(
        _id=app_id(STORE, track_id), platform=STORE, platform_id=track_id, name=str(name).strip(),
        package=as_str(record.get("bundleId")),
        developer=as_str(first(record, "sellerName", "artistName")),
        developer_id=as_str(record.get("artistId")),
        version=as_str(record.get("version")),
        updated_at=safe_time(record.get("currentVersionReleaseDate")),
        released_at=safe_time(record.get("releaseDate")),
        rating=rating(record.get("averageUserRating")),
        rating_count=_int(record.get("userRatingCount")),
        category=as_str(category),
        description=clean_text(record.get("description")),
        icon_url=http_url(first(record, "artworkUrl512", "artworkUrl100", "artworkUrl60")),
        url=http_url(record.get("trackViewUrl")),  # never javascript: or file:
    )


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse(inp: ParseInput) -> ParseResult:
    data, error = load_json(inp)
    if error is not None:
        return error
    if not isinstance(data, dict):
        return ParseResult.error(MALFORMED, "expected a JSON object")
    if "errorMessage" in data and "results" not in data:
        # HTTP 400 for bad parameters: our request is wrong; retrying will not help much, but
        # it must never pass as "no results".
        return ParseResult.error(MALFORMED, f"iTunes rejected the request: {data['errorMessage']}")
    results = data.get("results")
    if not isinstance(results, list):
        return ParseResult.error(MALFORMED, "no 'results' list")
    if not results or data.get("resultCount") == 0:
        return ParseResult(outcome=NOT_FOUND, message="resultCount 0")
    items = [app for app in (app_from_record(r) for r in results if isinstance(r, dict)) if app]
    if not items:
        return ParseResult(outcome=NOT_FOUND, message="no software records")
    return ParseResult(outcome=OK, items=items)


def parse_search(inp: ParseInput) -> ParseResult:
    """``/search`` JSON -> App items (search results carry the full record)."""
    return _parse(inp)


def parse_lookup(inp: ParseInput) -> ParseResult:
    """``/lookup`` JSON -> App items; ``resultCount: 0`` is ``not_found``."""
    return _parse(inp)


__all__ = ["parse_search", "parse_lookup", "search_url", "lookup_url", "app_from_record",
           "base_url"]
