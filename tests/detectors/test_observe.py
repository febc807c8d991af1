"""Account-scope detectors that observe items in the item pass (``Detector.observe``): off_topic
classifies each post while its normalized text is cached, and the account pass reuses that only
when its history is exactly the posts observed."""

from __future__ import annotations

from datetime import datetime, timedelta

from govspider.detection import AccountHistory, DetectContext, run_detectors
from govspider.processors import CST
from govspider_plugins.detectors import _text
from govspider_plugins.detectors.offtopic import OffTopic

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
FUN = ["今天被这只小猫咪萌化了！谁能拒绝一只会握手的橘猫呢", "周末追剧推荐：这部古装剧男主颜值太高了",
       "吃瓜！知名女星被曝恋情，双方工作室均未回应。", "新出的手游太上头了，昨晚一口气打到凌晨两点"]
DUTY = ["青澜市召开安全生产工作会议。", "关于做好冬季供暖工作的通知。"]


def _items(n_fun: int, n_duty: int) -> list[dict]:
    items = [{"item_type": "account", "_id": "weibo:1", "platform": "weibo", "name": "青澜文旅"}]
    texts = [FUN[i % len(FUN)] + f"（{i}）" for i in range(n_fun)] + [
        DUTY[i % len(DUTY)] + f"（{i}）" for i in range(n_duty)]
    for i, text in enumerate(texts):
        items.append({"item_type": "post", "_id": f"weibo:p{i}", "platform": "weibo",
                      "account_id": "weibo:1", "text": text,
                      "published_at": (NOW - timedelta(days=i)).isoformat()})
    return items


def test_the_item_pass_feeds_the_account_pass_without_classifying_twice(monkeypatch):
    det = OffTopic()
    items = _items(9, 3)
    ctx = DetectContext(now=NOW)
    calls = []
    real = _text.normalize
    monkeypatch.setattr(_text, "normalize", lambda t: calls.append(t) or real(t))
    _text._NORM_CACHE.clear()
    findings = list(run_detectors([det], items, ctx))
    assert len(calls) == 12  # each post normalized once, in the item pass
    fresh = DetectContext(now=NOW)
    expected = sum(1 for i in items[1:] if det.classify(i, fresh))
    assert expected >= 6
    assert [f.rule for f in findings] == ["entertainment_share"]
    assert findings[0].evidence["flagged"] == expected and findings[0].evidence["posts"] == 12
    assert ctx.memo["off_topic"]["weibo:1"][0] == 12


def test_a_history_the_pass_did_not_see_whole_is_classified_afresh():
    det = OffTopic()
    items = _items(9, 3)
    ctx = DetectContext(now=NOW)
    list(run_detectors([det], items, ctx))
    posts = [i for i in items if i["item_type"] == "post"]
    # the same number of posts, one of them another: the fingerprint differs
    other = dict(posts[0], _id="weibo:other", text=DUTY[0] + "（x）")
    fresh = DetectContext(now=NOW)
    for history in (AccountHistory(account=items[0], posts=[other] + posts[1:]),
                    AccountHistory(account=items[0], posts=posts[2:])):
        assert [f.evidence for f in det.detect(history, ctx)] == [
            f.evidence for f in det.detect(history, fresh)]
    assert [f.evidence["flagged"] for f in det.detect(
        AccountHistory(account=items[0], posts=[other] + posts[1:]), ctx)] == [
        sum(1 for p in [other] + posts[1:] if det.classify(p, fresh))]
