"""The real-incident evaluation set: provenance, the split made once by source, and the figures
of the tuning half as a regression floor (the test half is measured by ``make eval``, never
asserted here: a test that held it would be tuning on it)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from govspider_plugins.detectors.eval import evaluate_cases, installed_detectors, real_cases
from govspider_plugins.detectors.realcases import (
    SPLITS,
    assign_splits,
    build,
    check,
    load_real,
    source_keys,
)

ROWS = load_real()
MINIMUM = {"inappropriate_speech": 40, "seo_spam": 15, "commercial_ad": 15, "hijacked_account": 15}


def test_every_case_cites_a_source_and_the_halves_never_share_one():
    assert check(ROWS) == []


@pytest.mark.parametrize("detector", sorted(MINIMUM))
def test_enough_real_positives_and_negatives(detector):
    counts = Counter(bool(r["expect"]) for r in ROWS if r["detector"] == detector)
    assert counts[True] >= MINIMUM[detector] and counts[False] >= MINIMUM[detector], counts


def test_each_half_holds_both_labels_of_every_detector():
    counts = Counter((r["detector"], bool(r["expect"]), r["split"]) for r in ROWS)
    for detector in MINIMUM:
        for half in SPLITS:
            assert counts[(detector, True, half)] >= 8 and counts[(detector, False, half)] >= 8


def test_a_source_shared_by_two_cases_puts_both_in_one_half():
    rows = [
        {"id": "real:x:001", "detector": "x", "expect": True, "incident": "a",
         "source": {"url": "https://news.example.cn/1"}},
        {"id": "real:x:002", "detector": "x", "expect": False, "incident": "b",
         "source": {"url": "https://news.example.cn/1/"}},
        {"id": "real:x:003", "detector": "x", "expect": True, "incident": "b",
         "source": {"url": "https://other.example.cn/2"}},
        {"id": "real:x:004", "detector": "x", "expect": True, "incident": "c",
         "source": {"url": "https://third.example.cn/3"}},
    ]
    assign_splits(rows)
    assert rows[0]["split"] == rows[1]["split"] == rows[2]["split"]  # url, then incident
    assert rows[0]["group"] == rows[2]["group"] != rows[3]["group"]
    assert {r["split"] for r in rows} <= set(SPLITS)
    assert "url:news.example.cn/1" in source_keys(rows[1])


def test_building_again_keeps_every_half_and_places_only_new_groups(tmp_path):
    raw = tmp_path / "raw.jsonl"
    lines = [{"detector": "inappropriate_speech", "label": i % 2 == 0, "kind": "official_reply",
              "text": f"示例文本{i}", "incident": f"inc{i}",
              "source": {"url": f"https://example.cn/{i}", "date": "2020-01-01"}} for i in range(8)]
    raw.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    build([raw], tmp_path / "real")
    first = {r["id"]: r["split"] for r in load_real(tmp_path / "real")}
    assert set(first.values()) == set(SPLITS)
    more = tmp_path / "more.jsonl"
    extra = dict(lines[0], text="另一条示例文本", incident="new")  # same source URL as case 1
    more.write_text(json.dumps(extra, ensure_ascii=False), encoding="utf-8")
    build([raw, more], tmp_path / "real")
    again = {r["id"]: r["split"] for r in load_real(tmp_path / "real")}
    assert {k: again[k] for k in first} == first  # nothing moved, duplicates not added twice
    assert len(again) == 9 and again["real:inappropriate_speech:009"] == first[
        "real:inappropriate_speech:001"]


def test_a_group_keeps_its_name_when_rows_join_it():
    """The union-find's root can move when new rows bring new keys; the name does not."""
    rows = [{"id": f"real:x:00{i}", "detector": "x", "expect": i % 2 == 0, "incident": f"i{i}",
             "source": {"url": f"https://a.example.cn/{i}"}} for i in range(4)]
    assign_splits(rows)
    names = {r["id"]: (r["group"], r["split"]) for r in rows}
    # a new row of case 1's source page whose incident key sorts first: the new root
    rows.append({"id": "real:x:009", "detector": "x", "expect": True, "incident": "a-new",
                 "source": {"url": "https://a.example.cn/1"}})
    assign_splits(rows)
    assert {r["id"]: (r["group"], r["split"]) for r in rows[:4]} == names
    assert (rows[4]["group"], rows[4]["split"]) == names["real:x:001"]


#: rows a detector does not meet the floor on yet, kept in the set all the same (issue 12 is open
#: while any are): detector -> (first such case number, why). Its floor holds for the rows
#: before them, and the whole tuning half is a strict expected failure until it passes.
NOT_YET: dict[str, tuple[int, str]] = {
    "hijacked_account": (149, "rounds 18 and 19 (sessions 16-17): takeovers that post one political "
                         "call, hate or mockery, mostly in another language, and staff members' "
                         "misposts that read the same; a burst in a language the account never "
                         "used is read, a lone post is not (precision first: accounts.yaml)"),
}


def _number(case) -> int:
    return int(str(case.row["id"]).rsplit(":", 1)[1])


@pytest.mark.parametrize("detector,rows", [
    *[pytest.param(d, "all", marks=pytest.mark.xfail(strict=True, reason=NOT_YET[d][1]))
      if d in NOT_YET else (d, "all") for d in sorted(MINIMUM)],
    *[(d, "tuned") for d in sorted(NOT_YET)],
])
def test_tuning_half_floor(detector, rows):
    """What the detectors were tuned to on the tuning half stays (precision first)."""
    detectors = installed_detectors()
    cases = [c for c in real_cases("tune") if c.detector == detector]
    if rows == "tuned":
        cases = [c for c in cases if _number(c) < NOT_YET[detector][0]]
    counts = evaluate_cases(cases, {detector: detectors[detector]})[detector]
    assert counts.precision is not None and counts.precision >= 0.9, counts.errors[:5]
    assert counts.recall is not None and counts.recall >= 0.8, counts.errors[:5]


def test_seen_answers_yes_or_no_for_urls_and_text_fragments():
    from govspider_plugins.detectors.realcases import seen

    rows = [{"detector": "commercial_ad", "text": "青澜特产 正品保证，加微信 demo_shop01 下单",
             "source": {"url": "https://news.example.cn/a/1.html"}, "also": ["http://m.example.cn/b/2/"]},
            {"detector": "hijacked_account", "incident": "x",
             "anomalous_posts": [{"text": "示例账号被盗后发布的推广内容"}], "source": {"url": "https://e.example.cn/c"}},
            {"detector": "seo_spam", "text": "示例注入标题", "page_url": "http://www.qinglan.example.gov.cn/x/1.html",
             "source": {"url": "https://write-up.example.com/p/3"}}]
    queries = ["HTTPS://news.example.cn/a/1.html/", "https://m.example.cn/b/2", "https://news.example.cn/a/9.html",
               "加微信 demo_shop01", "被盗后发布的推广", "下单", "整段转载：青澜特产 正品保证，加微信 demo_shop01 下单。",
               "完全无关的一段文字", "https://www.qinglan.example.gov.cn/x/1.html",
               "青瀾特產 正品保證，加微信"]  # the same words in traditional script and full width
    assert seen(queries, rows) == [True, True, False, True, True, False, True, False, True, True]


def test_everyday_official_texts_are_ad_negatives_in_both_halves():
    everyday = [r for r in ROWS if r.get("everyday")]
    assert all(r["detector"] == "commercial_ad" and r["expect"] is False for r in everyday)
    halves = Counter(r["split"] for r in everyday)
    assert halves["tune"] >= 80 and halves["test"] >= 80, halves


def test_eval_counts_false_alarms_on_everyday_texts():
    from govspider_plugins.detectors.eval import Case, format_everyday

    def case(i, text, everyday=True):
        row = {"id": f"real:commercial_ad:e{i}", "split": "tune", "expect": False,
               "item": {"_id": f"e{i}", "item_type": "post", "platform": "weibo", "text": text}}
        if everyday:
            row["everyday"] = True
        return Case("commercial_ad", i, row)

    cases = [case(1, "【便民】今天上午9时至11时，人民路交通管制，请绕行。"),
             # an ad marked everyday counts as a false alarm (the marker says it is ordinary)
             case(2, "全场五折，加微信 abc12345 下单，包邮到家"),
             # not marked: not counted
             case(3, "全场五折，加微信 abc12345 下单，包邮到家", everyday=False)]
    line = format_everyday([("tuning half", cases, evaluate_cases(cases, installed_detectors()))])
    assert "commercial_ad tuning half: 1 false alarm in 2" in line


def test_eval_splits_the_takeovers_found_by_episode_size():
    import re

    from govspider_plugins.detectors.eval import format_hijack_sizes

    detectors = installed_detectors()
    tune = [c for c in real_cases("tune") if c.detector == "hijacked_account"]
    results = evaluate_cases(tune, detectors)
    line = format_hijack_sizes([("tuning half", tune, results)])
    (one_found, one), (many_found, many) = [
        tuple(map(int, m)) for m in re.findall(r"(\d+) of (\d+)", line)]
    counts = results["hijacked_account"]
    assert one + many == counts.tp + counts.fn  # every takeover, in one of the two
    assert one_found + many_found == counts.tp
    assert one > 0 and many > 0
