"""The supervisor's report, over a small invented corpus in a real (embedded) MongoDB."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from govspider.detection import Detector
from govspider.items import Finding
from govspider.registry import AccountRegistry
from govspider.report import ReportError, build_report, load_scheme
from govspider.scan import scan_corpus
from govspider.storage.writer import CorpusWriter
from govspider_plugins.detectors import accounts as account_detectors
from govspider_plugins.detectors import counterfeit, registry_check

from ..conftest import FROZEN_NOW

NOW = FROZEN_NOW
SCHEME = Path(__file__).parents[2] / "plugins" / "detectors" / "data" / "scheme-example.yaml"
REGISTRY = {"version": 1, "units": [
    {"name": "青澜市公安局", "region": "990100", "region_name": "青澜市", "level": "city",
     "accounts": [{"platform": "weibo", "platform_id": "7100000001", "name": "青澜公安"},
                  {"platform": "douyin", "platform_id": "MS4wLjABAAAAqlgaTest", "name": "青澜公安"}]},
    {"name": "白石县人民政府", "region": "990201", "region_name": "白石县", "level": "county",
     "accounts": [{"platform": "weibo", "platform_id": "7100000002", "name": "白石发布"}],
     "apps": [{"name": "白石县民生服务", "developer": "白石县政务服务中心", "package": "cn.gov.baishi.ms"}]},
    {"name": "云岭省应急管理厅", "region": "990000", "region_name": "云岭省", "level": "province",
     "accounts": [{"platform": "wechat", "platform_id": "MzkwMDAwMDAwMQ==", "name": "云岭应急"},
                  {"platform": "weibo", "platform_id": "7100000003", "name": "云岭应急"}]},
]}


def _t(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _account(platform: str, pid: str, name: str, unit: str, **kw: Any) -> dict[str, Any]:
    return {"item_type": "account", "_id": f"{platform}:{pid}", "platform": platform,
            "platform_id": pid, "name": name, "unit": unit, "verified": True,
            "verified_reason": f"{unit}官方账号", "posts_count": 100, "followers": 5000, **kw}


def _posts(account: dict[str, Any], days: list[float], text: str = "青澜市召开冬季安全工作会议。",
           ) -> list[dict[str, Any]]:
    out = []
    for i, d in enumerate(days):
        pid = f"{account['platform_id']}{i:04d}"
        out.append({"item_type": "post", "_id": f"{account['platform']}:{pid}",
                    "platform": account["platform"], "platform_id": pid,
                    "account_id": account["_id"], "text": text, "published_at": _t(d),
                    "url": f"https://example.invalid/{account['platform']}/{pid}"})
    return out


@pytest.fixture
def corpus(db: Any) -> dict[str, Any]:
    """Five accounts: two fail (not updated; an inappropriate reply), one was never crawled."""
    police_wb = _account("weibo", "7100000001", "青澜公安", "青澜市公安局")
    police_dy = _account("douyin", "MS4wLjABAAAAqlgaTest", "青澜公安", "青澜市公安局")
    baishi = _account("weibo", "7100000002", "白石发布", "白石县人民政府")
    yunling_wx = _account("wechat", "MzkwMDAwMDAwMQ==", "云岭应急", "云岭省应急管理厅")
    stub = {"item_type": "account", "_id": "weibo:7100000003", "platform": "weibo",
            "platform_id": "7100000003", "name": "云岭应急", "unit": "云岭省应急管理厅"}
    items: list[dict[str, Any]] = [police_wb, police_dy, baishi, yunling_wx, stub]
    items += _posts(police_wb, [1, 3, 5, 8, 12, 20, 30])
    items += _posts(police_dy, [2, 6, 10, 25])
    items += _posts(baishi, [40, 45, 60])  # stale: last update 40 days before NOW
    speech = _posts(yunling_wx, [1, 4, 9, 15], text="关于开展安全生产大检查的通知。")
    speech[0]["text"] = "有些网民就是刁民，爱看不看。请大家理性发言。"
    items += speech
    items.append({"item_type": "app", "_id": "app:myapp:com.fake.bsms", "platform": "myapp",
                  "platform_id": "com.fake.bsms", "name": "白石民生服务", "developer": "快乐软件有限公司",
                  "package": "com.fake.bsms", "url": "https://example.invalid/app/bsms"})
    items.append({"item_type": "app", "_id": "app:myapp:cn.gov.baishi.ms", "platform": "myapp",
                  "platform_id": "cn.gov.baishi.ms", "name": "白石县民生服务",
                  "developer": "白石县政务服务中心", "package": "cn.gov.baishi.ms"})
    CorpusWriter(db, crawl_id="test-crawl").write(items)
    db["crawl_runs"].insert_one({"_id": "weibo-test", "spider": "weibo", "status": "finished",
                                 "started_at": _t(0.2), "finished_at": _t(0.1),
                                 "stats": {"govspider/items/post": 14}, "errors": {}})
    registry = AccountRegistry.from_dict(REGISTRY)
    dets: list[Detector] = [*account_detectors.DETECTORS, *counterfeit.DETECTORS,
                            *registry_check.DETECTORS]
    summary = scan_corpus(db, dets, NOW, registry=registry)
    # a content finding as the content detectors store it (evidence spans in the original text)
    speech_finding = Finding(
        _id="finding:speechtest", detector="inappropriate_speech", detector_version="1",
        indicator="雷人雷语", severity="veto", score=0.9, subject_type="post",
        subject_id=speech[0]["_id"], account_id=yunling_wx["_id"], rule="insult",
        message="发布内容含侮辱网民的雷人雷语「刁民」。",
        evidence={"matches": [{"text": "刁民", "span": [6, 8], "field": "text", "entry": "刁民"}]},
        detected_at=NOW, platform="wechat")
    # a veto a supervisor dismissed, and a stale finding from an older scan: neither counts
    dismissed = Finding(
        _id="finding:dismissed", detector="commercial_ad", detector_version="1", indicator="商业广告",
        severity="veto", score=0.5, subject_type="post", subject_id=items[6]["_id"],
        account_id=police_wb["_id"], message="误报", evidence={}, detected_at=NOW, status="dismissed")
    old_stale = Finding(
        _id="finding:oldstale", detector="dormant_account", detector_version="0", indicator="内容不更新",
        severity="veto", score=1, subject_type="account", subject_id=police_dy["_id"],
        account_id=police_dy["_id"], rule="stale", message="旧的扫描结果", evidence={},
        detected_at=NOW - timedelta(days=30))
    CorpusWriter(db).write([speech_finding, dismissed, old_stale])
    return {"summary": summary, "registry": registry}


def test_report_verdicts_rates_and_files(db: Any, corpus: dict[str, Any], tmp_path: Path) -> None:
    assert corpus["summary"]["findings"].get("dormant_account") == 1
    path = build_report(db, tmp_path, NOW, registry=corpus["registry"])
    assert path == tmp_path / "index.html"
    card = json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8"))
    verdicts = {a["account_id"]: a["verdict"] for a in card["accounts"]}
    assert verdicts == {"weibo:7100000001": "合格", "douyin:MS4wLjABAAAAqlgaTest": "合格",
                        "weibo:7100000002": "不合格", "wechat:MzkwMDAwMDAwMQ==": "不合格",
                        "weibo:7100000003": "未监测"}
    assert card["summary"] | {} == card["summary"]
    assert card["summary"]["judged"] == 4 and card["summary"]["failed"] == 2
    assert card["summary"]["pass_rate"] == 0.5
    rates = {p["key"]: (p["judged"], p["passed"], p["pass_rate"]) for p in card["platforms"]}
    assert rates == {"douyin": (1, 1, 1.0), "wechat": (1, 0, 0.0), "weibo": (2, 1, 0.5)}
    levels = {p["key"]: (p["judged"], p["failed"]) for p in card["levels"]}
    assert levels == {"province": (1, 1), "city": (2, 0), "county": (1, 1)}
    baishi = next(a for a in card["accounts"] if a["account_id"] == "weibo:7100000002")
    assert baishi["indicators"]["update"] == {"count": 1, "worst": "veto"}
    assert any("内容不更新" in r and "40天" in r for r in baishi["reasons"])
    assert card["counterfeit_apps"][0]["name"] == "白石民生服务"

    html = path.read_text(encoding="utf-8")
    failing = html.split("三、不合格账号名单")[1].split("四、账号评分表")[0]
    assert "白石发布" in failing and "超过14天未更新" in failing
    assert "云岭应急" in failing and "刁民" in failing
    assert "青澜公安" not in failing  # passed: the dismissed and the superseded vetoes do not count
    assert "<mark>刁民</mark>" in html  # evidence highlighted in the original text
    assert 'href="https://example.invalid/wechat/MzkwMDAwMDAwMQ==0000"' in html
    assert "快乐软件有限公司" in html and "白石县民生服务" in html  # counterfeit apps table
    for name in ("pass_rate_by_platform.png", "posts_per_week.png", "findings_by_detector.png"):
        data = (tmp_path / "charts" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert html.count("data:image/png;base64,") == 3

    with (tmp_path / "findings.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    detectors = {r["detector"] for r in rows}
    assert {"dormant_account", "inappropriate_speech", "counterfeit_app"} <= detectors
    assert "finding:dismissed" not in {r["subject_id"] for r in rows}
    assert all(r["message"] for r in rows)


def test_report_with_local_scheme(db: Any, corpus: dict[str, Any], tmp_path: Path) -> None:
    build_report(db, tmp_path, NOW, registry=corpus["registry"], scheme=str(SCHEME))
    card = json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8"))
    by_id = {a["account_id"]: a for a in card["accounts"]}
    police = by_id["weibo:7100000001"]
    assert police["grade"] in ("合格", "优秀") and police["score"] >= 80
    baishi = by_id["weibo:7100000002"]
    # stale (20) + dormant? no: 40 days is below the 60-day tier; cadence rule (10)
    assert baishi["score"] == 100 - 20 - 10 and baishi["grade"] == "不合格"
    assert {d["indicator"] for d in baishi["deductions"]} == {"内容更新", "更新间隔超过7天"}
    assert "得分" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_bad_scheme_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("deductions: [{points: 3}]\n", encoding="utf-8")
    with pytest.raises(ReportError, match="deductions\\[0\\] needs 'detectors'"):
        load_scheme(bad)
    with pytest.raises(ReportError, match="cannot read scheme"):
        load_scheme(tmp_path / "missing.yaml")


def test_empty_corpus_still_writes_a_report(db: Any, tmp_path: Path) -> None:
    path = build_report(db, tmp_path, datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc))
    html = path.read_text(encoding="utf-8")
    assert "政务新媒体监测报告" in html and "本期未发现不合格账号" in html


@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_report_renders_in_chromium(db: Any, corpus: dict[str, Any], tmp_path: Path) -> None:
    path = build_report(db, tmp_path / "out", NOW, registry=corpus["registry"])
    shot = tmp_path / "shot.png"
    subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1280,2400",
                    path.as_uri()], check=True, capture_output=True, timeout=90)
    assert shot.exists() and shot.stat().st_size > 20000
    keep = Path("/tmp/accountdet")
    if keep.is_dir():  # for a human look while developing
        shutil.copy(shot, keep / "report-shot.png")
