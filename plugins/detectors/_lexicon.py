"""Versioned lexicon and threshold files of the content detectors.

Each detector ships ``data/<detector>.yaml`` with a ``version:`` field. A user may point
``GOVSPIDER_DETECTORS[<detector>]["lexicon"]`` at an own YAML file: by default it *extends*
the shipped data (lists are appended, mappings merged, scalars replaced); with ``mode: replace``
its top-level keys replace the shipped ones. Thresholds live under ``thresholds:`` and any of
them can also be set directly: ``GOVSPIDER_DETECTORS[<detector>][<threshold name>]``.
"""

from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data")
_CACHE: dict[tuple[str, str, float], Lexicon] = {}


class LexiconError(ValueError):
    """A lexicon file is missing, unreadable or malformed (the message names the file)."""


class Lexicon:
    """The merged data of one detector: ``.data``, ``.version``, ``.threshold(name, ctx)``."""

    def __init__(self, name: str, data: dict[str, Any], version: str, source: str):
        self.name = name
        self.data = data
        self.version = version
        self.source = source
        #: per-lexicon memo for compiled structures (automatons, regexes), built lazily
        self.compiled: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def threshold(self, key: str, ctx: Any = None) -> Any:
        """A threshold: the detector setting if given, else the lexicon's ``thresholds``."""
        default = (self.data.get("thresholds") or {}).get(key)
        if ctx is not None and hasattr(ctx, "setting"):
            return ctx.setting(self.name, key, default)
        return default


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"lexicon file not found: {path}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"cannot read lexicon {path}: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise LexiconError(f"lexicon {path} must be a YAML mapping")
    return data


def _merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return base + [v for v in extra if v not in base]
    return copy.deepcopy(extra)


def load_lexicon(name: str, ctx: Any = None, override: str | os.PathLike | None = None) -> Lexicon:
    """The lexicon of detector ``name``, merged with the user's file (cached per file state)."""
    if override is None and ctx is not None and hasattr(ctx, "setting"):  # "" = shipped only
        override = ctx.setting(name, "lexicon")
    user = Path(override) if override else None
    try:
        stamp = user.stat().st_mtime if user else 0.0
    except OSError:
        raise LexiconError(f"lexicon file not found: {user}") from None
    key = (name, str(user or ""), stamp)
    lex = _CACHE.get(key)
    if lex is not None:
        return lex
    base_path = DATA_DIR / f"{name}.yaml"
    data = _read_yaml(base_path)
    if "version" not in data:
        raise LexiconError(f"lexicon {base_path} has no version field")
    version = str(data["version"])
    source = str(base_path)
    if user is not None:
        extra = _read_yaml(user)
        mode = extra.pop("mode", "extend")
        user_version = extra.pop("version", None) or hashlib.sha1(
            user.read_bytes()).hexdigest()[:8]
        if mode == "replace":
            data = {**data, **extra}
        elif mode == "extend":
            data = _merge(data, extra)
        else:
            raise LexiconError(f"lexicon {user}: mode must be 'extend' or 'replace', not {mode!r}")
        version = f"{version}+{user_version}"
        source = f"{base_path}+{user}"
    lex = Lexicon(name, data, version, source)
    _CACHE[key] = lex
    return lex
