"""The core names no plugin: no platform and no detector in the listed parts of ``govspider/``.

What a platform or a detector knows belongs to its plugin (issue 16). This test reads every
Python file under :data:`CHECKED` (code, strings, comments and docstrings alike: write "a
platform" rather than naming one) and fails on any platform or detector name. Widen
:data:`CHECKED` as more of the core is cleaned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from govspider.plugins import installed_plugins

ROOT = Path(__file__).resolve().parents[2]
#: directories or files (relative to the repository) that must name no plugin
CHECKED: tuple[str, ...] = tuple(
    f"govspider/{p.name}" for p in sorted((ROOT / "govspider").iterdir())
    if p.name not in ("__pycache__", "cli.py", "commands.py", "demo.py")
    and (p.is_dir() or p.suffix == ".py"))
#: a line that must name a platform says so, with its reason, in a comment holding this mark
ALLOW_MARK = "names-a-plugin:"
#: field names of the public data model (docs/data-model.md) that happen to hold a platform word
CONTRACT_FIELDS = ("itunes_id",)
#: names of the built-in platforms and of the hosts they stand for, also when a plugin is absent
PLATFORM_WORDS = ("weibo", "wechat", "weixin", "sogou", "douyin", "itunes", "myapp", "huawei",
                  "xiaomi")
#: the ``web`` platform: its name as a value, its path prefix, its settings (the word alone is
#: aiohttp's ``web`` module and plain English)
WEB_AS_PLATFORM = (r"""["']web["']""", r"(?<![\w.])/web\b", r"\bWEB_")
BUILTIN_DETECTORS = ("dormant_account", "no_interaction", "inappropriate_speech", "commercial_ad",
                     "hijacked_account", "fan_buying", "counterfeit_app", "seo_spam",
                     "serious_typo", "privacy_leak", "sensitive_content", "off_topic",
                     "account_registry")


def forbidden_patterns(platforms: Iterable[str], detectors: Iterable[str]) -> list[re.Pattern[str]]:
    """Patterns of platform names (inside other words' boundaries: ``WEIBO_BASE_URL``,
    ``m.weibo.cn``) and of detector names (as identifiers)."""
    out = [re.compile(p) for p in WEB_AS_PLATFORM]
    for name in sorted(set(platforms) - {"web"}):
        out.append(re.compile(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", re.IGNORECASE))
    for name in sorted(set(detectors)):
        out.append(re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", re.IGNORECASE))
    return out


def python_files(paths: Iterable[str | Path], root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        full = root / path
        files.extend(sorted(full.rglob("*.py")) if full.is_dir() else [full])
    return files


def mentions(paths: Iterable[str | Path], patterns: list[re.Pattern[str]],
             root: Path = ROOT) -> list[str]:
    """``file:line: text`` of every line under ``paths`` that matches one of ``patterns``."""
    found = []
    for file in python_files(paths, root):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if ALLOW_MARK in line:
                continue
            text = line
            for token in CONTRACT_FIELDS:
                text = text.replace(token, "")
            if any(p.search(text) for p in patterns):
                found.append(f"{file.relative_to(root)}:{number}: {line.strip()}")
    return found


def installed_names() -> tuple[set[str], set[str]]:
    reg = installed_plugins()
    return set(reg.platforms) | set(PLATFORM_WORDS), set(reg.detectors) | set(BUILTIN_DETECTORS)


@pytest.mark.parametrize("path", CHECKED)
def test_core_names_no_platform_and_no_detector(path: str) -> None:
    assert (ROOT / path).exists(), path
    platforms, detectors = installed_names()
    found = mentions([path], forbidden_patterns(platforms, detectors))
    assert not found, "the core names a plugin (move it into the plugin):\n" + "\n".join(found)


def test_the_check_finds_names(tmp_path: Path) -> None:
    """The check is not vacuous: it finds each kind of mention, and leaves ordinary words."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(
        'if platform == "weibo":\n'
        "    base = settings['WEIBO_BASE_URL']\n"
        "url = 'https://m.weibo.cn/u/1'\n"
        "prefix = '/web'\n"
        "kind = 'web'\n"
        "# scored by off_topic\n"
        "x = detectors['seo_spam']\n", encoding="utf-8")
    (tmp_path / "pkg" / "good.py").write_text(
        "from aiohttp import web\n"
        "app = web.Application()  # a website, the web pages\n"
        "topic = off_topics = 'sensitive'\n"
        "base_url = 'http://127.0.0.1/webapp'\n", encoding="utf-8")
    platforms, detectors = installed_names()
    found = mentions(["pkg"], forbidden_patterns(platforms, detectors), root=tmp_path)
    assert [f.split(":")[1] for f in found] == ["1", "2", "3", "4", "5", "6", "7"]
    assert all(f.startswith("pkg/bad.py:") for f in found)
