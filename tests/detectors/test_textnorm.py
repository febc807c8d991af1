"""The shared normalizer: steps, offsets back to the original, fast paths."""

from __future__ import annotations

import pytest

from govspider.textnorm import normalize, pinyin_readings, strip_pinyin_artifacts, t2s


def test_traditional_to_simplified_keeps_positions():
    n = normalize("堅持黨的領導，發展經濟")
    assert n.text == "坚持党的领导,发展经济"
    i = n.text.index("经济")
    assert n.original_text(i, i + 2) == "經濟"
    assert n.span_to_original(i, i + 2) == (9, 11)


@pytest.mark.parametrize("raw, clean", [
    ("發(fā)展", "发展"),
    ("发(fa)展", "发展"),
    ("行(xíng)政(zhèng)审(shěn)批(pī)", "行政审批"),
    ("绿(lü)色", "绿色"),
    ("发（fā）展", "发展"),          # full-width parentheses become ASCII first
    ("发(fa1)展", "发展"),           # numbered tone
])
def test_pinyin_artifact_removed(raw, clean):
    assert normalize(raw).text == clean


@pytest.mark.parametrize("raw", [
    "附件(a)说明", "条件(一)", "发(shui)展", "中国(China)", "价格(元)", "(fā)开头", "发 (fā)",
])
def test_other_parentheses_stay(raw):
    assert "(" in normalize(raw).text


def test_artifact_offsets_point_to_original():
    raw = "政务發(fā)布会"
    n = normalize(raw)
    assert n.text == "政务发布会"
    i = n.text.index("发布")
    s, e = n.span_to_original(i, i + 2)
    assert raw[s:e] == "發(fā)布"


def test_zero_width_removed_and_mapped():
    raw = "加\u200b微\u200d信\ufeff号"
    n = normalize(raw)
    assert n.text == "加微信号"
    s, e = n.span_to_original(1, 3)
    assert raw[s:e] == "微\u200d信"


def test_nfkc_full_width_and_lower_case():
    n = normalize("ＶＸ：ＡＢＣ１２３ QQ")
    assert n.text == "vx:abc123 qq"
    assert n.to_original is None  # same length: identity offsets


def test_nfkc_expanding_character_maps_back():
    raw = "第①条㈱公司"
    n = normalize(raw)
    assert n.text == "第1条(株)公司"
    i = n.text.index("公司")
    assert n.original_text(i, i + 2) == "公司"
    j = n.text.index("株")
    assert n.original_text(j, j + 1) == "㈱"


def test_ascii_fast_path_and_empty():
    assert normalize("Hello World").text == "hello world"
    assert normalize("").text == "" and normalize(None).text == ""
    assert normalize("plain").to_original is None


def test_simplified_text_is_unchanged():
    text = "我市召开全市经济工作会议，部署明年重点工作"
    n = normalize(text, lower=False)
    assert n.text == text.replace("，", ",")


def test_helpers():
    assert "fa" in pinyin_readings("發")
    assert t2s("政務") == "政务" and t2s("plain") == "plain"
    assert strip_pinyin_artifacts("發(fā)展") == "發展"
