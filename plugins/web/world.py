"""Government websites in the sandbox world, some pages with injected spam (暗链 / 黑链).

Each unit has a small site under ``/gov/<unit code>/``: ``index.html`` and two articles
(``art/1.html``, ``art/2.html``). The kinds of planted pages come from the detectors' ``page``
declarations (``govspider.sandbox.cases``); this world knows how to render these:

* ``hidden_links``: a ``display:none`` div of gambling links
* ``offscreen_links``: links moved off screen (``position:absolute; left:-9999px``)
* ``marquee``: a 1-pixel ``<marquee>`` of links
* ``keyword_block``: a visible block stuffed with porn / gambling keywords and links
* ``pinyin_artifact``: text cloned from a pinyin-annotated source, e.g. ``發(fā)布``

and these look-alikes: ``hn_menu`` (a hidden mobile menu of the site's own links),
``hn_skiplink`` (an off-screen "skip to content" anchor), ``hn_antigambling`` (an article on
fighting online gambling).
"""

from __future__ import annotations

import functools
import html as htmlmod
import logging
from typing import TYPE_CHECKING

from govspider.sandbox import text
from govspider.sandbox.entities import WPage
from govspider.sandbox.platforms import SiteWorld
from govspider.sandbox.seeded import rng_for
from govspider_plugins.web.pages import page_id

if TYPE_CHECKING:
    from govspider.sandbox.world import World

logger = logging.getLogger(__name__)

#: page kinds this world renders: injected content, and hard negatives that look alike
INJECTED = ("hidden_links", "offscreen_links", "marquee", "keyword_block", "pinyin_artifact")
NEGATIVES = ("hn_menu", "hn_skiplink", "hn_antigambling")
KINDS = INJECTED + NEGATIVES
#: page of the site each kind lives on
_WHERE = {"pinyin_artifact": "art/1.html", "hn_antigambling": "art/2.html"}
_SPAM_LINKS = (
    ("澳门新葡京娱乐城", "http://www.xpj{n}-yule.com/"), ("百家乐在线", "http://bjl{n}.bet-vip.cc/"),
    ("真人网上赌场", "http://www.zr{n}casino.top/"), ("六合彩开奖结果", "http://lhc{n}.kj-88.net/"),
    ("时时彩计划", "http://ssc{n}.cp-app.vip/"), ("皇冠体育投注", "http://hg{n}.tz-sport.cc/"),
    ("成人影院", "http://av{n}.xx-video.top/"), ("同城约炮", "http://yp{n}.love-city.cc/"),
)
_SPAM_WORDS = ("澳门赌场", "网上赌博", "百家乐", "六合彩", "彩票网投", "成人视频", "色情直播", "裸聊", "AV在线", "博彩平台")
#: characters of the clone artifact "汉字(pinyin)"
_ARTIFACT = (("發", "fā"), ("關", "guān"), ("於", "yú"), ("進", "jìn"), ("動", "dòng"), ("會", "huì"),
             ("員", "yuán"), ("這", "zhè"))


def _assign(world: World, kinds: list[str]) -> dict[int, tuple[str, ...]]:
    """Unit index -> page kinds (one kind per unit; every kind at least once)."""
    r = rng_for(world.seed, "pages")
    order = list(range(len(world.units)))
    r.shuffle(order)
    per = max(1, round(len(world.units) * 4 / 1000))
    out: dict[int, tuple[str, ...]] = {}
    i = 0
    for kind in kinds:
        for _ in range(per):
            if i < len(order):
                out[order[i]] = (kind,)
                i += 1
    return out


def build_pages(world: World, kinds: list[tuple[str, bool]]) -> list[WPage]:
    """Every page of every unit site (HTML is rendered lazily on ``page.html``); ``kinds``: the
    planted kinds, in order, each with its label (injected or a hard negative)."""
    assigned = _assign(world, [k for k, _ in kinds])
    injected_kinds = {k for k, label in kinds if label}
    render = functools.partial(_render, world)
    pages: list[WPage] = []
    for unit in world.units:
        kinds = assigned.get(unit.index, ())
        base = f"/gov/{unit.code}/"
        for rel in ("index.html", "art/1.html", "art/2.html"):
            here = tuple(k for k in kinds if _WHERE.get(k, "index.html") == rel)
            r = rng_for(world.seed, "pagetitle", unit.index, rel)
            ctx = {"r": unit.short, "full": unit.region_name, "org": unit.name, "year": str(world.now.year),
                   "date": f"{world.now.month}月{max(1, world.now.day - 3)}日"}
            if rel == "index.html":
                title = f"{unit.name}门户网站"
            elif "hn_antigambling" in here:
                title = f"{unit.short}开展打击整治网络赌博违法犯罪专项行动"
            else:
                title = text.gov_title(r, unit.duty, ctx)
            pages.append(WPage(path=base + rel, title=title, unit=unit,
                               injected=any(k in injected_kinds for k in here), kinds=here, render=render))
    return pages


def _render(world: World, page: WPage) -> str:
    unit = page.unit
    r = rng_for(world.seed, "page", page.path)
    ctx = {"r": unit.short, "full": unit.region_name, "org": unit.name, "year": str(world.now.year),
           "date": f"{world.now.month}月{max(1, world.now.day - 3)}日"}
    esc = htmlmod.escape
    nav = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in (
        ("index.html", "首页"), ("art/1.html", "政务公开"), ("art/2.html", "新闻动态"),
        ("index.html#hd", "互动交流"), ("index.html#fw", "政务服务")))
    if page.path.endswith("index.html"):
        prefix = ""
        items = []
        for n in (1, 2):
            other = world.page(page.path.replace("index.html", f"art/{n}.html"))
            items.append(f'<li><a href="art/{n}.html">{esc(other.title if other else "新闻")}</a>'
                         f'<span class="date">{world.now.year}-{world.now.month:02d}-{max(1, world.now.day - n):02d}</span></li>')
        body = (f'<div class="news"><h2>要闻动态</h2><ul>{"".join(items)}</ul></div>'
                f'<div class="notice"><h2>通知公告</h2><p>{esc(text.gov_sentences(r, unit.duty, ctx, 2)[0])}</p></div>'
                '<div class="links"><h2>友情链接</h2><a href="https://www.gov.cn/">中国政府网</a> '
                f'<a href="https://www.{unit.slug}.gov.cn/">{esc(unit.region_name)}人民政府</a></div>')
    else:
        prefix = "../"
        if "hn_antigambling" in page.kinds:
            paras = [f"{ctx['date']}，{unit.short}召开打击整治网络赌博违法犯罪工作会议，部署开展专项行动。",
                     "会议要求，要依法严厉打击网络赌博、跨境赌博及为其提供支付结算、推广引流等违法犯罪活动，"
                     "坚决斩断利益链条。", "广大群众如发现涉赌线索，请拨打110或通过官方渠道举报。"]
        else:
            paras = text.gov_sentences(r, unit.duty, ctx, r.randint(4, 7))
        if "pinyin_artifact" in page.kinds:
            paras = [_artifact(p, r) for p in paras]
            paras.append(_artifact("本站發布的信息關於民生服務", r) + "，歡迎進一步關注。")
        body = (f'<div class="article"><h1>{esc(page.title)}</h1>'
                f'<div class="info">来源：{esc(unit.name)}　发布时间：{world.now.year}-{world.now.month:02d}-{max(1, world.now.day - 3):02d}</div>'
                + "".join(f"<p>{esc(p)}</p>" for p in paras) + "</div>")
        nav = nav.replace('href="', f'href="{prefix}')
    injected = _injection(page.kinds, r, prefix)
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(page.title)}</title>"
        f'<meta name="SiteName" content="{esc(unit.name)}"><meta name="SiteDomain" content="www.{unit.slug}.gov.cn">'
        f'<meta name="SiteIDCode" content="{unit.region}00{unit.index % 100:02d}">'
        '<style>body{font-family:sans-serif}.nav li{display:inline;margin:0 8px}.mobile-menu{display:none}'
        '.skip{position:absolute;left:-9999px}</style></head><body>'
        f'{injected.get("top", "")}'
        f'<div class="header"><h1 class="site-name">{esc(unit.name)}</h1></div>'
        f'<ul class="nav">{nav}</ul>{body}{injected.get("bottom", "")}'
        f'<div class="footer"><p>主办单位：{esc(unit.name)}　网站标识码：{unit.region}00{unit.index % 100:02d}</p>'
        f'<p>{esc(unit.province)}ICP备{10_000_000 + unit.index * 37:08d}号</p></div>'
        "</body></html>\n")


def _artifact(sentence: str, r) -> str:  # noqa: ANN001
    out = []
    for ch in sentence:
        trad = {"发": "發", "关": "關", "于": "於", "进": "進", "动": "動", "会": "會", "员": "員", "这": "這"}.get(ch, ch)
        pin = dict(_ARTIFACT).get(trad)
        out.append(f"{trad}({pin})" if pin else trad)
    return "".join(out)


def _links(r, count: int) -> str:  # noqa: ANN001
    picks = r.sample(_SPAM_LINKS, k=min(count, len(_SPAM_LINKS)))
    return "".join(f'<a href="{href.format(n=r.randint(1, 999))}">{label}</a>' for label, href in picks)


def _injection(kinds: tuple[str, ...], r, prefix: str) -> dict[str, str]:  # noqa: ANN001
    out: dict[str, str] = {}
    for kind in kinds:
        if kind == "hidden_links":
            out["top"] = f'<div style="display:none">{_links(r, 6)}</div>'
        elif kind == "offscreen_links":
            out["bottom"] = f'<div style="position:absolute;left:-9999px;top:-9999px;">{_links(r, 5)}</div>'
        elif kind == "marquee":
            out["bottom"] = f'<marquee height="1" width="1" scrollamount="3000" scrolldelay="20000">{_links(r, 5)}</marquee>'
        elif kind == "keyword_block":
            words = "　".join(r.sample(_SPAM_WORDS, k=8))
            out["bottom"] = f'<div class="tags"><p>热门搜索：{words}</p>{_links(r, 4)}</div>'
        elif kind == "hn_menu":
            out["top"] = (f'<div class="mobile-menu" style="display:none"><a href="{prefix}index.html">首页</a>'
                          f'<a href="{prefix}art/1.html">政务公开</a><a href="{prefix}art/2.html">新闻动态</a></div>')
        elif kind == "hn_skiplink":
            out["top"] = '<a class="skip" href="#main" style="position:absolute;left:-9999px">跳转到主要内容</a>'
    return out


class WebWorld(SiteWorld):
    """Every unit's website (served under ``/web``)."""

    name = "web"
    order = 90
    base_urls = {"WEB_BASE_URL": "/web"}

    def build(self) -> list[WPage]:
        kinds: list[tuple[str, bool]] = []
        for case in self.world.cases:
            if case.subject != "page":
                continue
            if case.case in KINDS:
                kinds.append((case.case, case.label))
            else:
                logger.warning("planted page kind %r of %s: this sandbox cannot render it",
                               case.case, case.detector)
        return build_pages(self.world, kinds)

    def page_corpus_id(self, url: str) -> str:
        return page_id(url)


__all__ = ["WebWorld", "build_pages", "KINDS", "INJECTED", "NEGATIVES"]
