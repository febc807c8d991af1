"""The plugin contract: a third-party plugin registers exactly like a built-in one."""

from __future__ import annotations

import types

import pytest

from govspider.detection import DetectContext, Detector, run_detectors
from govspider.hookspecs import hookimpl
from govspider.platform import OK, ParseInput, ParseResult, Platform
from govspider.plugins import InstalledPlugins, PluginError, new_manager
from govspider.processors import CST


class EchoDetector(Detector):
    name = "echo_detector"
    version = "1"
    indicator = "测试"
    severity = "low"
    accepts = frozenset({"post"})

    def detect(self, subject, ctx):  # type: ignore[no-untyped-def]
        if "广告" in subject.get("text", ""):
            yield self.finding(subject=subject, rule="kw", message="发现测试词", evidence={}, ctx=ctx)


def make_plugin(platform: str = "toyplatform", detector: type[Detector] = EchoDetector) -> types.ModuleType:
    mod = types.ModuleType(f"thirdparty_{platform}")

    def parse_page(inp: ParseInput) -> ParseResult:
        # (an "ok" with nothing in it would be turned into an error by the parser guard)
        return ParseResult(outcome=OK, items=[{"url": inp.url}])

    @hookimpl
    def govspider_platforms():  # type: ignore[no-untyped-def]
        return [Platform(name=platform, version="9.9", parsers={"page": parse_page})]

    @hookimpl
    def govspider_detectors():  # type: ignore[no-untyped-def]
        return [detector()]

    mod.govspider_platforms = govspider_platforms  # type: ignore[attr-defined]
    mod.govspider_detectors = govspider_detectors  # type: ignore[attr-defined]
    return mod


def test_third_party_plugin_is_found() -> None:
    pm = new_manager(load_entry_points=False)
    pm.register(make_plugin(), name="toy")
    reg = InstalledPlugins(pm)
    assert "toyplatform" in reg.platforms and "echo_detector" in reg.detectors
    assert reg.parser("toyplatform", "page")(ParseInput(b"")).outcome == OK
    info = {i.name: i for i in reg.info()}["toy"]
    assert info.platforms == ("toyplatform",) and info.detectors == ("echo_detector",)


def test_two_plugins_claiming_one_name_is_a_clear_error() -> None:
    pm = new_manager(load_entry_points=False)
    pm.register(make_plugin(), name="first")
    pm.register(make_plugin(), name="second")
    with pytest.raises(PluginError, match="two plugins claim the platform name 'toyplatform'"):
        InstalledPlugins(pm)


def test_unknown_parser_names_what_exists() -> None:
    pm = new_manager(load_entry_points=False)
    pm.register(make_plugin(), name="toy")
    with pytest.raises(KeyError, match="kinds: page"):
        InstalledPlugins(pm).parser("toyplatform", "timeline")


def test_findings_are_deterministic() -> None:
    from datetime import datetime

    ctx = DetectContext(now=datetime(2026, 11, 20, tzinfo=CST))
    items = [{"item_type": "post", "_id": "toy:1", "platform": "toy", "text": "这是广告"},
             {"item_type": "post", "_id": "toy:2", "platform": "toy", "text": "通知"}]
    first = list(run_detectors([EchoDetector()], items, ctx))
    second = list(run_detectors([EchoDetector()], items, ctx))
    assert [f._id for f in first] == [f._id for f in second] and len(first) == 1
    assert first[0].subject_id == "toy:1" and first[0].detector == "echo_detector"


def test_built_in_plugins_use_the_entry_point_group() -> None:
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="govspider")}
    assert {"weibo", "wechat", "douyin", "appstores", "web", "detectors"} <= names
