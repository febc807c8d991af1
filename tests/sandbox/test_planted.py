"""Planted cases and hard negatives: every detector has them, and they are really in the world."""

from __future__ import annotations

import hashlib
import io
import re
import statistics
from datetime import datetime, timedelta

import pytest

from govspider.processors import CST
from govspider.registry import AccountRegistry
from govspider.sandbox.world import World
from govspider_plugins.detectors._planted import RUDE_REPLIES, TYPOS, id_check_digit

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
DETECTORS = ("dormant_account", "no_interaction", "inappropriate_speech", "commercial_ad",
             "hijacked_account", "fan_buying", "counterfeit_app", "seo_spam", "serious_typo",
             "privacy_leak", "sensitive_content", "off_topic", "account_registry")
BASE = "http://127.0.0.1:9"  # where the sandbox is served
WEB = BASE + "/web"  # its web pages


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=7, size="small", now=NOW)


@pytest.fixture(scope="module")
def truth(world: World) -> list[dict]:
    return world.ground_truth(BASE)


def _account(world: World, corpus_id: str):
    platform, pid = corpus_id.split(":", 1)
    return world.account(platform, pid)


def _post(world: World, corpus_id: str):
    platform, rest = corpus_id.split(":", 1)
    return world.post(platform, rest)


def _comment(world: World, corpus_id: str):
    platform, cid = corpus_id.split(":", 1)
    return world.comment(platform, cid)


def _rows(truth, detector, label=True):
    return [r for r in truth if r["detector"] == detector and r["label"] is label]


@pytest.mark.parametrize("seed", [7, 8, 1234])
def test_every_detector_has_a_positive(seed: int) -> None:
    truth = World(seed=seed, size="small", now=NOW).ground_truth(BASE)
    assert {r["detector"] for r in truth if r["label"]} == set(DETECTORS)
    negatives = {r["detector"] for r in truth if not r["label"]}
    assert {"dormant_account", "inappropriate_speech", "commercial_ad", "privacy_leak", "serious_typo",
            "sensitive_content", "fan_buying", "counterfeit_app", "seo_spam"} <= negatives


def test_subjects_exist_in_the_world(world: World, truth: list[dict]) -> None:
    pages = {"page:" + hashlib.sha1((WEB + p.path).encode()).hexdigest(): p for p in world.pages()}
    apps = {a.corpus_id: a for s in world.stores for a in world.apps(s)}
    for row in truth:
        sid, kind = row["subject_id"], row["subject_type"]
        lookup = {"account": lambda i: _account(world, i), "post": lambda i: _post(world, i),
                  "comment": lambda i: _comment(world, i), "app": apps.get, "page": pages.get}
        found = lookup[kind](sid)
        assert found is not None, row
        assert set(row) >= {"detector", "subject_type", "subject_id", "label", "note"}


def test_corpus_ids_follow_the_conventions(truth: list[dict]) -> None:
    patterns = {"account": r"(weibo:\d+|wechat:[A-Za-z0-9+/=]+|douyin:MS4wLjABAAAA[\w-]+)",
                "post": r"(weibo:\d{16}|douyin:\d{19}|wechat:[A-Za-z0-9+/=]+:\d+_\d)",
                "comment": r"(weibo|douyin|wechat):\d+", "app": r"app:(itunes|myapp|huawei|xiaomi):[\w.]+",
                "page": r"page:[0-9a-f]{40}"}
    for row in truth:
        assert re.fullmatch(patterns[row["subject_type"]], row["subject_id"]), row


def test_dormant_tiers(world: World, truth: list[dict]) -> None:
    tiers = {r["rule"]: _account(world, r["subject_id"]) for r in _rows(truth, "dormant_account")}
    age = {t: (NOW - world.last_post_time(a)).days for t, a in tiers.items()}
    assert age["zombie"] > 90 and 60 < age["dormant"] <= 90 and 14 < age["stale"] <= 60
    for row in _rows(truth, "dormant_account", False):
        assert (NOW - world.last_post_time(_account(world, row["subject_id"]))) < timedelta(days=14)


def test_rude_reply_and_quoting_negative(world: World, truth: list[dict]) -> None:
    (rude,) = _rows(truth, "inappropriate_speech")
    reply = _comment(world, rude["subject_id"])
    assert reply.is_official and reply.text in RUDE_REPLIES and reply.reply_to is not None
    assert reply.author_id == reply.post.account.uid
    quoting = [_comment(world, r["subject_id"]) for r in _rows(truth, "inappropriate_speech", False)
               if r["subject_type"] == "comment"]
    assert quoting and all(c.is_official and "“" in c.text for c in quoting)


def test_privacy_leak_has_valid_id_and_mobile(world: World, truth: list[dict]) -> None:
    (row,) = _rows(truth, "privacy_leak")
    text = _post(world, row["subject_id"]).text
    ids = re.findall(r"(?<!\d)(\d{17})([\dX])(?!\d)", text)
    assert ids and all(id_check_digit(body) == check for body, check in ids)
    assert re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)
    for neg in _rows(truth, "privacy_leak", False):
        assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", _post(world, neg["subject_id"]).text)


def test_typo_and_ad_and_sensitive_texts(world: World, truth: list[dict]) -> None:
    (typo,) = _rows(truth, "serious_typo")
    text = _post(world, typo["subject_id"]).text
    assert any(v in text and c not in text for c, v, _ in TYPOS)
    for neg in _rows(truth, "serious_typo", False):
        ntext = _post(world, neg["subject_id"]).text
        assert not any(v in ntext for _, v, _ in TYPOS) and any(c in ntext for c, _, _ in TYPOS)
    for row in _rows(truth, "commercial_ad"):
        assert re.search(r"加微信\s*[:：]?\s*[A-Za-z][A-Za-z0-9_-]{5,}|QQ", _post(world, row["subject_id"]).text)
    (neg_ad,) = _rows(truth, "commercial_ad", False)
    assert "微信公众号" in _post(world, neg_ad["subject_id"]).text
    for row in _rows(truth, "sensitive_content"):
        assert re.search("赌|彩金|裸聊|成人", _post(world, row["subject_id"]).text)


def test_hijacked_account_burst(world: World, truth: list[dict]) -> None:
    (row,) = _rows(truth, "hijacked_account")
    acc = _account(world, row["subject_id"])
    posts = world.posts(acc, 0, world.post_count(acc))
    burst, history = posts[:8], posts[8:]
    assert all("加微信" in p.text for p in burst)
    assert not any("加微信" in p.text for p in history)
    assert burst[-1].created_at - history[0].created_at > timedelta(days=10)
    assert NOW - burst[0].created_at < timedelta(days=2)


def test_bought_followers_jump_without_engagement(world: World, truth: list[dict]) -> None:
    (row,) = _rows(truth, "fan_buying")
    acc = _account(world, row["subject_id"])
    series = world.follower_series(acc)
    growth = [b[1] - a[1] for a, b in zip(series, series[1:], strict=False)]
    jump = max(growth)
    assert jump > 20 * statistics.median(abs(g) for g in growth) and jump > acc.followers * 0.3
    jump_day = series[growth.index(jump) + 1][0]
    posts = world.posts(acc, 0, world.post_count(acc))
    before = [p.likes for p in posts if p.created_at.date() < jump_day]
    after = [p.likes for p in posts if p.created_at.date() >= jump_day]
    assert statistics.mean(after) < 2 * statistics.mean(before)
    # the viral negative: its jump coincides with a very popular post
    (neg,) = _rows(truth, "fan_buying", False)
    nacc = _account(world, neg["subject_id"])
    nposts = world.posts(nacc, 0, world.post_count(nacc))
    assert max(p.likes for p in nposts) > 10 * statistics.median(p.likes for p in nposts)


def test_off_topic_and_registry_cases(world: World, truth: list[dict]) -> None:
    (row,) = _rows(truth, "off_topic")
    acc = _account(world, row["subject_id"])
    posts = world.posts(acc, 0, world.post_count(acc))
    ent = sum(1 for p in posts if re.search("猫|狗|明星|追剧|综艺|手游|星座|吃瓜|演唱会|歌手|女星|柯基|穿搭", p.text))
    assert ent / len(posts) > 0.5
    rules = {r["rule"]: r for r in _rows(truth, "account_registry")}
    assert _account(world, rules["uncertified"]["subject_id"]).verified is False
    dup = _account(world, rules["duplicate"]["subject_id"])
    assert sum(1 for a in world.accounts(dup.platform) if a.unit is dup.unit) == 2


def test_counterfeit_apps(world: World, truth: list[dict]) -> None:
    import imagehash
    from PIL import Image

    rows = _rows(truth, "counterfeit_app")
    assert {"traditional", "homophone", "suffix", "copied_icon"} <= {r["rule"] for r in rows}
    apps = {a.corpus_id: a for s in world.stores for a in world.apps(s)}
    officials = {a.name: a for a in apps.values() if a.official}
    for row in rows:
        fake = apps[row["subject_id"]]
        real = officials[fake.imitates]
        assert fake.developer != real.developer and fake.package != real.package
        fake_hash = imagehash.phash(Image.open(io.BytesIO(world.icon_png(fake.store, fake.app_id))))
        real_hash = imagehash.phash(Image.open(io.BytesIO(world.icon_png(real.store, real.app_id))))
        if row["rule"] == "copied_icon":
            assert fake_hash - real_hash <= 6
        else:
            assert fake_hash - real_hash > 10
    # store search finds the lookalikes of a name
    trad = next(apps[r["subject_id"]] for r in rows if r["rule"] == "traditional")
    found = world.search_apps(trad.store, trad.imitates)
    assert trad in found and found[0].official


def test_injected_pages(world: World, truth: list[dict]) -> None:
    by_url = {WEB + p.path: p for p in world.pages()}
    rules = {r["rule"]: by_url[r["url"]] for r in _rows(truth, "seo_spam")}
    assert set(rules) == {"hidden_links", "offscreen_links", "marquee", "keyword_block", "pinyin_artifact"}
    assert re.search(r'<div style="display:none"><a href="http', rules["hidden_links"].html)
    assert "left:-9999px" in rules["offscreen_links"].html and "<marquee" in rules["marquee"].html
    assert "發(fā)" in rules["pinyin_artifact"].html
    assert re.search("赌|六合彩|成人", rules["keyword_block"].html)
    marked = {p.unit.index for p in world.pages() if p.kinds}
    clean = [p for p in world.pages() if p.unit.index not in marked]
    assert clean and not any(re.search("赌|彩金|成人|display:none|\\(fā\\)", p.html.split("<body>")[1]) for p in clean)


def test_registry_loads(world: World, tmp_path) -> None:
    import yaml

    data = world.registry(BASE)
    reg = AccountRegistry.from_dict(data)
    assert len(reg.accounts) == len(world.accounts())
    assert {a.account_id for a in reg.accounts} == {a.corpus_id for a in world.accounts()}
    assert reg.apps and all(a.developer and a.package for a in reg.apps)
    assert any(a.itunes_id for a in reg.apps)
    official = {(a.name, a.package) for s in world.stores for a in world.apps(s) if a.official}
    assert {(a.name, a.package) for a in reg.apps} == official
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    again = AccountRegistry.load(path)
    assert again.units[world.units[0].name]["website"] == WEB + world.units[0].site_path


def test_big_world_plants_scale() -> None:
    truth = World(seed=7, size="3000x10", now=NOW).ground_truth(BASE)
    hijacked = _rows(truth, "hijacked_account")
    assert len(hijacked) >= 3
