"""The second-stage text models: trained only from data the repository may train on, shipped
up to date, scored in pure Python exactly as scikit-learn scores them, and used by the
detectors only where no rule matched."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from govspider.detection import DetectContext, run_detectors
from govspider.processors import CST
from govspider_plugins.detectors import train
from govspider_plugins.detectors._model import (
    TextModel,
    gram_set,
    model_input,
    models_disabled,
    shipped_model,
)
from govspider_plugins.detectors._text import other_language
from govspider_plugins.detectors.eval import installed_detectors
from govspider_plugins.detectors.realcases import REAL_DIR, load_real

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
MODELS = ("commercial_ad", "inappropriate_speech", "seo_spam")


def _ctx(**settings):
    return DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": settings} if settings else {})


@pytest.fixture(scope="module")
def detectors():
    return installed_detectors()


def test_every_content_model_is_shipped_and_trained_on_todays_data():
    # a changed tuning half, written case or sandbox template makes the model stale: retrain it
    assert train.stale(MODELS) == [], "run: python -m govspider_plugins.detectors.train"


@pytest.mark.parametrize("detector", MODELS)
def test_training_never_reads_the_test_half(detector):
    rows = train.training_rows(detector)
    test = [r for r in load_real(REAL_DIR) if r.get("split") == "test"]
    test_groups = {r["group"] for r in test}
    assert not any(r.group in test_groups for r in rows)
    test_texts = {model_input(train.item_parts(r["item"])) for r in test if r.get("item")}
    leaked = [r.text[:40] for r in rows if r.text in test_texts]
    assert not leaked, leaked


def test_the_reply_model_learns_other_detectors_replies_only():
    """Other detectors' rows are the reply model's negatives only where they are replies (their
    posts are not its register, and each round of them moved its threshold)."""
    rows = train.training_rows("inappropriate_speech", with_sandbox=False)
    others = [r for r in rows if r.origin == "other"]
    assert others and all(r.kind == "comment" for r in others)
    assert any(r.origin == "other" and r.kind == "post"
               for r in train.training_rows("commercial_ad", with_sandbox=False))


def test_pure_python_scores_equal_scikit_learn():
    sklearn = pytest.importorskip("sklearn")
    assert sklearn
    rows = train.training_rows("commercial_ad", with_sandbox=False)
    vec, model = train._fit([r.text for r in rows], [int(r.label) for r in rows], 4.0,
                            train._weights(rows, "commercial_ad"))
    spec = {"detector": "commercial_ad", "version": "t", "ngram_range": [1, 3], "threshold": 0.5,
            "intercept": float(model.intercept_[0]),
            "terms": {g: [float(vec.idf_[j]), float(model.coef_[0][j])]
                      for g, j in vec.vocabulary_.items()}}
    ours = TextModel(json.loads(json.dumps(spec)))
    texts = [r.text for r in rows[:60]] + [model_input(["全场包邮，点击链接下单立减50元"]),
                                            model_input(["关于开展冬季防火安全检查的通知"])]
    theirs = model.predict_proba(vec.transform(texts))[:, 1]
    for text, expected in zip(texts, theirs, strict=True):
        assert ours.probability(text) == pytest.approx(float(expected), abs=1e-9)


def test_gram_set_is_what_training_counts():
    assert gram_set("ab c", 1, 2) == {"a", "b", " ", "c", "ab", "b ", " c"}
    assert model_input(["價格 99元", "  下單  "]) == "价格 00元 下单"


def test_shipped_models_record_their_data_and_validation():
    for name in MODELS:
        model = shipped_model(name)
        assert model is not None
        spec = model.spec
        assert spec["trained_on"]["rows"]["real"]["positive"] > 0
        cv = spec["cross_validation"]
        # the threshold was chosen for precision first on folds the model had not seen, as the
        # detector uses the model (what it keeps the model quiet on is never flagged), on the
        # grid train.choose_threshold searches
        assert cv["precision"] >= 0.9 and 0.3 <= model.threshold < 1
        assert spec["calibration"]["flagged"] <= spec["calibration"]["max_rate"] * max(
            1, spec["calibration"]["ordinary_texts"])


def _ad(detectors, text, **settings):
    item = {"_id": "weibo:m1", "item_type": "post", "platform": "weibo", "text": text}
    return list(run_detectors([detectors["commercial_ad"]], [item], _ctx(**settings)))


def test_ad_model_flags_an_ad_no_rule_knows_and_says_why(detectors):
    # a product pushed in the sellers' register, without price, link, contact or listed term
    text = "宝宝们，这款面膜真的超级好用，补水保湿，姐妹们冲鸭"
    with models_disabled():
        assert _ad(detectors, text) == []
    found = _ad(detectors, text)
    assert [f.rule for f in found] == ["ad_model"]
    f = found[0]
    assert "文本模型" in f.message and "疑似商业广告" in f.message
    model = f.evidence["model"]
    assert model["probability"] >= model["threshold"]
    assert f.evidence["matches"] and all(text[m["span"][0]:m["span"][1]] == m["text"]
                                         for m in f.evidence["matches"])
    # the settings turn the model off, or raise its threshold
    assert _ad(detectors, text, commercial_ad={"model": False}) == []
    assert _ad(detectors, text, commercial_ad={"model_threshold": 0.999}) == []


def test_ad_model_stays_quiet_on_ordinary_and_warning_posts(detectors):
    for text in ("关于开展冬季安全生产大检查的通知，请各单位高度重视，认真落实。",
                 "【提醒】近期有不法分子冒充客服，以“低价包邮”“点击链接下单”为诱饵实施诈骗，请广大市民提高警惕，谨防上当。",
                 "今天上午，我市召开全市教育工作会议，部署新学期重点工作。"):
        assert _ad(detectors, text) == [], text


def test_the_ad_model_leaves_other_languages_to_the_rules(detectors):
    # its Chinese ads' links and WeChat ids taught it that Latin letters sell: an English or
    # German official post reads as an ad to it, so it does not judge such a text at all
    model = shipped_model("commercial_ad")
    for text in ("Thank you for your message, we will look into it.",
                 "Bitte bei der nächsten Polizeidienststelle melden",
                 "hahahaha"):
        assert model.probability(model_input([text])) >= model.threshold, text
        assert other_language(text)
        assert _ad(detectors, text) == [], text
    # short Chinese is still Chinese, and a Chinese ad with a link is still read
    assert not other_language("谁理你") and not other_language("早安") and not other_language("OK")
    ad = "宝宝们，这款面膜真的超级好用，补水保湿，姐妹们冲鸭 https://shop.example.com/item?id=1"
    assert not other_language(ad)
    assert [f.rule for f in _ad(detectors, ad)] == ["ad_model"]


def test_the_reply_model_reads_official_replies_only(detectors):
    speech = detectors["inappropriate_speech"]
    curt = "自己不会看通知吗？问这么多干什么，爱办不办"
    reply = {"_id": "weibo:c1", "item_type": "comment", "platform": "weibo", "is_official": True,
             "text": curt}
    post = {"_id": "weibo:p1", "item_type": "post", "platform": "weibo", "text": curt}
    by_public = {**reply, "_id": "weibo:c2", "is_official": False}
    model = shipped_model("inappropriate_speech")
    assert model.probability(model_input([curt])) >= model.threshold
    with models_disabled():
        rules = {f.subject_id for f in run_detectors([speech], [reply, post, by_public], _ctx())}
    found = {f.subject_id: f for f in run_detectors([speech], [reply, post, by_public], _ctx())}
    assert "weibo:c2" not in found  # the public's comments are not the account's speech
    assert set(found) - rules <= {"weibo:c1"}  # the model adds official replies, nothing else
    if "weibo:c1" not in rules:
        assert found["weibo:c1"].rule == "reply_model"


def test_wild_rows_leave_out_the_sites_and_texts_of_the_real_set(tmp_path):
    real = load_real(REAL_DIR)
    cited = next(r for r in real if r.get("split") == "test" and r["detector"] == "commercial_ad")
    text_case = next(r for r in real if r.get("split") == "test" and isinstance(r.get("text"), str)
                     and len(r["text"]) >= 20)
    rows = [
        # a page of a site the set cites (the test half's), whatever it says
        {"label": True, "text": "全场包邮，限时秒杀，点击下方链接抢购", "url": cited["source"]["url"],
         "domain": "x"},
        # a case's text met again on another site, one character changed
        {"label": True, "text": text_case["text"][:-1] + "。", "url": "https://elsewhere.example/a",
         "domain": "elsewhere.example"},
        {"label": True, "text": "新店开业酬宾，进店即送精美礼品一份，欢迎选购", "url": "https://shop.example/b",
         "domain": "shop.example"},
    ]
    (tmp_path / "ads_wild.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    kept = train.wild_rows("commercial_ad", tmp_path)
    assert [r["url"] for r in kept] == ["https://shop.example/b"]
    # the composed corpus is filtered by text the same way
    (tmp_path / "ads_composed.jsonl").write_text("\n".join(json.dumps(
        {"label": True, "text": t, "kind": "post", "family": "f"}, ensure_ascii=False)
        for t in (text_case["text"], "周末特惠，两件八折")), encoding="utf-8")
    assert [r["text"] for r in train.composed_rows("commercial_ad", tmp_path)] == ["周末特惠，两件八折"]


def test_the_threshold_is_chosen_on_what_the_detector_does_with_the_model():
    # two hard negatives the model reads high, both inside an excusing frame (quiet): as
    # deployed the model never flags them, so a lower threshold keeps its precision
    rows = ([train.Row(f"ad{i}", True, f"g{i}", "real") for i in range(8)]
            + [train.Row(f"neg{i}", False, f"n{i}", "real") for i in range(2)])
    probs = [0.9] * 4 + [0.6] * 4 + [0.7, 0.65]
    fitted = probs
    assert train.choose_threshold(rows, probs, fitted, 0.95, ("post",)) == 0.725
    quiet = [False] * 8 + [True, True]
    assert train.choose_threshold(rows, probs, fitted, 0.95, ("post",), quiet=quiet) == train.MIN_THRESHOLD
    # the detectors say when they keep their model quiet
    assert train.silenced("commercial_ad", ["警惕刷单诈骗：“日赚300元，动动手指就能赚钱”都是骗局"]) == [True]
    assert train.silenced("commercial_ad", ["日赚300元，动动手指就能赚钱，加我微信"]) == [False]
