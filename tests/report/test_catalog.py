"""The report names no platform and no detector: labels and roles come from the plugins."""

from __future__ import annotations

import fnmatch
import importlib.resources
import io
import json
import re
import tokenize
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import govspider_plugins.detectors
from govspider.detection import Detector
from govspider.hookspecs import hookimpl
from govspider.items import Finding
from govspider.platform import Platform
from govspider.plugins import InstalledPlugins, installed_plugins, new_manager
from govspider.report import build_report
from govspider.report.catalog import APPS, Catalog
from govspider.report.scheme import INDICATORS
from govspider.storage.writer import CorpusWriter

from ..conftest import FROZEN_NOW

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "govspider" / "report"
BUILTIN_PLATFORMS = ("weibo", "wechat", "sogou", "douyin", "itunes", "myapp", "huawei", "xiaomi")
BUILTIN_DETECTORS = ("dormant_account", "no_interaction", "fan_buying", "hijacked_account",
                     "commercial_ad", "counterfeit_app", "off_topic", "privacy_leak",
                     "account_registry", "sensitive_content", "seo_spam", "inappropriate_speech",
                     "serious_typo")


def _code_without_comments(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return " ".join(t.string for t in tokens if t.type != tokenize.COMMENT)
    return re.sub(r"\{#.*?#\}", " ", text, flags=re.S)  # a Jinja template


def test_report_package_names_no_platform_and_no_detector() -> None:
    """Not as a word anywhere but in comments (``counterfeit_apps``, a key of the output, is
    another word)."""
    installed = set(installed_plugins().detectors)
    assert set(BUILTIN_DETECTORS) <= installed
    files = sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".j2"))
    assert {p.name for p in files} >= {"__init__.py", "gather.py", "scheme.py", "evidence.py",
                                       "charts.py", "writers.py", "report.html.j2"}
    found = []
    for path in files:
        code = _code_without_comments(path).lower()
        found += [f"{path.relative_to(ROOT)}: {name}" for name in (*BUILTIN_PLATFORMS, *installed)
                  if re.search(rf"(?<![a-z0-9_]){name}(?![a-z0-9_])", code)]
    assert not found


def test_builtin_labels_are_declared_by_the_plugins() -> None:
    catalog = Catalog.from_plugins()
    # the texts the report has always shown
    assert {name: catalog.platform(name) for name in BUILTIN_PLATFORMS if name != "sogou"} == {
        "weibo": "微博", "wechat": "微信公众号", "douyin": "抖音", "itunes": "App Store",
        "myapp": "应用宝", "huawei": "华为应用市场", "xiaomi": "小米应用商店"}
    columns = {key for key, _ in INDICATORS} | {APPS, ""}
    for name, det in installed_plugins().detectors.items():
        assert catalog.detector(name) == det.indicator != ""
        assert det.scorecard in columns, f"{name} declares an unknown scorecard column"
    # every column of the national scorecard is filled by some installed detector
    assert {key for key, _ in INDICATORS} <= set(catalog.columns.values())
    assert catalog.column("counterfeit_app") == APPS
    assert catalog.time_dependent == {"dormant_account", "no_interaction", "fan_buying"}
    assert catalog.masked == {"privacy_leak"}


def test_template_ships_with_the_package() -> None:
    tomllib = pytest.importorskip("tomllib")
    template = importlib.resources.files("govspider.report").joinpath("templates/report.html.j2")
    assert template.is_file() and "政务新媒体监测报告" in template.read_text(encoding="utf-8")
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]
    assert any(fnmatch.fnmatch("templates/report.html.j2", pattern)
               for pattern in package_data.get("govspider.report", []))


# ---------------------------------------------------------------- a third-party plugin
class LiveGift(Detector):
    name = "live_gift"
    version = "1"
    indicator = "直播打赏诱导"
    severity = "veto"
    scope = "account"
    accepts = frozenset({"account"})
    scorecard = "ads"
    time_dependent = True


class PhoneLeak(Detector):
    name = "phone_leak"
    version = "1"
    indicator = "泄露手机号"
    accepts = frozenset({"post"})
    scorecard = "privacy"
    masks_evidence = True


class FakeMiniApp(Detector):
    name = "fake_mini_app"
    version = "1"
    indicator = "山寨小程序"
    scope = "corpus"
    accepts = frozenset({"app"})
    scorecard = APPS


def _third_party() -> types.ModuleType:
    mod = types.ModuleType("thirdparty_kuaishou")

    @hookimpl
    def govspider_platforms():  # type: ignore[no-untyped-def]
        return [Platform(name="kuaishou", version="1.0", label="快手")]

    @hookimpl
    def govspider_detectors():  # type: ignore[no-untyped-def]
        return [LiveGift(), PhoneLeak(), FakeMiniApp()]

    mod.govspider_platforms = govspider_platforms  # type: ignore[attr-defined]
    mod.govspider_detectors = govspider_detectors  # type: ignore[attr-defined]
    return mod


def _finding(detector: str, subject_type: str, subject_id: str, days_ago: float, message: str,
             **kw: Any) -> Finding:
    return Finding(_id=f"finding:{detector}:{subject_id}:{days_ago}", detector=detector,
                   detector_version="1", indicator="", severity=kw.pop("severity", "veto"),
                   score=1.0, subject_type=subject_type, subject_id=subject_id, message=message,
                   evidence=kw.pop("evidence", {}), detected_at=FROZEN_NOW - timedelta(days=days_ago),
                   platform="kuaishou", **kw)


@pytest.fixture
def kuaishou(db: Any) -> None:
    account = {"item_type": "account", "_id": "kuaishou:42", "platform": "kuaishou",
               "platform_id": "42", "name": "青澜交警", "unit": "青澜市公安局交通警察支队",
               "followers": 1200, "url": "https://example.invalid/kuaishou/42"}
    post = {"item_type": "post", "_id": "kuaishou:p1", "platform": "kuaishou", "platform_id": "p1",
            "account_id": "kuaishou:42", "text": "请车主致电13812345678领取",
            "published_at": FROZEN_NOW - timedelta(days=1)}
    app = {"item_type": "app", "_id": "app:kuaishou:fake", "platform": "kuaishou",
           "platform_id": "fake", "name": "青澜交警服务", "developer": "某某科技"}
    CorpusWriter(db, crawl_id="test").write([account, post, app])
    CorpusWriter(db).write([
        _finding("live_gift", "account", "kuaishou:42", 0, "本次扫描：直播间诱导打赏",
                 account_id="kuaishou:42"),
        _finding("live_gift", "account", "kuaishou:42x", 7, "上周扫描：直播间诱导打赏",
                 account_id="kuaishou:42"),
        _finding("phone_leak", "post", "kuaishou:p1", 0, "公开了车主手机号", severity="high",
                 account_id="kuaishou:42",
                 evidence={"matches": [{"text": "13812345678", "span": [5, 16], "field": "text"}]}),
        _finding("fake_mini_app", "app", "app:kuaishou:fake", 0, "仿冒交警服务", severity="high",
                 evidence={"official_name": "青澜交警"}),
    ])


def _build(db: Any, out: Path, plugins: InstalledPlugins | None) -> tuple[dict[str, Any], str]:
    path = build_report(db, out, FROZEN_NOW, plugins=plugins)
    return (json.loads((out / "scorecard.json").read_text(encoding="utf-8")),
            path.read_text(encoding="utf-8"))


def test_a_third_party_plugin_labels_and_places_its_findings(
        db: Any, kuaishou: None, tmp_path: Path) -> None:
    pm = new_manager(load_entry_points=False)
    pm.register(govspider_plugins.detectors, name="detectors")
    pm.register(_third_party(), name="kuaishou")
    card, html = _build(db, tmp_path, InstalledPlugins(pm))

    assert [(p["key"], p["label"]) for p in card["platforms"]] == [("kuaishou", "快手")]
    account = card["accounts"][0]
    assert account["verdict"] == "不合格"
    # the older scan's finding of a time-dependent detector is superseded by the latest one
    assert account["reasons"] == ["直播打赏诱导：本次扫描：直播间诱导打赏"]
    assert account["indicators"]["ads"] == {"count": 1, "worst": "veto"}
    assert account["indicators"]["privacy"] == {"count": 1, "worst": "high"}
    assert account["indicators"]["other"] == {"count": 0, "worst": None}
    assert (card["counterfeit_apps"][0]["name"], card["counterfeit_apps"][0]["store"]) == (
        "青澜交警服务", "快手")
    failing = html.split("三、不合格账号名单")[1].split("四、账号评分表")[0]
    assert "<td>快手</td>" in failing and "直播打赏诱导" in failing
    assert "<mark>138****5678</mark>" in html and "13812345678" not in html


def test_without_the_plugin_its_findings_still_show(
        db: Any, kuaishou: None, tmp_path: Path) -> None:
    pm = new_manager(load_entry_points=False)
    pm.register(govspider_plugins.detectors, name="detectors")
    card, html = _build(db, tmp_path, InstalledPlugins(pm))

    assert [(p["key"], p["label"]) for p in card["platforms"]] == [("kuaishou", "kuaishou")]
    account = card["accounts"][0]
    # unknown detectors: named by their name, counted under "other", every scan standing
    assert account["reasons"] == ["live_gift：本次扫描：直播间诱导打赏", "live_gift：上周扫描：直播间诱导打赏"]
    assert account["indicators"]["other"] == {"count": 3, "worst": "veto"}
    assert card["counterfeit_apps"] == []
    assert "13812345678" in html  # nothing declares that this evidence needs masking
