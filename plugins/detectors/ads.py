"""``commercial_ad``: commercial advertising and links to shops in what an account publishes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding

from ._base import LexiconDetector, maximal
from ._lexicon import Lexicon
from ._text import (
    domain_matches,
    fields,
    host_of,
    is_account_speech,
    mask_digits,
    match_record,
    sentence,
    span_record,
)


class CommercialAd(LexiconDetector):
    """Ad words together with a private contact (WeChat id, QQ, mobile) or a shop link.

    Ad words alone are not enough (culture and commerce bureaus speak of 优惠 and 消费券), an
    official channel (咨询电话, 12345, 官方公众号, .gov.cn) is not a private contact, and an
    item that warns against the practice (刷单诈骗, 警惕...) is not an ad.
    """

    name = "commercial_ad"
    version = "1.0"
    indicator = "商业广告"
    severity = "high"
    accepts = frozenset({"post", "comment"})
    description = "发布商业广告、联系方式引流或链接至商业网站"

    def _contacts(self, lex: Lexicon) -> list[tuple[str, re.Pattern[str]]]:
        return self.compiled(lex, "contacts", lambda lx: [
            (kind, re.compile(rx)) for kind, rx in (lx.get("contacts") or {}).items()])

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        if not is_account_speech(subject):
            return
        lex = self.lexicon(ctx)
        matcher = self.matcher(lex)
        found = [(name, n, maximal(hits)) for name, n in fields(subject)
                 if (hits := matcher.find(n.text))]
        if not found:
            return
        if any(self.cue_matcher(lex, "warning_frames").find(n.text) for _, n, _ in found):
            return
        notice = any(self.cue_matcher(lex, "notice_frames").find(n.text) for _, n, _ in found)
        channels = self.cue_matcher(lex, "official_channels")
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
        contacts: list[dict[str, Any]] = []
        for name, n in fields(subject):
            channel_hits = None
            for kind, rx in self._contacts(lex):
                for m in rx.finditer(n.text):
                    if channel_hits is None:
                        channel_hits = channels.find(n.text)
                    s, e = sentence(n.text, m.start(), m.end())
                    if any(s <= c.start and c.end <= e for c in channel_hits):
                        continue
                    value = m.group(1)
                    shown = mask_digits(value, 3, 4) if kind == "phone" else value
                    rec = span_record(n, m.start(), m.end(), name, category=f"contact:{kind}",
                                      entry=kind, value=shown)
                    if kind == "phone":
                        rec["text"] = rec["text"].replace(value, shown)
                    contacts.append(rec)
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

    def _links(self, subject: dict[str, Any], lex: Lexicon) -> tuple[list[str], list[str]]:
        shops, others = [], []
        allowed = list(lex.get("allowed_domains") or [])
        shop_domains = [d.split("/")[0] for d in lex.get("shop_domains") or []]
        for url in subject.get("links") or []:
            if not isinstance(url, str):
                continue
            host = host_of(url)
            if not host:
                continue
            if domain_matches(host, shop_domains):
                shops.append(url)
            elif not domain_matches(host, allowed):
                others.append(url)
        return shops, others


DETECTORS = [CommercialAd()]
