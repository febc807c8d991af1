"""The combined signal rules of ``commercial_ad`` (``combos`` in its lexicon).

The labeled cases in ``cases/commercial_ad.jsonl`` say what each rule finds; these tests pin the
properties behind them: one signal word alone is harmless, a finding names its signals in
Chinese with spans into the original text, frames excuse (and the SMS footer overrides them),
and the thresholds can be set per deployment.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from govspider.detection import DetectContext, run_detectors
from govspider.processors import CST
from govspider_plugins.detectors.eval import installed_detectors

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)


def _detector():
    return installed_detectors()["commercial_ad"]


def _findings(text: str, settings: dict | None = None, **extra):
    item = {"item_type": "post", "_id": "weibo:ad-rule", "platform": "weibo",
            "platform_id": "ad-rule", "text": text, **extra}
    ctx = DetectContext(now=NOW, settings=settings or {})
    return list(run_detectors([_detector()], [item], ctx))


def _signal_terms() -> list[str]:
    det = _detector()
    lex = det.lexicon(None)
    return sorted({t for body in (lex.get("signals") or {}).values() for t in body["terms"]})


def test_every_signal_word_alone_is_harmless():
    """A single word of any kind, bare or inside an ordinary official sentence, finds nothing."""
    noisy = []
    for term in _signal_terms():
        for text in (term, f"我局召开专题会议，研究部署{term}相关工作。"):
            if _findings(text):
                noisy.append(text)
    assert not noisy, noisy


@pytest.mark.parametrize("text, rule, kinds", [
    ("到手价39.9元，点击下方链接立即抢购", "ecommerce", {"price_mark", "buy"}),
    ("注册就送58元彩金，真人百家乐，网址 www.lucky-play88.com", "gambling_bonus",
     {"bonus", "casino", "link"}),
    ("宝妈在家兼职，给视频点赞，每单3元，日结", "job_scam_ad", {"task", "rate", "pay_strong"}),
    ("急用钱？无视征信，当天放款", "loan_ad", {"loan_hook", "loan_fast"}),
    ("这款减肥茶7天见效，瘦了十几斤，私信我", "health_claim_ad",
     {"claim_strong", "product", "contact_call"}),
    ("降血糖、降血脂，常喝就能远离高血压", "disease_claim", {"claim", "consume", "disease"}),
    ("暑期冲刺班，提高30分，名额有限", "edu_ad", {"edu_claim", "edu_product", "promo"}),
    ("新服开启，登录就送VIP，爆率翻倍", "game_ad", {"game_hook"}),
    ("小投资高回报，加盟年化收益25%", "invest_ad", {"invest_promise", "invest_core"}),
    ("某某局贺某某公司盛大开业", "gov_endorse", {"congrats", "opening"}),
    ("原价199元，活动价59元，立即购买", "ecommerce", {"price_compare", "buy"}),
    ("最完美的酿造工艺、最优质的原料、最纯净的水源，纯天然", "absolute_claim",
     {"absolute", "claim"}),
    ("某某彩票官方网站，手机app下载", "lottery_site", {"lottery_site"}),
    ("签约保证升入名校，未录取全额退还学费", "edu_ad", {"edu_claim", "edu_product"}),
    ("临街旺铺，年化单利6%，保本保息", "invest_ad", {"invest_promise", "invest_core"}),
    ("我手上这款就是本地蜂蜜，您购买两斤只要80元", "ecommerce", {"live_sell", "buy", "price"}),
])
def test_combo_finding_names_its_signals(text, rule, kinds):
    (finding,) = _findings(text)
    assert finding.rule == rule == finding.evidence["rule"]
    assert kinds <= set(finding.evidence["signals"])
    assert finding.message.startswith("发布内容疑似商业广告（") and "类信号" in finding.message
    assert finding.evidence["lexicon_version"]
    for m in finding.evidence["matches"]:
        start, end = m["span"]
        assert text[start:end] == m["text"]


def test_evidence_spans_point_into_the_original_traditional_text():
    text = "雙11大促銷！更多優惠戳鏈接，退訂回T"
    (finding,) = _findings(text)
    assert finding.rule == "ecommerce"
    assert "营销短信退订语" in finding.message
    for m in finding.evidence["matches"]:
        start, end = m["span"]
        assert text[start:end] == m["text"]


def test_shop_link_in_the_links_field_counts():
    # the rules alone: the text model (second stage) reads "大促...五折" near its threshold
    rules_only = {"GOVSPIDER_DETECTORS": {"commercial_ad": {"model": False}}}
    assert not _findings("年终大促，全场五折", settings=rules_only)
    (finding,) = _findings("年终大促，全场五折", links=["https://shop12345.taobao.com/"])
    assert finding.rule == "ecommerce"
    assert "shop" in finding.evidence["signals"]


def test_warning_frame_vetoes_every_combo():
    assert not _findings("警惕！“首充送彩金、真人百家乐”都是赌博陷阱，网址 www.lucky-play88.com 已被封停")
    assert not _findings("民警提醒：“到手价39.9元，点击链接立即抢购”的低价商品可能是骗局")


def test_public_frame_excuses_and_sms_footer_overrides():
    text = "惠民消费券满100减30，到手价更低，点击链接领取，立即抢购"
    assert not _findings(text)
    (finding,) = _findings(text + "，退订回T")
    assert finding.rule == "ecommerce"


def test_recruit_words_excuse_a_job_post_unless_a_private_contact():
    text = "招聘仓库临时工，日结200元，男女不限"
    assert not _findings(text)
    (finding,) = _findings(text + "，加微信 job_hire2026")
    assert finding.rule in ("job_scam_ad", "ad_with_contact")


def test_threshold_can_be_raised_per_deployment():
    text = "到手价39.9元，点击下方链接立即抢购"
    assert _findings(text)
    settings = {"GOVSPIDER_DETECTORS": {"commercial_ad": {"ecommerce_min_score": 99}}}
    # the rule is quiet; the second-stage text model still reads the selling register
    assert [f.rule for f in _findings(text, settings)] == ["ad_model"]
    settings["GOVSPIDER_DETECTORS"]["commercial_ad"]["model"] = False
    assert not _findings(text, settings)


@pytest.mark.parametrize("text", [
    "区人民政府召开会议，研究改善群众就医条件，加强高血压、糖尿病等慢性病管理。",
    "市税务局、市公安局等单位联合开展专项检查。",
    "全市中小学开设课后服务课程，让孩子快乐成长。",
    "热烈祝贺我市第十届运动会隆重开幕！",
    "全市固定资产投资同比增长6.5%，利润率达到15%。",
])
def test_supporting_kinds_alone_are_harmless(text):
    """Diseases, cure verbs, state organs, schools, investment statistics: the words a family
    needs beside its own claims, frequent in official texts, find nothing on their own."""
    assert not _findings(text)


def test_only_family_kinds_start_the_combined_rules():
    """The kinds that open the combined path are each family's own vocabulary: a text with only
    supporting kinds (a disease, 改善, a state organ) skips the frame scan (speed)."""
    det = _detector()
    triggers = det._triggers(det.lexicon(None))
    assert {"claim", "edu_claim", "game_hook", "invest_promise", "endorse", "price"} <= triggers
    assert not {"disease", "treat", "gov_name", "contact_call"} & triggers


def test_numbers_in_a_phone_number_are_not_school_ranks():
    """985/211 count as school ranks only as words, not inside a telephone number."""
    assert not _findings("培训课程报名咨询：0755-29852111")
    assert _findings("985、211名师一对一，提分快")


@pytest.mark.parametrize("text", [
    "市场监管局查处一起违法广告：当事人宣称其产品“最完美、最优质、纯天然”，被责令停止发布。",
    "体彩中心提醒：中国体育彩票官方网站和手机app是唯一合法的购彩查询渠道。",
    "我县打造全省最佳营商环境，最优质的服务，最完美的体验。",
    "交通银行推出线上信用贷，资金可提现到银行卡，支持小微企业。",
    "县教育局：校外培训不得宣传保证升入名校、全额退还学费等承诺。",
    "县国资公司招租公告：黄金旺铺三间公开招租。",
])
def test_quoted_or_official_claims_are_not_ads(text):
    """Regulators quote the claims, the state lottery and banks name their own channels, public
    work is praised with absolute words: frames and missing product kinds keep them out."""
    assert not _findings(text)


def test_claim_messages_name_the_new_kinds_in_chinese():
    (finding,) = _findings("某某彩票官方网站，手机app下载")
    assert "售彩网站或应用" in finding.message
    (finding,) = _findings("最完美的酿造工艺、最优质的原料、最纯净的水源，纯天然")
    assert "绝对化用语" in finding.message and "绝对化用语宣传" in finding.message


def test_a_business_hotline_supports_a_family_but_is_nothing_alone():
    """A 400/800 number is a company's line: it counts beside a family's own kinds, never alone
    and never as a private contact."""
    (finding,) = _findings("固体饮料，调节血糖，订购热线400-123-4567")
    assert finding.rule == "health_claim_ad" and "hotline" in finding.evidence["signals"]
    assert not _findings("全市举办招聘会，咨询热线400-123-4567")
    assert not _findings("客服电话：400-123-4567")


def test_a_price_pitch_needs_three_kinds_and_no_public_frame():
    """A price, sales words and an absolute claim (or live-selling talk) make a pitch without a
    call to buy; two of them, a shop named instead, or a public frame do not (rules only)."""
    rules = {"GOVSPIDER_DETECTORS": {"commercial_ad": {"model": False}}}
    (finding,) = _findings("限时特惠，仅售99元，品质第一", rules)
    assert finding.rule == "ecommerce_pitch"
    assert {"price", "promo", "superlative"} <= set(finding.evidence["signals"])
    assert not _findings("新品上市，特价99元", rules)
    assert not _findings("商场开展促销活动，部分商品优惠价99元，门店客流增长", rules)
    assert not _findings("景区限时特惠，门票仅售30元，最佳观赏季节", rules)


def test_renting_out_payment_codes_and_cards_is_job_scam_recruiting():
    """帮信 recruiting (renting out one's payment code or bank card for a daily fee) is a
    job_scam_ad; the police's 断卡 warning that names the same trade is not."""
    assert {f.rule for f in _findings("出租收款码，每天40元，当天结")} == {"job_scam_ad"}
    assert {f.rule for f in _findings("收购银行卡一张600元，日结")} == {"job_scam_ad"}
    assert not _findings("警方提醒：出租、出借、收购银行卡和收款码，每天几十元的报酬背后是帮信犯罪，"
                         "切勿参与。")


def test_government_coupons_by_kind_are_no_ad():
    assert not _findings("全市发放50元餐饮券，满150元可用，累计发放3万张，合计150万元。")
