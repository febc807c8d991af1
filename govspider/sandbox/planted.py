"""Planted cases for every detector, their hard negatives, the registry and the ground truth.

An account gets at most one *trait* (a planted case or a hard negative), chosen
deterministically from the seed; the post and comment builders of ``world.py`` ask this module
what a planted post or comment says. ``ground_truth()`` lists every planted subject with
``label: true`` and every hard negative with ``label: false`` under the corpus ``_id`` the
crawlers will store, so detector findings can be scored against it. Subjects not listed are
ordinary generated content, presumed clean.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from govspider.sandbox.text import Segment, person_name

if TYPE_CHECKING:
    from random import Random

    from govspider.sandbox.world import WAccount, World, WPost

# --------------------------------------------------------------------------- traits
#: trait -> (detector, preferred platforms, rule)
POSITIVE: dict[str, tuple[str, tuple[str, ...], str]] = {
    "zombie": ("dormant_account", ("weibo", "douyin"), "zombie"),
    "dormant": ("dormant_account", ("wechat", "weibo"), "dormant"),
    "stale": ("dormant_account", ("douyin", "wechat"), "stale"),
    "no_reply": ("no_interaction", ("weibo",), "unanswered_questions"),
    "rude_reply": ("inappropriate_speech", ("weibo", "douyin"), "rude_official_reply"),
    "ad_post": ("commercial_ad", ("weibo",), "ad_with_contact"),
    "hijacked": ("hijacked_account", ("weibo", "douyin"), "marketing_burst"),
    "bought_followers": ("fan_buying", ("weibo", "douyin"), "follower_jump"),
    "typo": ("serious_typo", ("wechat", "weibo"), "fixed_phrase_variant"),
    "privacy_leak": ("privacy_leak", ("wechat", "weibo"), "id_and_mobile"),
    "sensitive": ("sensitive_content", ("weibo", "douyin"), "gambling_porn"),
    "off_topic": ("off_topic", ("douyin", "weibo"), "entertainment_share"),
    "uncertified": ("account_registry", ("douyin", "wechat"), "uncertified"),
}
#: hard negatives: trait -> (detector, preferred platforms, what makes it tricky)
NEGATIVE: dict[str, tuple[str, tuple[str, ...], str]] = {
    "hn_slow": ("dormant_account", ("wechat",), "slow cadence, last post 7-11 days ago"),
    "hn_quote": ("inappropriate_speech", ("weibo",), "courteous reply quoting a user's insult"),
    "hn_leiren_news": ("inappropriate_speech", ("weibo", "wechat"), "news reporting a 雷人 remark"),
    "hn_ad_channel": ("commercial_ad", ("weibo", "wechat"), "official WeChat consultation channel"),
    "hn_privacy_masked": ("privacy_leak", ("wechat", "weibo"), "masked id number and office phone"),
    "hn_typo_correct": ("serious_typo", ("wechat", "weibo"), "canonical phrases written correctly"),
    "hn_sensitive_gov": ("sensitive_content", ("weibo", "wechat"), "扫黄打非 notice"),
    "hn_viral": ("fan_buying", ("douyin", "weibo"), "follower jump with a viral post"),
}
#: positive traits per 1000 units in big worlds (at least one each)
RATE_PER_1000 = 4

HIJACK_BURST = 8
#: (post index, plant) of each content trait
_POST_PLANTS: dict[str, tuple[int, str]] = {
    "privacy_leak": (1, "privacy"),
    "ad_post": (2, "ad"),
    "sensitive": (2, "sensitive"),
    "typo": (3, "typo"),
    "hn_leiren_news": (2, "hn_leiren"),
    "hn_ad_channel": (2, "hn_ad"),
    "hn_privacy_masked": (1, "hn_privacy"),
    "hn_typo_correct": (3, "hn_typo"),
    "hn_sensitive_gov": (2, "hn_sensitive"),
}
_COMMENT_PLANTS = {"rude_reply": "rude", "hn_quote": "hn_quote"}
_HIJACK_KINDS = ("hijack_ad", "hijack_gamble", "hijack_giveaway", "hijack_porn")

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


@dataclass
class Plan:
    """Which (unit index, platform) carries which traits, and the extra (duplicate) accounts."""

    traits: dict[tuple[int, str], frozenset[str]] = field(default_factory=dict)
    extra_accounts: list[tuple[int, str, frozenset[str]]] = field(default_factory=list)


def assign(world: World) -> Plan:
    """Choose the accounts that carry each planted case and hard negative."""
    from govspider.sandbox.world import rng_for

    r = rng_for(world.seed, "plant")
    n_units = len(world.units)
    slots = [(u.index, p) for u in world.units for p in ("weibo", "wechat", "douyin")]
    r.shuffle(slots)
    used: set[tuple[int, str]] = set()
    plan = Plan()
    per_trait = max(1, round(n_units * RATE_PER_1000 / 1000))

    def take(trait: str, prefer: tuple[str, ...]) -> None:
        for platform in (*prefer, "weibo", "wechat", "douyin"):
            for slot in slots:
                if slot[1] == platform and slot not in used:
                    used.add(slot)
                    plan.traits[slot] = frozenset({trait})
                    return

    for trait, (_, prefer, _) in POSITIVE.items():
        for _ in range(per_trait):
            take(trait, prefer)
    for trait, (_, prefer, _) in NEGATIVE.items():
        for _ in range(per_trait):
            take(trait, prefer)
    # duplicate accounts: a second weibo account of a unit whose weibo is ordinary
    for _ in range(per_trait):
        for slot in slots:
            if slot[1] == "weibo" and slot not in used:
                used.add(slot)
                plan.extra_accounts.append((slot[0], "weibo", frozenset({"duplicate"})))
                break
    return plan


def trait_of(acc: WAccount) -> str | None:
    return next(iter(acc.traits), None)


# --------------------------------------------------------------------------- post plants
def post_plants(acc: WAccount, kind: str, index: int) -> list[str]:
    """The planted contents of the post at ``index`` of ``acc`` (usually none)."""
    if kind != "post" or not acc.traits:
        return []
    trait = trait_of(acc)
    if trait == "hijacked":
        if 0 <= index < HIJACK_BURST:
            return [_HIJACK_KINDS[index % len(_HIJACK_KINDS)]]
        return []
    spec = _POST_PLANTS.get(trait or "")
    if spec and spec[0] == index:
        return [spec[1]]
    return []


def _id_number(r: Random, region_code: str) -> str:
    """An invented 18-digit resident id with a valid ISO 7064 MOD 11-2 check digit."""
    birth = datetime(1960, 1, 1) + timedelta(days=r.randint(0, 365 * 40))
    body = f"{region_code}{birth:%Y%m%d}{r.randint(0, 999):03d}"
    return body + id_check_digit(body)


def id_check_digit(body17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body17, weights, strict=False))
    return "10X98765432"[total % 11]


def _mobile(r: Random) -> str:
    return r.choice(("138", "139", "150", "186", "177", "135")) + f"{r.randint(0, 99_999_999):08d}"


def _wxid(r: Random) -> str:
    return r.choice(("wxid_", "vip", "hao", "ff")) + "".join(r.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))


def post_content(r: Random, acc: WAccount, plants: list[str], ctx: dict[str, str],
                 world: World) -> tuple[str | None, list[Segment]]:
    """Title and segments of a planted post."""
    plant = plants[0]
    unit = acc.unit
    title: str | None = None
    segs: list[Segment]
    if plant == "privacy":
        name = person_name(r)
        title = f"关于{ctx['year']}年度困难群众临时救助对象的公示"
        segs = [Segment("text", f"根据相关规定，现将{ctx['year']}年度临时救助对象名单予以公示：\n"
                                f"申请人：{name}，身份证号：{_id_number(r, unit.region)}，"
                                f"联系电话：{_mobile(r)}，救助金额：3000元。\n"
                                f"公示期为7天，如有异议，请向{unit.name}反映。")]
    elif plant == "hn_privacy":
        masked = unit.region[:4] + "*" * 10 + f"{r.randint(0, 999):03d}" + "X"
        title = f"关于{ctx['year']}年度公益性岗位拟聘用人员的公示"
        segs = [Segment("text", f"经资格审核，现将拟聘用人员公示如下：\n{person_name(r)[0]}某，身份证号：{masked}。\n"
                                f"公示期间如有异议，请于工作日拨打监督电话：0{r.randint(100, 999)}-{r.randint(2000_0000, 8999_9999)}，"
                                f"或拨打12345政务服务便民热线。")]
    elif plant == "ad":
        wx = _wxid(r)
        segs = [Segment("text", r.choice((
            f"【福利】{unit.short}新盘特价优惠，首付低至5万，名额有限！看房请加微信：{wx}，代购家电另有优惠。",
            f"兼职招聘：在家手机刷单，日结200-500元，有意者加微信 {wx} 或QQ {r.randint(10**8, 10**9)}。",
            f"正品代购，大牌护肤品低至三折，加微信{wx}咨询，转发本条抽三位送小样！",
        )))]
        title = "【福利】限时优惠" if acc.platform == "wechat" else None
    elif plant == "hn_ad":
        segs = [Segment("text", f"【便民提醒】{ctx['r']}政务服务“一网通办”平台已全面上线。办事咨询可关注官方微信公众号“"
                                f"{acc.name}”，或拨打12345政务服务便民热线，工作日9:00-17:00有专人解答。")]
        title = "便民提醒：办事咨询渠道" if acc.platform == "wechat" else None
    elif plant == "sensitive":
        segs = [Segment("text", r.choice((
            "真人在线娱乐城，百家乐、六合彩天天开奖，注册即送88元彩金，充值秒到账！",
            "成人视频免费看，裸聊约炮同城交友，点击主页链接进入！",
        )))]
    elif plant == "hn_sensitive":
        title = "“扫黄打非”专项行动取得阶段性成效" if acc.platform == "wechat" else None
        segs = [Segment("text", f"{ctx['date']}，{ctx['r']}“扫黄打非”工作领导小组部署开展专项行动，依法查处淫秽色情出版物、"
                                "网络赌博等违法犯罪活动，收缴非法出版物1200余件。欢迎群众通过12390举报线索。")]
    elif plant == "typo":
        canon, variant, sentence = TYPOS[r.randrange(len(TYPOS))]
        body = sentence.format(p=variant, org=unit.name, date=ctx["date"], year=ctx["year"])
        title = f"{unit.name}开展主题学习宣传活动" if acc.platform == "wechat" else None
        segs = [Segment("text", body)]
    elif plant == "hn_typo":
        title = "“两学一做”学习教育推进会召开" if acc.platform == "wechat" else None
        segs = [Segment("text", f"{ctx['date']}，{unit.name}召开推进会，要求深入开展“两学一做”学习教育，"
                                "践行社会主义核心价值观，全心全意为人民服务，依照《中华人民共和国公务员法》从严管理干部队伍。")]
    elif plant == "hn_leiren":
        title = "作风纪律专项整治情况通报" if acc.platform == "wechat" else None
        segs = [Segment("text", "近日，网传某地办事窗口工作人员对群众说出“爱咋咋地”等雷人雷语，引发网友关注。"
                                f"{unit.name}高度重视，举一反三，在全系统开展作风纪律专项整治，欢迎群众监督。")]
    elif plant.startswith("hijack_"):
        wx = _wxid(r)
        segs = [Segment("text", {
            "hijack_ad": f"爆款好物限时秒杀！原价899现价99，加微信{wx}下单，包邮到家！",
            "hijack_gamble": f"真人娱乐城注册就送彩金，百家乐在线玩，日赚千元不是梦，加微信{wx}带你上岸！",
            "hijack_giveaway": f"转发+关注，抽10人送iPhone！中奖后加微信{wx}领取，先到先得！",
            "hijack_porn": f"寂寞了？同城裸聊约炮，私密视频一对一，加微信{wx}！",
        }[plant])]
        title = "限时福利" if acc.platform == "wechat" else None
    else:
        raise ValueError(f"unknown plant {plant!r}")
    return title, segs


# --------------------------------------------------------------------------- comment plants
def comment_plant(acc: WAccount, post: WPost, j: int) -> str | None:
    plant = _COMMENT_PLANTS.get(trait_of(acc) or "")
    if plant and post.kind == "post" and post.index == 1 and j == 0:
        return plant
    return None


def min_comments(acc: WAccount, post: WPost, n: int) -> int:
    if _COMMENT_PLANTS.get(trait_of(acc) or "") and post.kind == "post" and post.index == 1:
        return max(n, 3)
    return n


def comment_content(r: Random, plant: str, ctx: dict[str, str]) -> tuple[str, bool, list[tuple[str, bool]]]:
    """(comment text, is_question, [(reply text, is official)])."""
    if plant == "rude":
        return (f"{ctx['r']}这个窗口办事效率太低了，跑了三趟还没办成，你们到底管不管？", True,
                [(r.choice(RUDE_REPLIES), True)])
    if plant == "hn_quote":
        return ("你们都是一群废物，拿钱不干事！", False,
                [("您好，您留言中“一群废物”的说法不够文明，请理性表达。您反映的问题我们已转交相关部门核实办理，"
                  "感谢您的监督！", True)])
    raise ValueError(f"unknown comment plant {plant!r}")


# --------------------------------------------------------------------------- misc
def jump_date(world: World, acc: WAccount) -> datetime:
    """When the follower jump of a bought-followers (or viral) account happens."""
    from govspider.sandbox.world import rng_for

    days = rng_for(world.seed, "jump", acc.index).uniform(15, 45)
    return (world.now - timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)


_SOURCES = ("华夏新闻网", "东方时报", "今日民生", "中原日报", "青年之声", "新闻早班车")


def media_source(world: World, r: Random) -> WAccount:
    """An invented media account whose posts the monitored weibo accounts repost."""
    from govspider.sandbox.world import WAccount

    cache: dict[int, WAccount] = world.__dict__.setdefault("_sources", {})
    i = r.randrange(len(_SOURCES))
    if i not in cache:
        uid = str(1_100_000_000 + int(hashlib.blake2b(f"{world.seed}:src{i}".encode(), digest_size=4).hexdigest(), 16) % 400_000_000)
        unit = world.units[0]
        cache[i] = WAccount(
            index=900_000 + i, platform="weibo", platform_id=uid, uid=uid, unique_id=uid, name=_SOURCES[i],
            unit=unit, verified=True, verified_type=3, verified_reason=f"{_SOURCES[i]}官方微博",
            description="新闻资讯", avatar_url=f"https://tvax1.sinaimg.cn/default/src{i}.jpg",
            followers=5_000_000 + i * 731_000, following=300, post_count=120_000, total_likes=0,
            ip_region="北京", traits=frozenset(), alias=None, gh_id=None, created_at=world.now - timedelta(days=4000),
            n_posts=0, engagement=3000.0)
    return cache[i]


# --------------------------------------------------------------------------- registry
def registry(world: World, web_base_url: str | None = None) -> dict[str, Any]:
    """The registry dict (``govspider.registry`` YAML format) of the world's units."""
    units: list[dict[str, Any]] = []
    by_unit: dict[int, dict[str, Any]] = {}
    for unit in world.units:
        entry: dict[str, Any] = {
            "name": unit.name, "region": unit.region, "region_name": unit.region_name,
            "level": unit.level, "duty": unit.duty,
            "website": (web_base_url.rstrip("/") if web_base_url else "") + unit.site_path,
            "accounts": [], "apps": []}
        by_unit[unit.index] = entry
        units.append(entry)
    for acc in world.accounts():
        by_unit[acc.unit.index]["accounts"].append(
            {"platform": acc.platform, "platform_id": acc.platform_id, "name": acc.name})
    seen: set[tuple[int, str]] = set()
    for store in world.stores:
        for app in world.apps(store):
            if not app.official or app.unit is None or (app.unit.index, app.name) in seen:
                continue
            seen.add((app.unit.index, app.name))
            itunes = next((a for a in world.apps("itunes") if a.official and a.package == app.package), None)
            entry = {"name": app.name, "abbreviations": app_abbreviations(app.name, app.unit.short),
                     "developer": app.developer, "package": app.package, "bundle_id": app.package}
            if itunes is not None:
                entry["itunes_id"] = itunes.app_id
            by_unit[app.unit.index]["apps"].append(entry)
    return {"version": 1, "units": units}


def app_abbreviations(name: str, short: str) -> list[str]:
    rest = name.replace(short, "", 1)
    generic = {"健康码", "警民通"}
    return [rest] if rest != name and len(rest) >= 3 and rest not in generic else []


# --------------------------------------------------------------------------- ground truth
def ground_truth(world: World, web_base_url: str) -> list[dict[str, Any]]:
    """Every planted case (``label: true``) and hard negative (``label: false``)."""
    out: list[dict[str, Any]] = []

    def add(detector: str, subject_type: str, subject_id: str, label: bool, rule: str | None,
            note: str, **extra: Any) -> None:
        row = {"detector": detector, "subject_type": subject_type, "subject_id": subject_id,
               "label": label, "rule": rule, "note": note}
        row.update(extra)
        out.append(row)

    for acc in world.accounts():
        trait = trait_of(acc)
        if trait is None:
            continue
        aid = acc.corpus_id
        if trait in POSITIVE:
            detector, _, rule = POSITIVE[trait]
            if trait in ("zombie", "dormant", "stale"):
                last = world.last_post_time(acc)
                days = (world.now - last).days if last else None
                add(detector, "account", aid, True, rule, f"last post {days} days before now", account_id=aid)
            elif trait == "no_reply":
                add(detector, "account", aid, True, rule, "questions under posts, never an official reply",
                    account_id=aid)
            elif trait == "rude_reply":
                post = world.post_at(acc, 1)
                reply = _first_reply(world, post)
                if reply is not None:
                    add(detector, "comment", reply.corpus_id, True, rule, f"official reply: {reply.text}",
                        account_id=aid, post_id=post.corpus_id)
            elif trait == "hijacked":
                add(detector, "account", aid, True, rule,
                    f"{HIJACK_BURST} marketing/gambling posts in the last days after a normal history",
                    account_id=aid)
                for post in world.posts(acc, 0, HIJACK_BURST):
                    kind = post.planted[0]
                    add("commercial_ad", "post", post.corpus_id, True, kind, post.text, account_id=aid)
                    if kind in ("hijack_gamble", "hijack_porn"):
                        add("sensitive_content", "post", post.corpus_id, True, kind, post.text, account_id=aid)
            elif trait == "bought_followers":
                add(detector, "account", aid, True, rule,
                    f"followers jump on {jump_date(world, acc).date()} without more engagement", account_id=aid)
            elif trait == "off_topic":
                add(detector, "account", aid, True, rule, "about 75% of posts on pets, celebrities, gossip, games",
                    account_id=aid)
            elif trait == "uncertified":
                add(detector, "account", aid, True, rule, "the account is not certified (verified: false)",
                    account_id=aid)
            else:  # post-content traits
                index = _POST_PLANTS[trait][0]
                post = world.post_at(acc, index)
                if post is not None:
                    add(detector, "post", post.corpus_id, True, rule, post.text, account_id=aid,
                        **_evidence(trait, post))
        elif trait in NEGATIVE:
            detector, _, why = NEGATIVE[trait]
            if trait in ("hn_slow", "hn_viral"):
                add(detector, "account", aid, False, None, why, account_id=aid)
            elif trait == "hn_quote":
                post = world.post_at(acc, 1)
                reply = _first_reply(world, post)
                if reply is not None:
                    add(detector, "comment", reply.corpus_id, False, None, why, account_id=aid,
                        post_id=post.corpus_id)
            else:
                post = world.post_at(acc, _POST_PLANTS[trait][0])
                if post is not None:
                    add(detector, "post", post.corpus_id, False, None, why, account_id=aid)
        elif trait == "duplicate":
            twin = next(a for a in world.accounts(acc.platform) if a.unit is acc.unit and a is not acc)
            add("account_registry", "account", aid, True, "duplicate",
                f"second {acc.platform} account of {acc.unit.name} (the other is {twin.corpus_id})",
                account_id=aid, twin=twin.corpus_id)
    for store in world.stores:
        for app in world.apps(store):
            if app.kind == "lookalike":
                add("counterfeit_app", "app", app.corpus_id, True, app.technique,
                    f"{app.name} by {app.developer} imitates {app.imitates}", store=store)
            elif app.kind == "unrelated":
                add("counterfeit_app", "app", app.corpus_id, False, None,
                    f"{app.name}: similar words, no imitation", store=store)
            elif app.official and app.unit is not None:
                add("counterfeit_app", "app", app.corpus_id, False, None, f"official app of {app.unit.name}",
                    store=store)
    base = web_base_url.rstrip("/")
    for page in world.pages():
        url = base + page.path
        pid = "page:" + hashlib.sha1(url.encode("utf-8")).hexdigest()
        if page.injected:
            add("seo_spam", "page", pid, True, ",".join(page.kinds), f"injected: {', '.join(page.kinds)}", url=url)
        elif page.kinds:
            add("seo_spam", "page", pid, False, None, f"hard negative: {', '.join(page.kinds)}", url=url)
    return out


def _first_reply(world: World, post: WPost | None) -> Any:
    if post is None:
        return None
    first = world.comments(post, 0, 1)
    return first[0].replies[0] if first and first[0].replies else None


def _evidence(trait: str, post: WPost) -> dict[str, Any]:
    import re

    if trait == "privacy_leak":
        return {"evidence": re.findall(r"(?<!\d)\d{17}[\dX](?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)", post.text)}
    if trait == "typo":
        return {"evidence": [v for _, v, _ in TYPOS if v in post.text]}
    if trait == "ad_post":
        return {"evidence": re.findall(r"(?:加微信[:：]?\s*)([A-Za-z][A-Za-z0-9_-]{5,19})", post.text)}
    return {}
