"""The cases the built-in detectors want planted in the sandbox world (``planted`` attributes).

Each detector class points its ``planted`` attribute at one of the tuples below; the sandbox
generates what they describe and scores the detector against them (see
:mod:`govspider.sandbox.cases`). Texts are written for the sandbox: invented names, numbers
and ids. Orders keep the accounts handed out as they always were (positives, then hard
negatives, then the second account), so a seed still gives the same world.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from random import Random

from govspider.sandbox.cases import Burst, Digression, Planted, Scene, Text, Thread

# --------------------------------------------------------------------------- helpers
#: canonical fixed phrase -> confusable variant (homophone / wrong character), and a sentence
#: using it (``{p}`` = the phrase as written, ``{org}`` = the unit)
TYPOS: tuple[tuple[str, str, str], ...] = (
    ("两学一做", "两学一作", "{date}，{org}召开专题会议，部署推进“{p}”学习教育常态化制度化，要求党员干部学在经常、做在平常。"),
    ("中华人民共和国", "中华人民共合国", "【普法】根据《{p}道路交通安全法》第九十条规定，机动车驾驶人违反道路交通安全法律、法规关于道路通行规定的，处警告或者二十元以上二百元以下罚款。"),
    ("社会主义核心价值观", "社会主义核心价值关", "{date}，{org}开展主题宣传活动，大力弘扬{p}，营造崇德向善的社会氛围。"),
    ("全心全意为人民服务", "全心全意为人民服物", "{org}始终坚持{p}的根本宗旨，把群众满意作为检验工作的标准。"),
    ("党风廉政建设", "党风廉正建设", "{date}，{org}召开{year}年{p}和反腐败工作会议，签订目标责任书。"),
    ("不忘初心、牢记使命", "不忘初心、牢记史命", "{org}组织党员干部重温入党誓词，{p}，争做新时代的奋斗者。"),
)
RUDE_REPLIES = (
    "爱咋咋地，有本事你去告啊！",
    "你算老几？轮得到你来教我们做事？",
    "自己不看通知怪谁？没文化真可怕。",
)
#: posts about pets, celebrities, gossip and games
ENTERTAINMENT = (
    "今天被这只小猫咪萌化了！谁能拒绝一只会握手的橘猫呢[心][心]",
    "家人们，某顶流明星今晚的演唱会门票秒空，你抢到了吗？[哈哈]",
    "狗狗：我只是想出去玩，我有什么错[笑cry]",
    "吃瓜！知名女星被曝恋情，双方工作室均未回应。",
    "周末追剧推荐：这部古装剧男主颜值太高了，已经刷了三遍！",
    "新出的手游太上头了，昨晚一口气打到凌晨两点[哈哈]",
    "今日份快乐：柯基犬的小短腿跑起来太可爱了",
    "某综艺节目最新一期笑点密集，嘉宾互动超甜！",
    "星座运势：本周双子座桃花运爆棚，快来看看你的运势~",
    "你们家猫主子也这样霸占键盘吗？",
    "明星同款穿搭合集来啦，照着穿就对了！",
    "网传某歌手离婚，真相到底如何？评论区聊聊",
)
HIJACK_BURST = 8


def id_check_digit(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check digit of the first 17 digits of a resident id."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body17, weights, strict=False))
    return "10X98765432"[total % 11]


def _id_number(r: Random, region_code: str) -> str:
    """An invented 18-digit resident id with a valid check digit."""
    birth = datetime(1960, 1, 1) + timedelta(days=r.randint(0, 365 * 40))
    body = f"{region_code}{birth:%Y%m%d}{r.randint(0, 999):03d}"
    return body + id_check_digit(body)


def _mobile(r: Random) -> str:
    return r.choice(("138", "139", "150", "186", "177", "135")) + f"{r.randint(0, 99_999_999):08d}"


def _wxid(r: Random) -> str:
    return r.choice(("wxid_", "vip", "hao", "ff")) + "".join(r.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))


# --------------------------------------------------------------------------- planted posts
def _privacy(r: Random, s: Scene) -> tuple[str, str]:
    name = s.person_name(r)
    return (f"关于{s.year}年度困难群众临时救助对象的公示",
            f"根据相关规定，现将{s.year}年度临时救助对象名单予以公示：\n"
            f"申请人：{name}，身份证号：{_id_number(r, s.region)}，"
            f"联系电话：{_mobile(r)}，救助金额：3000元。\n"
            f"公示期为7天，如有异议，请向{s.org}反映。")


def _privacy_masked(r: Random, s: Scene) -> tuple[str, str]:
    masked = s.region[:4] + "*" * 10 + f"{r.randint(0, 999):03d}" + "X"
    return (f"关于{s.year}年度公益性岗位拟聘用人员的公示",
            f"经资格审核，现将拟聘用人员公示如下：\n{s.person_name(r)[0]}某，身份证号：{masked}。\n"
            f"公示期间如有异议，请于工作日拨打监督电话：0{r.randint(100, 999)}-{r.randint(2000_0000, 8999_9999)}，"
            f"或拨打12345政务服务便民热线。")


def _ad(r: Random, s: Scene) -> tuple[str, str]:
    wx = _wxid(r)
    return "【福利】限时优惠", r.choice((
        f"【福利】{s.short}新盘特价优惠，首付低至5万，名额有限！看房请加微信：{wx}，代购家电另有优惠。",
        f"兼职招聘：在家手机刷单，日结200-500元，有意者加微信 {wx} 或QQ {r.randint(10**8, 10**9)}。",
        f"正品代购，大牌护肤品低至三折，加微信{wx}咨询，转发本条抽三位送小样！",
    ))


def _ad_channel(r: Random, s: Scene) -> tuple[str, str]:
    return ("便民提醒：办事咨询渠道",
            f"【便民提醒】{s.short}政务服务“一网通办”平台已全面上线。办事咨询可关注官方微信公众号“"
            f"{s.account}”，或拨打12345政务服务便民热线，工作日9:00-17:00有专人解答。")


def _sensitive(r: Random, s: Scene) -> tuple[None, str]:
    return None, r.choice((
        "真人在线娱乐城，百家乐、六合彩天天开奖，注册即送88元彩金，充值秒到账！",
        "成人视频免费看，裸聊约炮同城交友，点击主页链接进入！",
    ))


def _sensitive_notice(r: Random, s: Scene) -> tuple[str, str]:
    return ("“扫黄打非”专项行动取得阶段性成效",
            f"{s.date}，{s.short}“扫黄打非”工作领导小组部署开展专项行动，依法查处淫秽色情出版物、"
            "网络赌博等违法犯罪活动，收缴非法出版物1200余件。欢迎群众通过12390举报线索。")


def _typo(r: Random, s: Scene) -> tuple[str, str]:
    canon, variant, sentence = TYPOS[r.randrange(len(TYPOS))]
    return (f"{s.org}开展主题学习宣传活动",
            sentence.format(p=variant, org=s.org, date=s.date, year=s.year))


def _typo_correct(r: Random, s: Scene) -> tuple[str, str]:
    return ("“两学一做”学习教育推进会召开",
            f"{s.date}，{s.org}召开推进会，要求深入开展“两学一做”学习教育，"
            "践行社会主义核心价值观，全心全意为人民服务，依照《中华人民共和国公务员法》从严管理干部队伍。")


def _leiren_news(r: Random, s: Scene) -> tuple[str, str]:
    return ("作风纪律专项整治情况通报",
            "近日，网传某地办事窗口工作人员对群众说出“爱咋咋地”等雷人雷语，引发网友关注。"
            f"{s.org}高度重视，举一反三，在全系统开展作风纪律专项整治，欢迎群众监督。")


def _hijack(kind: str):  # noqa: ANN202 - a PostWriter
    def write(r: Random, s: Scene) -> tuple[str, str]:
        wx = _wxid(r)
        return "限时福利", {
            "hijack_ad": f"爆款好物限时秒杀！原价899现价99，加微信{wx}下单，包邮到家！",
            "hijack_gamble": f"真人娱乐城注册就送彩金，百家乐在线玩，日赚千元不是梦，加微信{wx}带你上岸！",
            "hijack_giveaway": f"转发+关注，抽10人送iPhone！中奖后加微信{wx}领取，先到先得！",
            "hijack_porn": f"寂寞了？同城裸聊约炮，私密视频一对一，加微信{wx}！",
        }[kind]
    return write


# --------------------------------------------------------------------------- planted threads
def _rude(r: Random, s: Scene) -> tuple[str, bool, list[tuple[str, bool]]]:
    return (f"{s.short}这个窗口办事效率太低了，跑了三趟还没办成，你们到底管不管？", True,
            [(r.choice(RUDE_REPLIES), True)])


def _quoting(r: Random, s: Scene) -> tuple[str, bool, list[tuple[str, bool]]]:
    return ("你们都是一群废物，拿钱不干事！", False,
            [("您好，您留言中“一群废物”的说法不够文明，请理性表达。您反映的问题我们已转交相关部门核实办理，"
              "感谢您的监督！", True)])


# --------------------------------------------------------------------------- evidence
def _ids_and_mobiles(text: str) -> list[str]:
    return re.findall(r"(?<!\d)\d{17}[\dX](?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)", text)


def _variants(text: str) -> list[str]:
    return [v for _, v, _ in TYPOS if v in text]


def _wechat_ids(text: str) -> list[str]:
    return re.findall(r"(?:加微信[:：]?\s*)([A-Za-z][A-Za-z0-9_-]{5,19})", text)


# --------------------------------------------------------------------------- declarations
_SILENT = "last post {days} days before now"

DORMANT_ACCOUNT = (
    Planted("zombie", rule="zombie", platforms=("weibo", "douyin"), order=10, silence=(100, 200), note=_SILENT),
    Planted("dormant", rule="dormant", platforms=("wechat", "weibo"), order=11, silence=(62, 88), note=_SILENT),
    Planted("stale", rule="stale", platforms=("douyin", "wechat"), order=12, silence=(17, 45), note=_SILENT),
    Planted("hn_slow", label=False, platforms=("wechat",), order=210, silence=(7, 11), cadence=(0.08, 0.12),
            note="slow cadence, last post 7-11 days ago"),
)
NO_INTERACTION = (
    Planted("no_reply", rule="unanswered_questions", platforms=("weibo",), order=20, unanswered=True,
            note="questions under posts, never an official reply"),
)
INAPPROPRIATE_SPEECH = (
    Planted("rude_reply", subject="comment", rule="rude_official_reply", platforms=("weibo", "douyin"),
            order=30, thread=Thread("rude", _rude), note="official reply: {reply.text}"),
    Planted("hn_quote", subject="comment", label=False, platforms=("weibo",), order=220,
            thread=Thread("hn_quote", _quoting), note="courteous reply quoting a user's insult"),
    Planted("hn_leiren_news", subject="post", label=False, platforms=("weibo", "wechat"), order=230,
            posts=(Text("hn_leiren", _leiren_news, index=2),), note="news reporting a 雷人 remark"),
)
COMMERCIAL_AD = (
    Planted("ad_post", subject="post", rule="ad_with_contact", platforms=("weibo",), order=40,
            posts=(Text("ad", _ad, index=2, evidence=_wechat_ids),), note="{post.text}"),
    Planted("hn_ad_channel", subject="post", label=False, platforms=("weibo", "wechat"), order=240,
            posts=(Text("hn_ad", _ad_channel, index=2),), note="official WeChat consultation channel"),
)
HIJACKED_ACCOUNT = (
    Planted("hijacked", rule="marketing_burst", platforms=("weibo", "douyin"), order=50, silence=(20, 40),
            burst=Burst(HIJACK_BURST, posts=(
                Text("hijack_ad", _hijack("hijack_ad"), also=("commercial_ad",)),
                Text("hijack_gamble", _hijack("hijack_gamble"), also=("commercial_ad", "sensitive_content")),
                Text("hijack_giveaway", _hijack("hijack_giveaway"), also=("commercial_ad",)),
                Text("hijack_porn", _hijack("hijack_porn"), also=("commercial_ad", "sensitive_content")))),
            note=f"{HIJACK_BURST} marketing/gambling posts in the last days after a normal history"),
)
FAN_BUYING = (
    Planted("bought_followers", rule="follower_jump", platforms=("weibo", "douyin"), order=60,
            follower_jump=(2.2, 3.5), note="followers jump on {jump_date} without more engagement"),
    Planted("hn_viral", label=False, platforms=("douyin", "weibo"), order=280, follower_jump=(1.3, 1.5),
            viral=True, note="follower jump with a viral post"),
)
SERIOUS_TYPO = (
    Planted("typo", subject="post", rule="fixed_phrase_variant", platforms=("wechat", "weibo"), order=70,
            posts=(Text("typo", _typo, index=3, evidence=_variants),), note="{post.text}"),
    Planted("hn_typo_correct", subject="post", label=False, platforms=("wechat", "weibo"), order=260,
            posts=(Text("hn_typo", _typo_correct, index=3),), note="canonical phrases written correctly"),
)
PRIVACY_LEAK = (
    Planted("privacy_leak", subject="post", rule="id_and_mobile", platforms=("wechat", "weibo"), order=80,
            posts=(Text("privacy", _privacy, index=1, evidence=_ids_and_mobiles),), note="{post.text}"),
    Planted("hn_privacy_masked", subject="post", label=False, platforms=("wechat", "weibo"), order=250,
            posts=(Text("hn_privacy", _privacy_masked, index=1),), note="masked id number and office phone"),
)
SENSITIVE_CONTENT = (
    Planted("sensitive", subject="post", rule="gambling_porn", platforms=("weibo", "douyin"), order=90,
            posts=(Text("sensitive", _sensitive, index=2),), note="{post.text}"),
    Planted("hn_sensitive_gov", subject="post", label=False, platforms=("weibo", "wechat"), order=270,
            posts=(Text("hn_sensitive", _sensitive_notice, index=2),), note="扫黄打非 notice"),
)
OFF_TOPIC = (
    Planted("off_topic", rule="entertainment_share", platforms=("douyin", "weibo"), order=100,
            digression=Digression(0.75, ENTERTAINMENT), note="about 75% of posts on pets, celebrities, gossip, games"),
)
ACCOUNT_REGISTRY = (
    Planted("uncertified", rule="uncertified", platforms=("douyin", "wechat"), order=110, certified=False,
            note="the account is not certified (verified: false)"),
    Planted("duplicate", rule="duplicate", platforms=("weibo",), order=300, second_account=True,
            note="second {account.platform} account of {account.unit.name} (the other is {twin.corpus_id})"),
)
COUNTERFEIT_APP = (
    Planted("lookalike", subject="app", rule="{app.technique}", order=400,
            note="{app.name} by {app.developer} imitates {app.imitates}"),
    Planted("unrelated", subject="app", label=False, order=401, note="{app.name}: similar words, no imitation"),
    Planted("official", subject="app", label=False, order=402, note="official app of {app.unit.name}"),
)
_INJECTED = "injected: {kinds_text}"
_LOOKALIKE = "hard negative: {kinds_text}"
SEO_SPAM = (
    Planted("hidden_links", subject="page", rule="{kinds}", order=500, note=_INJECTED),
    Planted("offscreen_links", subject="page", rule="{kinds}", order=501, note=_INJECTED),
    Planted("marquee", subject="page", rule="{kinds}", order=502, note=_INJECTED),
    Planted("keyword_block", subject="page", rule="{kinds}", order=503, note=_INJECTED),
    Planted("pinyin_artifact", subject="page", rule="{kinds}", order=504, note=_INJECTED),
    Planted("hn_menu", subject="page", label=False, order=510, note=_LOOKALIKE),
    Planted("hn_skiplink", subject="page", label=False, order=511, note=_LOOKALIKE),
    Planted("hn_antigambling", subject="page", label=False, order=512, note=_LOOKALIKE),
)
