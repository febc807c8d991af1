"""``seo_spam``: injected content on web pages (暗链, 黑链, hijacked titles, cloned pages).

Works on a page's ``raw_html`` (lxml). Rules, each its own finding:

* ``hidden_links``: a hidden container (display:none, visibility:hidden, font-size:0, far
  negative offsets, zero size with overflow hidden, opacity:0, tiny marquee, a class or id
  hidden by the page's own ``<style>``, script ``document.write``) holding off-site links to
  non-allowlisted domains or spam terms. ``display:none`` around the site's own menu is fine.
* ``title_hijack``: spam terms in ``<title>`` or meta keywords/description.
* ``keyword_block``: several distinct spam terms in the top or bottom block of the page text,
  unless the page reports enforcement (打击赌博...).
* ``spam_link``: a visible link to a non-allowlisted domain with a spam anchor or host.
* ``clone_artifact``: several ``汉字(pinyin)`` artifacts of a page-cloning tool (``發(fā)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import lxml.html

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider.textnorm import pinyin_artifacts

from ._base import LexiconDetector
from ._lexicon import Lexicon
from ._text import domain_matches, host_of, norm, quote_short

_STYLE_RULE_RE = re.compile(r"([^{}]+)\{([^}]*)\}")
_SIMPLE_SEL_RE = re.compile(r"^\s*([.#][\w-]+)\s*$")
_NEG_RE = re.compile(r"(?:^|;)(?:left|top|text-indent|margin-left|margin-top):-(\d+)")
_HREF_RE = re.compile(r"""href\s*=\s*\\?["']?(https?://[^"'\\\s>]+)""", re.I)
_SKIP = {"script", "style", "noscript", "template"}


def hiding_style(style: str, min_offset: int) -> str | None:
    """Why a CSS declaration block hides its element, or ``None``."""
    s = style.lower().replace(" ", "").replace("\n", "").replace("\t", "")
    if not s:
        return None
    if "display:none" in s:
        return "display:none"
    if "visibility:hidden" in s:
        return "visibility:hidden"
    if re.search(r"font-size:0(?:\.0+)?(?:px|pt|em|rem|%)?(?:;|!|$)", s) or re.search(
            r"font-size:[01](?:\.\d+)?px", s):
        return "font-size:0"
    m = _NEG_RE.search(s)
    if m and int(m.group(1)) >= min_offset:
        return "negative-offset"
    if "overflow:hidden" in s and re.search(r"(?:^|;)(?:height|width):0(?:px)?(?:;|$)", s):
        return "zero-size"
    if re.search(r"(?:^|;)opacity:0(?:\.0+)?(?:;|$)", s):
        return "opacity:0"
    return None


class SeoSpam(LexiconDetector):
    """Injected spam on a government web page (see the module docstring for the rules)."""

    name = "seo_spam"
    version = "1.0"
    indicator = "网页暗链黑链"
    severity = "high"
    accepts = frozenset({"page"})
    description = "网页被植入隐藏链接、博彩色情关键词或克隆页面痕迹"

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        raw = subject.get("raw_html")
        lex = self.lexicon(ctx)
        url = subject.get("url") or ""
        allowed = self._allowed(lex, url, ctx)
        if not raw:
            yield from self._from_links(subject, lex, allowed, ctx)
            return
        try:
            root = lxml.html.document_fromstring(raw)
        except (ValueError, lxml.etree.ParserError):
            return
        t = lambda key, default: lex.threshold(key, ctx) or default  # noqa: E731
        spam = self.matcher(lex)
        hidden_css = _hidden_selectors(root, int(t("min_negative_offset", 500)))
        # 1. hidden containers
        hidden_ev: list[dict[str, Any]] = []
        for el, why in _hidden_elements(root, hidden_css, int(t("min_negative_offset", 500))):
            links = [h for h in _hrefs(el, url) if not domain_matches(host_of(h), allowed)]
            text = el.text_content() if el.tag != "script" else el.text or ""
            n = norm(text)
            hits = spam.find(n.text)
            if el.tag == "script":
                links = [h for h in _HREF_RE.findall(text) if not domain_matches(host_of(h), allowed)]
            if len(set(links)) >= int(t("min_hidden_links", 2)) or (hits and (links or text.strip())):
                hidden_ev.append({"why": why, "tag": el.tag, "links": sorted(set(links))[:20],
                                  "terms": sorted({h.entry.term for h in hits}),
                                  "text": quote_short(text, 80)})
        if hidden_ev:
            first = hidden_ev[0]
            what = f"{len(first['links'])}个外部链接" if first["links"] else "垃圾关键词"
            yield self.finding(
                subject=subject, rule="hidden_links", ctx=ctx, score=1.0,
                message=f"网页存在隐藏区域（{first['why']}）植入{what}，疑似暗链",
                evidence=self.evidence(lex, "hidden_links", [], containers=hidden_ev[:10]))
        # 2. title / meta
        head_texts = [("title", root.findtext(".//title") or "")]
        for meta in root.iter("meta"):
            if (meta.get("name") or "").lower() in ("keywords", "description"):
                head_texts.append((f"meta:{meta.get('name').lower()}", meta.get("content") or ""))
        frames = self.cue_matcher(lex, "enforcement_frames")
        head_matches = []
        for where, text in head_texts:
            n = norm(text)
            hits = spam.find(n.text)
            if hits and not frames.find(n.text):
                head_matches += [{"text": n.original_text(h.start, h.end),
                                  "span": list(n.span_to_original(h.start, h.end)),
                                  "field": where, "entry": h.entry.term,
                                  "category": h.entry.category} for h in hits]
        if head_matches:
            yield self.finding(
                subject=subject, rule="title_hijack", ctx=ctx, score=1.0,
                message=f"网页标题或关键词被篡改，出现“{head_matches[0]['text']}”等垃圾关键词",
                evidence=self.evidence(lex, "title_hijack", head_matches))
        # 3. keyword blocks at the top or bottom of the visible text
        body = root.find("body")
        visible = _visible_text(body if body is not None else root, hidden_css,
                                int(t("min_negative_offset", 500)))
        nv = norm(visible)
        if not frames.find(nv.text):
            size = int(t("block_chars", 400))
            for where, (a, b) in (("top", (0, size)), ("bottom", (max(0, len(nv.text) - size),
                                                                   len(nv.text)))):
                hits = [h for h in spam.find(nv.text[a:b])]
                terms = {h.entry.term for h in hits}
                if len(terms) >= int(t("min_block_terms", 3)):
                    yield self.finding(
                        subject=subject, rule="keyword_block", ctx=ctx, score=0.9,
                        message=f"网页{'顶部' if where == 'top' else '底部'}出现博彩色情等关键词堆砌："
                                + "、".join(sorted(terms)[:5]),
                        evidence=self.evidence(lex, "keyword_block", [
                            {"text": nv.original_text(a + h.start, a + h.end),
                             "span": list(nv.span_to_original(a + h.start, a + h.end)),
                             "field": "text", "entry": h.entry.term, "category": h.entry.category}
                            for h in hits], block=where))
                    break
        # 4. visible spam links
        bad_words = [str(w) for w in lex.get("bad_host_words") or []]
        spam_links = []
        for a in root.iter("a"):
            href = urljoin(url, a.get("href") or "") if a.get("href") else ""
            host = host_of(href) if href.startswith("http") else ""
            if not host or domain_matches(host, allowed):
                continue
            anchor = norm(a.text_content())
            if spam.find(anchor.text) or any(w in host for w in bad_words):
                spam_links.append({"href": href, "text": quote_short(anchor.original, 40)})
        if spam_links and not hidden_ev:
            yield self.finding(
                subject=subject, rule="spam_link", ctx=ctx, score=0.9,
                message=f"网页链接至非白名单的可疑网站“{host_of(spam_links[0]['href'])}”",
                evidence=self.evidence(lex, "spam_link", [], links=spam_links[:20]))
        # 5. clone artifact
        page_text = root.text_content().replace("（", "(").replace("）", ")")
        artifacts = pinyin_artifacts(page_text)
        if len(artifacts) >= int(t("min_artifacts", 2)):
            yield self.finding(
                subject=subject, rule="clone_artifact", ctx=ctx, score=0.8,
                message=f"网页出现{len(artifacts)}处“汉字(拼音)”克隆痕迹（如“"
                        f"{page_text[artifacts[0][0] - 1:artifacts[0][1]]}”），疑似被镜像克隆",
                evidence=self.evidence(lex, "clone_artifact", [
                    {"text": page_text[a - 1:b], "span": [a - 1, b], "field": "page_text",
                     "entry": "汉字(pinyin)", "category": "clone_artifact"}
                    for a, b in artifacts[:10]], count=len(artifacts)))

    def _allowed(self, lex: Lexicon, url: str, ctx: DetectContext) -> list[str]:
        allowed = [str(d) for d in lex.get("allowed_domains") or []]
        allowed += [str(d) for d in ctx.setting(self.name, "allowed_domains", []) or []]
        host = host_of(url)
        if host:
            parts = host.split(".")
            keep = 3 if host.endswith((".gov.cn", ".com.cn", ".org.cn", ".edu.cn")) else 2
            allowed.append(".".join(parts[-keep:]))
        return allowed

    def _from_links(self, subject: dict[str, Any], lex: Lexicon, allowed: list[str],
                    ctx: DetectContext) -> Iterator[Finding]:
        """Without raw HTML: the crawler's ``links`` with their ``hidden`` flag."""
        links = [lk for lk in subject.get("links") or [] if isinstance(lk, dict)]
        spam = self.matcher(lex)
        hidden = [lk for lk in links if lk.get("hidden") and lk.get("href", "").startswith("http")
                  and not domain_matches(host_of(lk["href"]), allowed)]
        if len(hidden) >= int(lex.threshold("min_hidden_links", ctx) or 2) or any(
                spam.find(norm(lk.get("text") or "").text) for lk in hidden):
            yield self.finding(
                subject=subject, rule="hidden_links", ctx=ctx, score=0.9,
                message=f"网页存在{len(hidden)}个隐藏的外部链接，疑似暗链",
                evidence=self.evidence(lex, "hidden_links", [], links=hidden[:20]))


def _hidden_selectors(root: Any, min_offset: int) -> set[str]:
    out: set[str] = set()
    for style in root.iter("style"):
        css = re.sub(r"/\*.*?\*/", "", style.text or "", flags=re.S)
        for selectors, decl in _STYLE_RULE_RE.findall(css):
            if hiding_style(decl, min_offset):
                for sel in selectors.split(","):
                    m = _SIMPLE_SEL_RE.match(sel)
                    if m:
                        out.add(m.group(1))
    return out


def _why_hidden(el: Any, hidden_css: set[str], min_offset: int) -> str | None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("head", "title", "meta", "link", "style", "template", "noscript"):
        return None
    if tag == "script":
        text = el.text or ""
        return "document.write" if "document.write" in text and "<a" in text.lower() else None
    why = hiding_style(el.get("style") or "", min_offset)
    if why:
        return why
    if el.get("hidden") is not None:
        return "hidden"
    if hidden_css:
        if el.get("id") and f"#{el.get('id')}" in hidden_css:
            return "css:#" + el.get("id")
        for cls in (el.get("class") or "").split():
            if f".{cls}" in hidden_css:
                return "css:." + cls
    if tag == "marquee":
        for attr in ("height", "width"):
            value = (el.get(attr) or "").strip().rstrip("px")
            if value.isdigit() and int(value) <= 5:
                return "tiny-marquee"
        amount = (el.get("scrollamount") or "").strip()
        if amount.isdigit() and int(amount) >= 500:
            return "fast-marquee"
    return None


def _hidden_elements(root: Any, hidden_css: set[str], min_offset: int) -> Iterator[tuple[Any, str]]:
    """Outermost hidden elements."""
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        why = _why_hidden(el, hidden_css, min_offset)
        if why:
            yield el, why
            continue
        stack.extend(reversed(list(el)))


def _hrefs(el: Any, base: str) -> list[str]:
    out = []
    for a in el.iter("a"):
        href = a.get("href")
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            full = urljoin(base, href) if base else href
            if full.startswith("http"):
                out.append(full)
    return out


def _visible_text(root: Any, hidden_css: set[str], min_offset: int) -> str:
    parts: list[str] = []

    def walk(el: Any) -> None:
        if isinstance(el.tag, str) and el.tag not in _SKIP and not _why_hidden(
                el, hidden_css, min_offset):
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return " ".join(" ".join(parts).split())


DETECTORS = [SeoSpam()]
