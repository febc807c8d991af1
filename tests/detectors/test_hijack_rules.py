"""Rules of hijacked_account: per-post spam signals, and the episode against the account's past.

Invented texts only (the real-incident cases live in tests/detectors/real and are scored by
``govspider_plugins.detectors.eval``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from govspider.detection import AccountHistory, DetectContext
from govspider_plugins.detectors.accounts import HijackedAccount, _outermost

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
DET = HijackedAccount()
CTX = DetectContext(now=NOW)
PAST = ["临江市召开安全生产工作会议。", "临江市发布秋季森林防火通告。", "市政务服务中心延长周末办理时间。",
        "临江市举办全民健身运动会。", "关于做好冬季供暖工作的通知。", "今日临江：城区道路改造进展顺利。"]


def _history(recent: list[tuple[float, str]], past: list[str] | None = None,
             source: str | None = None, past_source: str | None = None) -> AccountHistory:
    posts = []
    for i, text in enumerate(past or PAST * 2):
        posts.append({"_id": f"weibo:p{i}", "text": text, "source": past_source,
                      "published_at": (NOW - timedelta(days=20 + 3 * i)).isoformat()})
    for j, (hours, text) in enumerate(recent):
        posts.append({"_id": f"weibo:r{j}", "text": text, "source": source,
                      "published_at": (NOW - timedelta(hours=hours)).isoformat()})
    return AccountHistory(account={"_id": "weibo:1", "name": "临江发布", "unit": "临江市人民政府"},
                          posts=posts)


def _rules(history: AccountHistory) -> list[str]:
    return [f.rule for f in DET.detect(history, CTX)]


@pytest.mark.parametrize("text", [
    "真人娱乐城开业，首充送彩金，等你来！",                # gambling strong term
    "想赚钱吗？兼职日结，加微信 job_2026x 详聊",         # family term + private contact
    "您的信用额度已提升，点击 http://a.example.cc 领取",  # family term + non-government link
    "无抵押低息贷款，急用钱当天到账",                     # three terms of one family
    "某品牌面霜限时五折，退订回T",                        # marketing-SMS opt-out
])
def test_strong_posts(text: str) -> None:
    assert DET.signals(text, CTX)["strong"]


@pytest.mark.parametrize("text", [
    "警方提醒：“刷单返利”都是诈骗，切勿相信！",                   # a warning about it
    "严厉打击网络赌博违法犯罪，欢迎群众举报。",
    "县长直播助农：本地蜜橘9.9元包邮，助力农户增收，欢迎下单！",  # official frame
    "招聘公告：社区招聘兼职网格员，报名电话13800001234。",        # official phone label
    "临江文旅消费券今日发放，领券即可使用。",
    "青澜市召开安全生产工作会议。",
])
def test_not_strong(text: str) -> None:
    assert not DET.signals(text, CTX)["strong"]


def test_contained_terms_count_once() -> None:
    assert _outermost(["下款", "秒下款", "利息"]) == ["利息", "秒下款"]


def test_single_strong_post_is_a_hijack() -> None:
    assert _rules(_history([(5, "线上棋牌游戏，秒充秒提，注册就送38元！")])) == ["spam_post"]


def test_weak_posts_together_are_a_hijack_alone_not() -> None:
    weak = [(30, "急需周转？审核快，当天到账"), (20, "想赚点零花钱吗？动动手指就有收益！")]
    assert _rules(_history(weak)) == ["spam_burst"]
    assert _rules(_history(weak[:1])) == []


def test_weak_posts_days_apart_are_no_episode() -> None:
    weak = [(24 * 12, "急需周转？审核快，当天到账"), (20, "想赚点零花钱吗？动动手指就有收益！")]
    assert _rules(_history(weak)) == []


def test_lone_ad_followed_by_ordinary_posts_is_not_a_takeover() -> None:
    recent = [(80, "正品代购，大牌护肤品低至三折，加微信 shop_8866x 咨询！"),
              (40, "临江市召开安全生产工作会议。"), (10, "临江市举办全民健身运动会。")]
    assert _rules(_history(recent)) == []


def test_a_habit_excuses_weak_posts_of_its_family() -> None:
    deals = ["羽绒服限时优惠，线上下单更实惠，速来抢购！", "保暖内衣限时特价，名额有限，速来抢购！"]
    recent = [(30, "周末特惠：羽绒服限时8折，线上下单更优惠！速来抢购！"),
              (20, "冬季特惠：保暖内衣限时5折，名额有限，速来抢购！")]
    assert _rules(_history(recent)) == ["spam_burst"]
    assert _rules(_history(recent, past=deals * 2 + PAST)) == []
    # (a scenic area's ticket offers are a public-interest promotion to commercial_ad, whose
    # frames keep its model quiet on them: not even weakly spam-like, see specialists_excuse_weak)
    tickets = [(30, "周末特惠：古镇门票限时8折，线上购票更优惠！速来抢购！"),
               (20, "冬季特惠：温泉门票限时5折，名额有限，速来抢购！")]
    assert _rules(_history(tickets)) == []


def test_a_repeat_of_a_past_post_is_not_unlike_the_past() -> None:
    text = "急需周转？额度高审核快，当天到账！想赚零花钱？动动手指就有收益！"
    assert _rules(_history([(30, text), (20, text)], past=[text] + PAST * 2)) == []


def test_new_source_is_reported() -> None:
    history = _history([(5, "线上棋牌游戏，秒充秒提，注册就送38元！")], source="某群发工具",
                       past_source="微博网页版")
    (finding,) = DET.detect(history, CTX)
    assert finding.evidence["new_sources"] == ["某群发工具"]
    assert "此前从未使用" in finding.message and "疑似账号被盗" in finding.message


def test_content_detectors_lend_their_judgement_to_each_post() -> None:
    # commercial_ad sees an ad with a private contact: strongly spam-like, labelled as its family
    found = DET._content_findings("新款手机壳全场包邮，下单立减20元，加微信 shop_qz2026 领券", None, CTX)
    assert "commercial_ad" in found and found["commercial_ad"][1] is True
    sig = DET.signals("新款手机壳全场包邮，下单立减20元，加微信 shop_qz2026 领券", CTX)
    assert sig["strong"] and "commercial_ad" in sig["families"]
    # an official notice is none of theirs
    assert DET._content_findings("关于做好冬季供暖工作的通知。", None, CTX) == {}
    # the setting turns it off
    off = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {
        "hijacked_account": {"content_detectors": {}}}})
    assert DET._content_findings("新款手机壳全场包邮，加微信 shop_qz2026 领券", None, off) == {}


#: the text model of commercial_ad off (in its own findings and as the change signal): the
#: word-level evidence alone
NO_MODEL = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {
    "commercial_ad": {"model": False}, "hijacked_account": {"change_detector": ""}}})


def test_a_break_from_the_official_register_is_weak_evidence_two_posts_an_episode() -> None:
    odd = [(30, "新款到货了，每件只要88元"), (20, "颜色齐全，当天到账的朋友先挑")]
    found = list(DET.detect(_history(odd), NO_MODEL))
    assert [f.rule for f in found] == ["spam_burst"]
    assert "与以往官方语体不符的推销" in found[0].evidence["families"]
    assert not list(DET.detect(_history(odd[:1]), NO_MODEL))  # one alone is not an episode
    # an account whose past is not in the official register gives no such evidence
    chatty = ["今天天气真好呀", "周末去哪儿玩？", "早安，新的一周加油", "晚安各位", "午饭吃什么好呢",
              "下雨了记得带伞哦"]
    assert not list(DET.detect(_history(odd, past=chatty * 2), NO_MODEL))


#: the change signal alone: no content detector, no register break
CHANGE_ONLY = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {
    "hijacked_account": {"content_detectors": {}, "register_min_share": 2}}})


def test_a_change_against_the_accounts_own_ad_likeness_makes_an_episode() -> None:
    # no lexicon term in either post, but both read as ads to commercial_ad's text model, far
    # above anything the account posted before
    # (each below change_strong_probability: the model reads a full pitch, 今天下单明天发货, as a
    # strong ad on its own)
    odd = [(30, "春装上新，连衣裙显瘦又百搭"), (20, "新款连衣裙到了，显瘦百搭")]
    assert all(not DET.signals(t, CHANGE_ONLY)["spam"] for _, t in odd)
    (finding,) = DET.detect(_history(odd), CHANGE_ONLY)
    assert finding.rule == "spam_burst"
    assert "与账号以往内容明显不同的广告式文本" in finding.evidence["families"]
    assert all(e["ad_likeness"] >= 0.4 for e in finding.evidence["examples"])
    assert finding.evidence["episode_posts_per_day"] > finding.evidence["past_posts_per_day"]
    assert not list(DET.detect(_history(odd[:1]), CHANGE_ONLY))  # one weak post is not an episode
    # an account that always posts like this shows no change
    shop_past = ["夏季新款T恤，纯棉透气，今天下单明天发货", "好物分享：这款洗面奶用了一周皮肤清爽多了",
                 "秋季新款风衣，百搭显瘦，欢迎选购", "好物推荐：这款护手霜滋润不油腻"] * 3
    assert not list(DET.detect(_history(odd, past=shop_past), CHANGE_ONLY))
    # and the setting turns the signal off
    off = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {"hijacked_account": {
        "content_detectors": {}, "register_min_share": 2, "change_detector": ""}}})
    assert not list(DET.detect(_history(odd), off))


def test_rules_and_model_agreeing_make_a_lone_post_strong() -> None:
    """A post a content detector's rules flag, read by the ad model clearly above its threshold and
    far above the account's past, is strongly spam-like; below change_agree_probability, or less
    than change_agree_margin above the past, it is not (a lone post no rule flags, like the
    borderline loan post of test_weak_posts_together_are_a_hijack_alone_not, stays weak)."""
    sig = {"spam": True, "strong": False, "families": {"commercial_ad": ["x"]}, "by_rules": ["commercial_ad"],
           "strong_terms": [], "warning": [], "frames": [], "score": 2}
    assert DET._change(sig, 0.8, 0.05, CTX)["strong"]
    assert DET._change(sig, 0.55, 0.05, CTX)["strong"]
    assert not DET._change(sig, 0.45, 0.05, CTX)["strong"]  # below change_agree_probability
    weak = DET._change(sig, 0.62, 0.35, CTX)                # 0.27 above the past: spam-like only
    assert weak["spam"] and not weak["strong"]
    assert not DET._change(sig, 0.8, 0.55, CTX)["strong"]   # the account's usual level
    by_model = {**sig, "by_rules": []}                       # the content finding was the model's
    assert not DET._change(by_model, 0.7, 0.05, CTX)["strong"]


def test_a_burst_of_regulators_texts_quoting_ads_is_no_takeover() -> None:
    """Each post holds ads' words (低价促销, 秒杀, 减肥, 美白...) and no warning word this detector
    knows, so its families read it weakly spam-like; commercial_ad's frames know a regulator's case
    or explainer and keep its model quiet, and then the families alone do not count."""
    burst = [(30, "案情评析：某医美机构为配合平台低价促销，随意变更广告内容，广告宣称“限时秒杀、买一送一”。"),
             (20, "衛生局指出，化粧品廣告不得宣稱減肥、美白、祛斑等療效，違者處新臺幣4萬元以上罰鍰。"),
             (10, "一、识别误导手法：饥饿营销类宣传“秒杀”“限时限量”，夸大收益类宣传“保本保息”“稳赚”。")]
    assert all(DET.signals(t, CTX)["spam"] for _, t in burst)
    assert _rules(_history(burst)) == []
    off = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {"hijacked_account": {
        "specialists_excuse_weak": False}}})
    assert [f.rule for f in DET.detect(_history(burst), off)] == ["spam_burst"]


def test_a_content_models_reading_counts_once_as_the_change_against_the_past(monkeypatch) -> None:
    """commercial_ad's text model (its ``ad_model`` finding) enters a post's signals only as the
    change against the account's past (``_change``), not also as a family of its own: counted
    twice, two short posts the model half-believes (a mispost and its correction) made an
    episode. A rule's finding still is a family."""
    text = "刚才发送的信息有误，以此条为准。"

    def content(rule: str):
        return lambda *a, **k: {"commercial_ad": (["信息"], False, rule)}

    monkeypatch.setattr(DET, "_content_findings", content("ad_model"))
    assert "commercial_ad" not in DET.signals(text, CTX)["families"]
    off = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {"hijacked_account": {
        "content_models_via_change": False}}})
    assert "commercial_ad" in DET.signals(text, off)["families"]  # the old double count
    monkeypatch.setattr(DET, "_content_findings", content("ecommerce"))
    assert DET.signals(text, CTX)["families"]["commercial_ad"] == ["信息"]
    assert DET.signals(text, CTX)["by_rules"] == ["commercial_ad"]


def test_own_families_alone_do_not_make_a_post_strong_where_the_specialists_found_no_ad() -> None:
    """A fraud warning that lists the scam's words (兼职, 刷单, 点赞, 免费送) reads as strongly
    spam-like by this detector's own families, but commercial_ad, which knows the warning's
    frame (幌子), finds no ad in it: one such post is not a takeover."""
    text = "第一步：通过短信和社交软件发布兼职广告，招募“刷单客”“点赞员”，再以免费送小家电为幌子拉人建群。"
    assert not DET.signals(text, CTX)["strong"]
    off = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {"hijacked_account": {
        "own_strong_needs_content": False}}})
    assert DET.signals(text, off)["strong"]
    assert _rules(_history([(30, text)])) == []
    assert DET.signals(text, CTX)["spam"]  # still weakly: two within days are an episode


def test_a_warning_word_in_an_ads_own_voice_does_not_excuse_what_a_content_rule_found() -> None:
    # 远离 / 监管 make this detector read a text as a warning about spam; when commercial_ad's
    # rules (whose own frames know a warning) found an ad all the same, the ad counts
    ad = "青澜牌护齿软糖，常吃抗菌、远离牙周病，三天见效，加微信 tooth_demo01 下单立减20元"
    sig = DET.signals(ad, CTX)
    assert sig["spam"] and "commercial_ad" in sig["by_rules"] and not sig["warning"]
    warning = "【提醒】远离网络赌博，谨防“充值返利”诈骗，发现可疑网站请拨打110举报。"
    assert DET.signals(warning, CTX)["warning"] and not DET.signals(warning, CTX)["spam"]


def test_the_ad_model_reads_nothing_into_a_post_without_chinese():
    """The text model learned Chinese: a post of fewer than four Chinese characters reads 0.0
    (an English insult of a bought account's old tweets read 0.86 and made an episode)."""
    from govspider_plugins.detectors.eval import DEFAULT_NOW, installed_detectors

    ad = installed_detectors()["commercial_ad"]
    if ad.text_model(DetectContext(now=DEFAULT_NOW)) is None:
        pytest.skip("no commercial_ad model")
    english, chinese = ad.ad_likeness(["just go on lah, pig, you know nothing",
                                       "限时秒杀，加微信领取优惠券，全场包邮"], DetectContext(now=DEFAULT_NOW))
    assert english == 0.0
    assert chinese > 0.5


@pytest.mark.parametrize("text", [
    "Massive airdrop is LIVE! Claim your free tokens now: http://drop.example.xyz",
    "Introducing $ZQXT, the first memecoin on Solana. Contract address in bio, pump it!",
])
def test_an_english_token_promotion_on_a_chinese_account_is_a_takeover(text: str) -> None:
    """commercial_ad reads Chinese: a post with almost none it cannot judge, so this detector's
    own strong terms stand (an English crypto promotion: one post is an episode)."""
    assert DET.signals(text, CTX)["strong"]
    assert _rules(_history([(30, text)])) == ["spam_post"]


@pytest.mark.parametrize("text", [
    "This page was hacked by the Zeta crew lol, watch your back",
    "F**K THE RULES!!! free the boys",
    "i miss you baby, hot video in my bio",
    "Support $QLX, the first blockchain project of the city: tokens for likes and retweets",
    "The mayor is a sh*t liar and the whole council is bull—–ing you",  # masked as outlets print it
])
def test_what_takeovers_post_in_english_is_strong_where_the_specialists_cannot_read(text: str) -> None:
    assert DET.signals(text, CTX)["strong"]
    assert _rules(_history([(30, text)])) == ["spam_post"]


def test_stock_tip_bait_in_japanese_is_a_takeover() -> None:
    text = "今が絶好の買い場！推奨銘柄は無料グループで配信中"
    assert "invest" in DET.signals(text, CTX)["families"]
    assert _rules(_history([(30, text)])) == ["spam_post"]


def test_english_takeover_words_inside_a_chinese_post_are_the_specialists_to_judge() -> None:
    text = "临江市举办英语角活动，市民用“I love you, Linjiang”表达对城市的喜爱。"
    sig = DET.signals(text, CTX)
    assert "foreign" not in sig["families"] and not sig["strong"]
    assert _rules(_history([(30, text)])) == []


@pytest.mark.parametrize("text", [
    "Our account was hacked last night. Please ignore the airdrop posts and do not click the links.",
    "Happy Mid-Autumn Festival from Linjiang! Share your photos of the full moon with us.",
    "Linjiang responds to the flood crisis: shelters open at every school tonight.",
    "【速報】市の公式キャラクターが新しくなりました",
    "警方提醒：所谓“空投领币”“memecoin 百倍币”都是骗局，切勿点击陌生链接。",
    # a footnote's asterisk, markdown bold, a plain-text double hyphen: no masked profanity
    "Free shuttle buses* to the fair this weekend. *Weekdays only for seniors.",
    "**Road closure** on Harbour Rd tonight--use Quay St instead.",
    "临江市民热线：遇到 f*** 之类的辱骂留言请截图举报，我们依法处理。",
])
def test_english_warnings_and_ordinary_foreign_posts_are_not_spam(text: str) -> None:
    assert not DET.signals(text, CTX)["strong"]
    # (on an account that never posted in another language, with language_strong_words set, a
    # lone English sentence outside a notice's register is a change of language: see below)
    assert _rules(_history([(30, text)], past=PAST * 2 + ["Linjiang in English: our new page"])) == []


def test_a_burst_in_a_language_the_account_never_used_is_an_episode_one_post_not() -> None:
    burst = [(30, "WOW GREAT NEWS!!"), (29, "Follow me for more, guys"), (28, "best day ever lol")]
    found = list(DET.detect(_history(burst), CTX))
    assert [f.rule for f in found] == ["language_change"] and found[0].score == 0.6
    assert found[0].severity == "high" and "待核实" in found[0].message  # to verify, not a veto
    assert "外文" in found[0].evidence["families"]
    assert "此次改用外文" in found[0].message
    assert found[0].evidence["spam_posts"] == 3
    # one short post alone (a word, an exclamation) is no episode
    assert _rules(_history(burst[:1])) == []
    # too few letters to be a language (a garbled tap, a URL, an @name)
    assert _rules(_history([(30, "ok!!"), (29, "https://t.example/abcdefgh @someone")])) == []
    # posts in the official register of that language: the account's own (a tourism series)
    tourism = [(30, "Welcome to Linjiang! The lantern festival opens this Friday."),
               (29, "Visit the old town museum: free entry for students all week.")]
    assert _rules(_history(tourism)) == []
    # an account that posts in that language now and then: its habit
    bilingual = PAST + ["Linjiang welcomes visitors to the lantern fair", "Road works on Harbour Rd"]
    assert _rules(_history(burst, past=bilingual * 2)) == []


@pytest.mark.parametrize("text", [
    "lol why bother studying when you can sit at home all day",
    "Le gouvernement ment, rejoignez notre mouvement dès aujourd'hui",
    "시장은 즉시 사퇴하라 시민을 속이지 마라",
    # the cost, when asked for: an ordinary English sentence outside a notice's register
    "Free shuttle buses to the fair this weekend, weekdays only for seniors",
])
def test_a_lone_sentence_in_a_language_the_account_never_used_is_a_takeover_only_when_asked(
        text) -> None:
    # off by default (staff misposts read the same: accounts.yaml)
    assert _rules(_history([(30, text)])) == []
    sentences = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {
        "hijacked_account": {"language_strong_words": 4}}})
    found = list(DET.detect(_history([(30, text)]), sentences))
    assert [f.rule for f in found] == ["language_change"]
    assert "请核实是否为本单位所发" in found[0].message
    # not when the account has posted in another language before, nor when it is shorter than a
    # sentence, nor in the register of a notice
    bilingual = PAST * 2 + ["Linjiang in English: our new page"]
    assert not list(DET.detect(_history([(30, text)], past=bilingual), sentences))
    assert not list(DET.detect(_history([(30, " ".join(text.split()[:3]))]), sentences))
    assert not list(DET.detect(_history([(30, text + ", the museum notice says")]), sentences))


def test_a_change_of_language_with_spam_in_it_stays_a_veto() -> None:
    found = list(DET.detect(_history([(30, "hacked by the crew lol, follow us for more")]), CTX))
    assert [(f.rule, f.severity) for f in found] == [("spam_post", "veto")]
    assert "单项否决）" in found[0].message and "待核实" not in found[0].message
