"""``commercial_ad``: commercial advertising and links to shops in what an account publishes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider_plugins.detectors import _planted

from ._base import LexiconDetector, maximal, per_lexicon
from ._lexicon import Lexicon
from ._matcher import Matcher, entries_from
from ._model import model_input
from ._text import (
    domain_matches,
    fields,
    host_of,
    is_account_speech,
    mask_digits,
    match_record,
    norm,
    reads_chinese,
    sentence,
    span_record,
)

#: frame sections every item is checked against; the combos add the ones they name
FRAME_SECTIONS = ("warning_frames", "notice_frames")

_NUM = "[0-9零一二两三四五六七八九十百千万]"
#: a price amount: 99元, 9.9 元, 两块, 九块九
_PRICE_RX = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*(?:元|块)|[一二两三四五六七八九十百千]+块")
#: a price with a currency sign (¥ and $ after NFKC of ￥ and ＄)
_PRICE_MARK_RX = re.compile(r"[¥$]\s*[0-9]+(?:\.[0-9]+)?")
#: a Taobao-style share code: ¥AbC123xyz¥, €...€ (letters and digits between two equal signs)
_TKL_RX = re.compile(r"([¥$€₴₳¢₤₲₵₭₮₱₩])(?=[0-9a-z]*[a-z])(?=[0-9a-z]*[0-9])[0-9a-z]{6,14}\1")
#: pay per task or per time: 50元/小时, 一个赞两块钱, 每单5元, 一天200元, 日薪百元
_RATE_RX = re.compile(
    rf"{_NUM}+(?:\.[0-9]+)?\s*(?:元|块)钱?\s*(?:/|每|一)\s*(?:小时|时|单|天|日|个|次|条|赞|件)"
    rf"|(?:一|每)\s*(?:个|单|次|条|小时|天|日)\s*(?:赞|单|任务|视频|评论)?[^，。,.!！?？;；\n]{{0,5}}?"
    rf"{_NUM}+(?:\.[0-9]+)?\s*(?:元|块)"
    rf"|(?:日薪|时薪|日结|日入|日赚|一天赚|每天赚)\s*{_NUM}+")
#: a price per piece of engagement: 粉丝1毛, 评论2毛钱, 1元10个
_UNIT_PRICE_RX = re.compile(rf"{_NUM}+(?:\.[0-9]+)?\s*(?:毛|角)钱?|[0-9]+\s*(?:元|块)钱?\s*{_NUM}+\s*个")
#: points said to expire: 您累计的36280分2月9日作废, 积分将于月底清零
_POINTS_EXPIRE_RX = re.compile(r"积分[^。!！?？;；\n]{0,16}?(?:清零|作废|过期|到期|失效)"
                               r"|(?:累计|剩余|可用|账户|您的|您有)[^。!！?？;；\n]{0,6}?[0-9]+\s*分"
                               r"[^。!！?？;；\n]{0,10}?(?:清零|作废|过期|失效)")
#: a weight-loss claim: 瘦20斤, 瘦了十几斤
_SLIM_RX = re.compile(rf"瘦了?\s*{_NUM}+\s*(?:多|几)?斤")
#: an anchored price: 原价318元，促销价159元; 正常购买298元实际1元
_PRICE_CMP_RX = re.compile(
    r"(?:原价|正常价|正常购买|市场价|专柜价|划线价|日常价|门市价|吊牌价|官方价)[^，。；;!！?？\n]{0,6}?"
    r"[0-9]+(?:\.[0-9]+)?\s*(?:元|块)?[^。；;!！?？\n]{0,30}?"
    r"(?:现价|促销价|活动价|优惠价|特价|实际|到手价?|秒杀价|折后价?|券后价?|仅需|仅售|只要|新客价|团购价|直降)"
    r"[^。；;!！?？\n]{0,4}?[0-9]+")
#: efficacy stated as a number: 年轻1岁, 有效率高达98%, 近百种疾病, 长高5厘米
_CLAIM_NUM_RX = re.compile(
    rf"年轻\s*{_NUM}+\s*岁"
    r"|(?:有效率|治愈率|好转率|康复率|显效率)\s*(?:高达|超过|超)?\s*[0-9]+(?:\.[0-9]+)?\s*%"
    rf"|(?:近|上|数|几)?{_NUM}+(?:多|余)?种(?:疾病|病症|慢性病|病)"
    r"|(?:长高|增高|猛长|窜高)\s*[0-9]+\s*(?:cm|厘米|公分)"
    # a quick result: 仅6小时视力明显改善, 只需7天见效
    rf"|(?:仅|只需|只要|短短)\s*{_NUM}+\s*个?\s*(?:小时|分钟|天|周)[^，。；;!！?？\n]{{0,8}}?"
    r"(?:改善|见效|恢复|消失|好转|变白|瘦)")
#: results promised by a school or course: 提高30分, 录取率98%, 考入清北50人, 985/211/C9 (as
#: words, not inside a phone number)
_EDU_NUM_RX = re.compile(
    rf"提(?:高|升)?\s*{_NUM}+\s*分|(?:录取率|升学率|通过率|一本率|重本率|提分率)\s*(?:高达|达到?|超过?)?"
    r"\s*[0-9]+(?:\.[0-9]+)?\s*%|(?:考入|考上|升入)[^，。；;]{0,10}?[0-9]+\s*(?:人|名)"
    r"|(?<![0-9a-z.\-])(?:985|211|c9)(?![0-9a-z.\-])")
#: returns promised as a number: 毛利100%, 年化12%
_INVEST_NUM_RX = re.compile(
    r"(?:毛利|年化|收益率?|回报率?|利润率?)\s*(?:单利|复利)?\s*(?:高达|达到?|超过?)?\s*[0-9]+(?:\.[0-9]+)?"
    r"\s*%")
#: a lottery sold online (the Ministry of Finance forbids it): 某某彩票官方网站, 彩票app下载
_LOTTERY_SITE_RX = re.compile(r"彩票[^，。；;!！?？\n]{0,8}?(?:官方网站|官网|网站|app|平台|下载)")
#: a congratulation on a business opening, as banners put it: 某某局贺某某中心盛大开业
_CONGRATS_RX = re.compile(r"贺[^，。！？!?；;\n]{2,30}?(?:开业|开张|开盘)")
#: (regex, kind, cheap characters of which one must be in the text, kinds that gate it)
_NUM_CLAIMS = (
    (_CLAIM_NUM_RX, "claim_strong", ("岁", "%", "种", "高", "小时", "分钟", "天", "周"),
     frozenset({"claim_strong", "claim", "claim_soft", "product", "consume", "drug_call"})),
    (_EDU_NUM_RX, "edu_claim", ("分", "%", "人", "名", "985", "211", "c9"),
     frozenset({"edu_claim", "edu_product", "edu_target"})),
    (_INVEST_NUM_RX, "invest_promise", ("%",),
     frozenset({"invest_promise", "invest_core", "stock_call"})),
    (_CONGRATS_RX, "congrats", ("贺",), frozenset({"opening"})),
    (_LOTTERY_SITE_RX, "lottery_site", ("网", "app", "平台", "下载"), frozenset({"lottery"})),
)
#: a business hotline: 400 / 800 numbers are rented by companies (a public service answers on a
#: short number: 12345, 95xxx), so one in a post is a seller's line, counted as ``hotline``
_BIZ_LINE_RX = re.compile(r"(?<![0-9])[48]00[- ]?[0-9]{3}[- ]?[0-9]{4}(?![0-9])")
#: a URL or a bare domain written in the text
_URL_RX = re.compile(r"(?:https?://)?(?:[a-z0-9-]+\.)+(?:com|cn|net|vip|top|xyz|cc|me|app|shop|co|"
                     r"info|io|tv|bet|club|site|online|live|fun|win|link|ink)(?![a-z0-9])"
                     r"(?::[0-9]+)?(?:/[!-~]*)?")
_URL_CUES = ("http", "www", ".com", ".cn", ".net", ".vip", ".top", ".xyz", ".cc", ".app", ".bet",
             ".me", ".shop", ".club", ".site", ".online", ".live", ".win", ".io", ".tv")
_SIGN_CHARS = ("¥", "$", "€")
#: the kinds of the records of :meth:`CommercialAd._contact_records` (private contacts, hotlines)
CONTACT_KINDS = frozenset({"contact", "hotline"})
#: punctuation around a text that is one word (来到我们的直播间！)
_EDGE_PUNCT = " 。!?.,，、~～…"


class CommercialAd(LexiconDetector):
    """Commercial advertising in what an account publishes.

    Two kinds of rule. The original ones: ad words together with a private contact (WeChat id,
    QQ, mobile) or a shop link, or two strong ad words. The combined ones (``combos`` in the
    lexicon): real ads seldom carry a contact, but they put together several *kinds* of signal
    — a price, a call to buy, a shop or share code (e-commerce); a deposit bonus and a casino
    (gambling); a task and its pay (刷单 recruitment); fast, easy credit (loans); an efficacy
    claim and a product (health and beauty). Each single word stays harmless; a finding needs
    enough distinct kinds of one family.

    The families follow what the Advertising Law (广告法) and regulators' case lists name:
    efficacy claims about diseases (the claim beside the disease, the cure verb or how to take
    it: ``disease_claim``), promised results of training and exams (保过, 提分, 录取率:
    ``edu_ad``), game hooks (首充, 送VIP, 私服: ``game_ad``), promised returns of investments,
    franchises, property and stock tips (升值潜力, 年化N%, 开盘直接进: ``invest_ad``), a state
    organ's name lent to a business (特供, 公章, 某局贺某店开业: ``gov_endorse``), and anchored
    prices (原价X元，促销价Y元) and absolute claims (最正宗, 销量第一) in ``ecommerce``. Absolute
    terms piled up or beside a claim, a price or an offer (最完美、最优质、纯天然: ``absolute_claim``),
    guarantees (保证升入, 全额退还学费, 保本保息, 出租皆宜), quick results (仅6小时...改善), and a
    lottery's own site or app (``lottery_site``: selling lottery online is forbidden) extend the
    families; praise that official texts use too (明显改善, 变美, 效果显著: ``claim_soft``) counts
    only beside a product, a way to take it or a remedy, and the talk of live-selling
    (``live_sell``: 拿在手里的, 家人们) only supports a price and a call to buy. Kinds that
    only support a family (a disease, 改善, a state organ, a school) are common in official
    texts: an item with none of a family's own kinds skips the combined rules altogether.

    Ad words alone are not enough (culture and commerce bureaus speak of 优惠 and 消费券), an
    official channel (咨询电话, 12345, 官方公众号, .gov.cn) is not a private contact, an item
    that warns against the practice (刷单诈骗, 警惕, 查处...) is not an ad, and the frames of
    public service (助农, 消费券, 景区门票, 招聘, 贴息贷款, 福利彩票...) excuse their family.
    """

    name = "commercial_ad"
    #: the model learnt Chinese (see :meth:`model_silenced`)
    model_chinese_only = True
    version = "2.3"
    indicator = "商业广告"
    severity = "high"
    scorecard = "ads"
    accepts = frozenset({"post", "comment"})
    description = "发布商业广告、联系方式引流或链接至商业网站"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.COMMERCIAL_AD

    @per_lexicon("contacts")
    def _contacts(self, lex: Lexicon) -> list[tuple[str, re.Pattern[str]]]:
        return [(kind, re.compile(rx)) for kind, rx in (lex.get("contacts") or {}).items()]

    @per_lexicon("terms+signals")
    def _terms(self, lex: Lexicon) -> tuple[Matcher, frozenset[int]]:
        """One automaton over the ad ``terms`` and the combined ``signals`` (one pass over the
        raw hits for both), with ``allow`` + ``signal_allow`` as suppressors, and the ids of
        the signal entries (a term may be both an ad term and a signal: two entries)."""
        signals = entries_from(lex.get("signals"))
        allow = list(lex.get("allow") or []) + list(lex.get("signal_allow") or [])
        return (Matcher(entries_from(lex.get("terms")) + signals
                        + entries_from(allow, kind="allow")),
                frozenset(id(e) for e in signals))

    @per_lexicon("frames")
    def _frames(self, lex: Lexicon) -> Matcher:
        """Every frame section in one automaton, the section name as the category."""
        sections = list(FRAME_SECTIONS)
        for _, spec in self._combos(lex):
            sections += [sec for sec, _ in spec["excused_by"] if sec not in sections]
        sections += [sec for sec in lex.get("model_frames") or () if sec not in sections]
        return Matcher(entries_from({sec: list(lex.get(sec) or []) for sec in sections})
                       + entries_from(list(lex.get("frame_allow") or []), kind="allow"))

    @per_lexicon("triggers")
    def _triggers(self, lex: Lexicon) -> frozenset[str]:
        """Signal kinds that can start a finding: the first ``need`` group of each combo (the
        family's own vocabulary) and the kinds that gate a number pattern yielding one."""
        out: set[str] = set()
        for _, spec in self._combos(lex):
            if spec["need"]:
                out |= spec["need"][0]
            else:
                out |= set(spec["kinds"])
        for _, kind, _, gate in _NUM_CLAIMS:
            if kind in out:
                out |= gate
        return frozenset(out)

    @per_lexicon("combos")
    def _combos(self, lex: Lexicon) -> list[tuple[str, dict[str, Any]]]:
        """The combo rules, ``excused_by`` as ``(frame section, kinds that override it)``."""
        def excuses(spec: dict[str, Any]) -> list[tuple[str, frozenset[str]]]:
            out = []
            for e in spec.get("excused_by") or ():
                if isinstance(e, dict):
                    out.append((str(e["frames"]), frozenset(e.get("unless") or ())))
                else:
                    out.append((str(e), frozenset()))
            return out
        return [(rule, {**spec, "kinds": dict(spec.get("kinds") or {}),
                        "need": [set(g) for g in spec.get("need") or []],
                        "excused_by": excuses(spec)})
                for rule, spec in (lex.get("combos") or {}).items()]

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterable[Finding]:
        if not is_account_speech(subject):
            return ()
        return self.rules_then_model(subject, ctx)

    def model_parts(self, item: dict[str, Any]) -> list[str] | None:
        if not is_account_speech(item):
            return None
        parts = [item.get(f) for f in ("title", "text")]
        return [p for p in parts if isinstance(p, str) and p.strip()] or None

    def _model(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        """The second stage: the text model (``ad_model``) where no rule matched. A frame that
        says the text is not selling keeps it quiet (``model_frames``: a warning about fraud, a
        public notice, a public-interest promotion such as consumption vouchers, a job fair...):
        the model reads the register of selling, not who benefits."""
        judged = self.model_judgement(subject, ctx)
        if judged is None:
            return
        model, score, threshold, parts = judged
        if self.model_silenced(parts, ctx):
            return
        field = "text" if subject.get("text") in parts else "title"
        value = subject.get(field) or parts[0]
        where = "官方回复" if subject.get("item_type") == "comment" else "发布内容"
        reasons = self.model_reasons(score)
        yield self.finding(
            subject=subject, rule="ad_model", ctx=ctx, score=score.probability,
            message=f"{where}疑似商业广告（文本模型判断，概率{score.probability:.2f}"
                    + (f"，主要依据{reasons}" if reasons else "") + "）",
            evidence=self.model_evidence("ad_model", field, value, model, score, threshold))

    def model_silenced(self, parts: list[str], ctx: DetectContext | None) -> bool:
        """Whether the model is kept quiet on these texts: a frame of ``model_frames`` (a
        warning, a public notice, a public-interest promotion, a third-person report...; every
        frame section when the lexicon names none) is in one of them, or they are one signal
        word alone, or casino/bonus talk with no way in, or all of them are in another language.

        The model learnt Chinese: of its 4,606 training texts 9 are in another language (all
        invented notices), while the Latin letters of its Chinese ads (links, WeChat ids, brand
        codes) taught it that Latin letters sell: "hahahaha" read 0.75 and a German police post
        ("Bitte bei der nächsten Polizeidienststelle melden") 0.87. Such a text is left to the
        rules."""
        if super().model_silenced(parts, ctx):
            return True
        lex = self.lexicon(ctx)
        frames = self._frames(lex)
        wanted = self.compiled(lex, "model_frames", lambda lx: frozenset(lx.get("model_frames") or ()))
        if any((not wanted or h.entry.category in wanted)
               for v in parts for h in frames.find(norm(v).text)):
            return True
        return self._one_signal(parts, lex) or self._gambling_without_way_in(parts, lex)

    def _one_signal(self, parts: list[str], lex: Lexicon) -> bool:
        """The text is one signal word and nothing else (来到我们的直播间, 买一送一): one word
        alone finds nothing (the rules' principle), whatever the model makes of it."""
        matcher, signal_ids = self._terms(lex)
        for v in parts:
            t = norm(v).text.strip(_EDGE_PUNCT)
            if not t:
                continue
            if not any(h.start == 0 and h.end == len(t) and id(h.entry) in signal_ids
                       for h in matcher.find(t)):
                return False
        return True

    def _gambling_without_way_in(self, parts: list[str], lex: Lexicon) -> bool:
        """Casino or deposit-bonus talk with no way in (no link, contact or account act): spam
        that ``sensitive_content`` judges, as the ``gambling_bonus`` rule leaves it (its second
        ``need`` group); the model stays quiet on it too (``model_quiet_without_way_in``)."""
        quiet = self.compiled(lex, "model_quiet_without_way_in", lambda lx: (
            frozenset((lx.get("model_quiet_without_way_in") or {}).get("talk") or ()),
            frozenset((lx.get("model_quiet_without_way_in") or {}).get("ways_in") or ())))
        talk, ways_in = quiet
        if not talk:
            return False
        matcher, signal_ids = self._terms(lex)
        kinds: set[str] = set()
        for v in parts:
            t = norm(v).text
            kinds.update(h.entry.category for h in matcher.find(t) if id(h.entry) in signal_ids)
            if any(c in t for c in _URL_CUES) and _URL_RX.search(t):
                return False
            if any(rx.search(t) for _, rx in self._contacts(lex)):
                return False
        return bool(kinds & talk) and not kinds & ways_in

    def ad_likeness(self, texts: list[str], ctx: DetectContext, excuse: bool = True) -> list[float]:
        """How much each text, as a post of an account, reads as an ad to the text model: its
        probability whatever the threshold (one vectorized call), 0.0 when the model is off or
        the text too short to judge, and with ``excuse`` when a frame excuses it.
        ``hijacked_account`` compares recent posts (excused) with the account's past (as they
        read, public-interest promotions included: they are the account's usual level). A text
        that does not :func:`._text.reads_chinese` reads 0.0."""
        model = self.text_model(ctx)
        out = [0.0] * len(texts)
        if model is None:
            return out
        # (its reading of an English or Japanese post is noise: an English insult read 0.86)
        judged = [(i, prepared) for i, t in enumerate(texts)
                  if t and reads_chinese(t)
                  and model.judges(prepared := model_input([t]))]
        for (i, _), p in zip(judged, model.probabilities([x for _, x in judged]), strict=True):
            out[i] = 0.0 if excuse and self.model_silenced([texts[i]], ctx) else p
        return out

    def _rules(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        lex = self.lexicon(ctx)
        matcher, signal_ids = self._terms(lex)
        texts = fields(subject)
        found = []
        signal_hits = []
        for name, n in texts:
            if hits := matcher.find(n.text):
                terms = [h for h in hits if id(h.entry) not in signal_ids]
                if terms:
                    found.append((name, n, maximal(terms)))
                if len(terms) < len(hits):
                    signal_hits.append((name, n, maximal(
                        [h for h in hits if id(h.entry) in signal_ids])))
        if signal_hits and not found:
            # kinds that only support a family (a disease, a state organ's name, 改善...) are
            # frequent in official texts: without a kind some rule needs first, nothing to do
            triggers = self._triggers(lex)
            if not any(h.entry.category in triggers for _, _, hs in signal_hits for h in hs):
                signal_hits = []
        if not found and not signal_hits:
            for _, n in texts:  # a price or a share code with a currency sign
                t = n.text
                if "¥" in t or "$" in t or "€" in t:
                    break
            else:
                return
        frames_matcher = self._frames(lex)
        frames = {h.entry.category for _, n in texts for h in frames_matcher.find(n.text)}
        if "warning_frames" in frames:
            return
        if not found:
            # without an ad term no rule of the first kind holds (each needs strong or weak
            # terms): the combined rules alone, which look for contacts only when a family
            # can still be complete
            yield from self._combined(subject, ctx, lex, texts, signal_hits, frames)
            return
        notice = "notice_frames" in frames
        matches: list[dict[str, Any]] = []
        strong: set[str] = set()
        weak: set[str] = set()
        #: strong only next to a contact or a link (sex-service terms, prize-draw lures): alone
        #: they describe spam, which sensitive_content judges, not an advertisement
        contact_only = set(lex.get("contact_only_categories") or ())
        strong_if_contact: set[str] = set()
        for name, n, hits in found:
            for hit in hits:
                if hit.entry.weight >= 2:
                    (strong_if_contact if hit.entry.category in contact_only else strong).add(hit.entry.term)
                else:
                    weak.add(hit.entry.term)
                matches.append(match_record(n, hit, name))
        contacts, hotlines = self._contact_records(texts, lex)
        shop_links, other_links = self._links(subject, lex)
        has_contact = bool(contacts) or bool(shop_links)
        t = lex.threshold
        rule = None
        if len(strong | strong_if_contact) >= int(t("min_strong_with_contact", ctx) or 1) and (
                has_contact or other_links):
            rule = "ad_with_contact" if has_contact else "ad_with_link"
        elif len(strong) >= int(t("min_strong_alone", ctx) or 2):
            rule = "ad_terms"
        elif not notice and len(weak) >= int(t("min_weak_with_contact", ctx) or 2) and has_contact:
            rule = "ad_with_contact"
        if rule is None:
            yield from self._combined(subject, ctx, lex, texts, signal_hits, frames,
                                      (contacts, hotlines, shop_links, other_links))
            return
        terms = "、".join(f"“{m['text']}”" for m in matches[:3])
        extra = ""
        if contacts:
            extra = f"，并留有联系方式“{contacts[0]['value']}”"
        elif shop_links or other_links:
            extra = f"，并链接至“{host_of((shop_links or other_links)[0])}”"
        where = "官方回复" if subject.get("item_type") == "comment" else "发布内容"
        score = min(1.0, 0.5 + 0.2 * len(strong) + 0.1 * len(weak) + (0.2 if has_contact else 0))
        yield self.finding(
            subject=subject, rule=rule, ctx=ctx, score=score,
            message=f"{where}疑似商业广告：出现{terms}{extra}",
            evidence=self.evidence(lex, rule, matches + contacts,
                                   links=shop_links + other_links))

    def _contact_records(self, texts: list, lex: Lexicon,
                         ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The private contacts of the item's texts, and the numbers given as a hotline (a
        phone number in a sentence with an official channel: 咨询热线...)."""
        channels = self.cue_matcher(lex, "official_channels", private=True)  # asked for contacts only
        contacts: list[dict[str, Any]] = []
        hotlines: list[dict[str, Any]] = []
        for name, n in texts:
            channel_hits = None
            for kind, rx in self._contacts(lex):
                for m in rx.finditer(n.text):
                    if channel_hits is None:
                        channel_hits = channels.find(n.text)
                    s, e = sentence(n.text, m.start(), m.end())
                    # a channel in the sentence, not inside the number itself (12345 in a QQ id)
                    official = any(s <= c.start and c.end <= e and not (
                        m.start() <= c.start and c.end <= m.end()) for c in channel_hits)
                    if official and kind != "phone":
                        continue
                    value = m.group(1)
                    shown = mask_digits(value, 3, 4) if kind == "phone" else value
                    rec = span_record(n, m.start(), m.end(), name, category=f"contact:{kind}",
                                      entry=kind, value=shown)
                    if kind == "phone":
                        rec["text"] = rec["text"].replace(value, shown)
                    (hotlines if official else contacts).append(rec)
        return contacts, hotlines

    def _combined(self, subject: dict[str, Any], ctx: DetectContext, lex: Lexicon,
                  texts: list, signal_hits: list, frames: set[str],
                  ways_in: tuple | None = None) -> Iterator[Finding]:
        """The combo rules: enough distinct signal kinds of one family (see ``combos``).
        ``ways_in``: the item's ``(contacts, hotlines, shop_links, other_links)`` when the
        caller has them; else they are looked up here, the contacts only when some family can
        still be complete with their kinds (``CONTACT_KINDS``)."""
        # kind -> {distinct term: evidence record}
        kinds: dict[str, dict[str, dict[str, Any]]] = {}

        def add(kind: str, term: str, rec: dict[str, Any]) -> None:
            kinds.setdefault(kind, {}).setdefault(term, rec)

        for name, n, hits in signal_hits:
            for hit in hits:
                add(hit.entry.category, hit.entry.term, match_record(n, hit, name))
        job = bool(kinds.keys() & {"task_strong", "task", "pay_strong", "pay", "contact_call"})
        for name, n in texts:
            t = n.text
            if any(c in t for c in _SIGN_CHARS):
                for rx, kind in ((_PRICE_MARK_RX, "price_mark"), (_TKL_RX, "shop")):
                    m = rx.search(t)
                    if m:
                        add(kind, m.group(0), span_record(n, m.start(), m.end(), name,
                                                          category=kind, entry=kind))
            if not kinds:
                continue
            if "price" not in kinds and ("元" in t or "块" in t):
                m = _PRICE_RX.search(t)
                if m:
                    add("price", m.group(0), span_record(n, m.start(), m.end(), name,
                                                         category="price", entry="amount"))
            if "价" in t or "购买" in t:
                m = _PRICE_CMP_RX.search(t)
                if m:
                    add("price_compare", m.group(0), span_record(
                        n, m.start(), m.end(), name, category="price_compare", entry="anchored"))
            for rx, kind, cues, gate in _NUM_CLAIMS:
                if gate.isdisjoint(kinds) or not any(c in t for c in cues):
                    continue
                for m in rx.finditer(t):
                    add(kind, m.group(0), span_record(n, m.start(), m.end(), name, category=kind,
                                                      entry="number"))
            if "瘦" in t and "斤" in t:
                m = _SLIM_RX.search(t)
                if m:
                    add("claim_strong", m.group(0), span_record(
                        n, m.start(), m.end(), name, category="claim_strong", entry="slim"))
            if "points_redeem" in kinds and "分" in t:
                m = _POINTS_EXPIRE_RX.search(t)
                if m:
                    add("points_expire", m.group(0), span_record(n, m.start(), m.end(), name,
                                                                 category="points_expire", entry="points"))
            if "engage" in kinds or "engage_sell" in kinds:
                m = _UNIT_PRICE_RX.search(t)
                if m:
                    add("unit_price", m.group(0), span_record(n, m.start(), m.end(), name,
                                                              category="unit_price", entry="unit_price"))
            if job:
                m = _RATE_RX.search(t)
                if m:
                    add("rate", m.group(0), span_record(n, m.start(), m.end(), name,
                                                        category="rate", entry="rate"))
            if "00" in t:
                m = _BIZ_LINE_RX.search(t)
                if m:
                    add("hotline", m.group(0), span_record(n, m.start(), m.end(), name,
                                                           category="hotline", entry="400/800"))
            if any(c in t for c in _URL_CUES):
                for m in _URL_RX.finditer(t):
                    host = host_of(m.group(0))
                    kind = self._link_kind(host, lex)
                    if kind:  # a shop URL written out is a link to a shop: both kinds
                        rec = span_record(n, m.start(), m.end(), name, category=kind,
                                          entry="url", url=m.group(0))
                        add(kind, host, rec)
                        if kind == "shop":
                            add("link", host, rec)
        if not kinds:
            return
        if ways_in is None:
            shop_links, other_links = self._links(subject, lex)
        else:
            contacts, hotlines, shop_links, other_links = ways_in
        for url in shop_links:
            add("shop", host_of(url), {"url": url, "category": "shop", "entry": "shop_link"})
        for url in other_links:
            add("link", host_of(url), {"url": url, "category": "link", "entry": "link"})
        if ways_in is None:
            if not self._completable(lex, kinds.keys() | CONTACT_KINDS):
                return
            contacts, hotlines = self._contact_records(texts, lex)
        for rec in contacts:
            add("contact", rec["value"], rec)
        for rec in hotlines:
            add("hotline", rec["value"], rec)
        if "shop" in kinds:  # a shop named twice is one signal
            kinds.pop("shop_weak", None)
        t = lex.threshold
        best: tuple[float, str, dict[str, Any], list[str]] | None = None
        unexcused = any(k in kinds for k in lex.get("excuse_unless") or ())
        for rule, spec in self._combos(lex):
            # the cheap set tests first: most items meet no family's vocabulary
            weights = spec["kinds"]
            present = _present(spec, kinds)
            if present is None:
                continue
            if not unexcused and any(sec in frames and not unless.intersection(kinds)
                                     for sec, unless in spec["excused_by"]):
                continue
            if len(present) < int(t(f"{rule}_min_kinds", ctx) or spec.get("min_kinds") or 2):
                continue
            cap = int(spec.get("cap") or 1)
            score = sum(weights[k] * min(len(kinds[k]), cap) for k in present)
            if score < float(t(f"{rule}_min_score", ctx) or spec.get("min_score") or 3):
                continue
            if best is None or score > best[0]:
                best = (score, rule, spec, present)
        if best is not None:
            score, rule, spec, present = best
            weights = spec["kinds"]
            labels = lex.get("kind_labels") or {}
            present.sort(key=lambda k: -weights[k])
            shown = []
            for k in present:
                first = next(iter(kinds[k].values()))
                what = first.get("text") or host_of(first.get("url", "")) or first.get("value", "")
                if k == "contact":
                    what = first.get("value", what)
                shown.append(f"{labels.get(k, k)}“{what}”")
            where = "官方回复" if subject.get("item_type") == "comment" else "发布内容"
            matches = [rec for k in present for rec in kinds[k].values() if "span" in rec]
            links = [rec["url"] for k in present for rec in kinds[k].values() if "url" in rec]
            yield self.finding(
                subject=subject, rule=rule, ctx=ctx, score=min(1.0, 0.3 + 0.1 * score),
                message=(f"{where}疑似商业广告（{spec.get('label') or rule}）：同时出现"
                         f"{'、'.join(shown)}等{len(present)}类信号"),
                evidence=self.evidence(lex, rule, matches, links=links,
                                       signals=sorted(present), signal_score=score))

    def _completable(self, lex: Lexicon, kinds: set[str]) -> bool:
        """Whether ``kinds`` meet every ``need`` group of some combo (see :func:`_present`).
        Only the combos with one of ``kinds`` in their first group (among all their kinds when
        they have no ``need``) are asked."""
        def build(lx: Lexicon) -> dict[str, list[int]]:
            index: dict[str, list[int]] = {}
            for i, (_, spec) in enumerate(self._combos(lx)):
                for k in spec["kinds"]:
                    if not spec["need"] or k in spec["need"][0]:
                        index.setdefault(k, []).append(i)
            return index
        index = self.compiled(lex, "combos_by_kind", build)
        combos = self._combos(lex)
        asked = {i for k in kinds for i in index.get(k, ())}
        return any(_present(combos[i][1], kinds) is not None for i in asked)

    def _link_kind(self, host: str, lex: Lexicon) -> str | None:
        """``shop`` for a shop domain, ``link`` for any other not allowed one, else None."""
        shops, allowed = self.compiled(lex, "link_domains", lambda lx: (
            [d.split("/")[0] for d in lx.get("shop_domains") or []],
            list(lx.get("allowed_domains") or [])))
        if not host:
            return None
        if domain_matches(host, shops):
            return "shop"
        return None if domain_matches(host, allowed) else "link"

    def _links(self, subject: dict[str, Any], lex: Lexicon) -> tuple[list[str], list[str]]:
        """The item's ``links`` to shops and to other sites not allowed (see :meth:`_link_kind`)."""
        shops, others = [], []
        for url in subject.get("links") or ():
            if isinstance(url, str):
                kind = self._link_kind(host_of(url), lex)
                if kind == "shop":
                    shops.append(url)
                elif kind == "link":
                    others.append(url)
        return shops, others


def _present(spec: dict[str, Any], kinds: Any) -> list[str] | None:
    """The kinds of a combo found among ``kinds`` (in the combo's order) when they meet each of
    its ``need`` groups, else None. Fewer kinds never meet more: a combo that ``kinds`` and
    those still to come cannot complete is decided without the latter."""
    present = [k for k in spec["kinds"] if k in kinds]
    if not present or not all(g.intersection(present) for g in spec["need"]):
        return None
    return present


DETECTORS = [CommercialAd()]
