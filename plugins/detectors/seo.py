"""``seo_spam``: injected content on web pages (暗链, 黑链, hijacked titles, cloned pages).

Works on a page's ``raw_html`` (lxml). Rules, each its own finding:

* ``hidden_links``: a hidden container (display:none, visibility:hidden, font-size:0, far
  negative offsets, zero size with overflow hidden, opacity:0, tiny marquee, a class or id
  hidden by the page's own ``<style>``, script ``document.write``) holding off-site links to
  non-allowlisted domains or spam terms. ``display:none`` around the site's own menu is fine.
  Also a script that checks for a search-engine referrer or spider user agent and then
  redirects off-site or runs obfuscated code (search-engine hijacking, cloaking).
* ``title_hijack``: spam terms in ``<title>`` or meta keywords/description.
* ``keyword_block``: several distinct spam terms in the top or bottom block of the page text,
  unless the page reports enforcement (打击赌博...).
* ``spam_link``: a visible link to a non-allowlisted domain with a spam anchor or host.
* ``link_farm``: visible lines that are mostly bare links to four or more pages of one
  random-named domain (``doc.1sgw8t.asia/doc/303289.sHtML``), the 站群 link farm.
* ``clone_artifact``: several ``汉字(pinyin)`` artifacts of a page-cloning tool (``發(fā)``).
* ``keyword_chain``: a ``<title>``, meta field or line of body text cut by ``, | _ -`` or
  spaces into segments most of which are made of porn / pirated-video / gambling site words
  (``chain_terms``: each weak alone, 在线观看, 一区二区, 快三...). Counts segments, not words:
  ``XX市人民政府_政务公开_通知公告`` has many segments and none is spam-ish. Also a short body
  line made only of such segments (a porn site's column menu: ``丝袜诱惑、偷窥走光...``), and a
  line of long-tail search tags (``X外呼系统排名 Y电销卡价格 Z净水器代理商``: 4+ segments
  ending in three or more different commercial query words).
* ``gambling_brand``: a gambling platform brand (latin/pinyin or numeric name + 电子/体育/
  娱乐/真人/棋牌..., ``PG电子``; stacked suffixes ``X体育娱乐``, ``X电竞平台``), a brand put in
  the place of an institution's name (``X电子大学``, ``X体育政府信息公开``, ``X体育(http://
  ….gov.cn)``, or any gambling word of the lexicon or ``slot_brands`` right before what only
  the institution does in its own news: ``X游艺场官网在东校区举行``, ``X全体师生``, ``X第三届``,
  ``X2020级``, ``《X:…通知》``, ``学校X教学``), a Macau casino name with its domain digits (``澳门新葡京8455``), 澳门/香港
  lottery tip-sheet jargon, or foreign-language gambling doorway text (``foreign_gambling``:
  Vietnamese folded to ASCII, Indonesian, Thai, English; two distinct terms, or a term and a
  ``98win``/``fb88``-type brand, in one field or line); not in a sentence that reports
  enforcement (``brand_frames``). Classes that do not depend on a brand list:
  ``stack``, a short name with commercial site words stacked on it (``X全站app官网``,
  ``X手机版登录入口``, ``新闻标题-X官方首页``; institution names, ``X官网首页`` and
  ``X平台登录入口`` are left out); ``mixed``, a Chinese name with its latin abbreviation before
  a gambling word (``X凯ag体育``), or before a site word when put in twice (an anchor spun in
  for a common word); ``offer``, a gambling word of the lexicon on a line with a betting-only
  player action (下注, USDT, 无须实名, 注册送); foreign text: one gambling term with a made-up
  letters+digits name (``th55``), weak words (deposit, bonus) only with a ``*hoki``/``*gacor``
  brand, and a line of Thai / Korean / Vietnamese query salad ending in a Chinese site word
  (``<queries> 官方网站``, the 泛目录 parasite template, whatever the queries are about).
* ``spider_pool``: the 蜘蛛池/站群 scaffold: many elements of several tag names sharing one id
  (or one random-looking class), mostly empty or holding a character or two.
* ``illicit_promo``: a 代孕 / 私服 / 假证 / escort term in a sentence with sales cues (哪家好,
  价格, 联系电话, QQ...) and no enforcement frame; an IVF sentence (试管, 胚胎...) offering what
  agencies sell illegally (代母/代怀/借腹, bought eggs, twins, a chosen sex) with no negation
  (``promo_negations``: 不能, 严禁...); a 莆田系 medical long-tail query (``X哪家医院治Y好``,
  ``X是正规医院吗``, ``白癜风多少钱``) in the title / meta, or in a short body line beside an
  off-site address or phone number, or on two lines.

Frames (``enforcement_frames``, ``brand_frames``) keep crackdown notices, police warnings and
security advisories that name the same vocabulary clean.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import lxml.html

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider.textnorm import pinyin_artifacts
from govspider_plugins.detectors import _planted

from ._base import LexiconDetector
from ._lexicon import Lexicon
from ._matcher import Matcher, entries_from
from ._model import item_parts
from ._text import domain_matches, host_of, norm, quote_short, registrable_domain

_STYLE_RULE_RE = re.compile(r"([^{}]+)\{([^}]*)\}")
_SIMPLE_SEL_RE = re.compile(r"^\s*([.#][\w-]+)\s*$")
_NEG_RE = re.compile(r"(?:^|;)(?:left|top|text-indent|margin-left|margin-top):-(\d+)")
_HREF_RE = re.compile(r"""href\s*=\s*\\?["']?(https?://[^"'\\\s>]+)""", re.I)
_SKIP = {"script", "style", "noscript", "template"}
_SPIDER_SKIP = {"html", "head", "body", "meta", "link", "script", "style", "title"}
#: a run of text between chain separators (normalized text: full-width punctuation is ASCII)
_SEGMENT_RE = re.compile(r"[^,，|｜_\-—–、/\\>»·•;；:：!！?？。\s【】\[\]()（）<>《》“”\"'~～+*#]+")
_BLOCK_TAGS = {"p", "div", "li", "td", "th", "tr", "table", "ul", "ol", "dl", "dd", "dt", "br", "h1",
               "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "nav",
               "aside", "main", "form", "blockquote", "pre", "hr", "center", "title"}
_SUFFIX = "电子|真人|棋牌|电竞|体育|娱乐|彩票|捕鱼|视讯"
#: ``PG电子``, ``AG真人``, ``365体育``: a latin / numeric brand with a gambling suffix, followed by
#: nothing Chinese or by a gambling continuation (``LED电子显示屏`` is a product, not a brand)
_LATIN_BRAND_RE = re.compile(
    r"(?<![a-z0-9.])([a-z]{2,8}\d{0,3}|[a-z]\d{1,3}|\d{2,4})(" + _SUFFIX + r")"
    r"(?=$|[^\u4e00-\u9fff]|麻将|游戏|老虎机|平台|官网|官方|下载|注册|登录|入口|娱乐|大学|学院|体育|电子|"
    r"真人|棋牌|捕鱼|电竞|彩票|网址|手机版|首页|百家乐)")
_LATIN_NOT_BRAND = {"cctv", "nba", "cba", "fifa", "espn", "led", "ic", "it", "ai", "vr", "ar", "tv",
                    "pcb", "www", "com", "cn", "gov", "net", "org", "qq", "ktv", "dj", "mv", "cd",
                    "dvd", "pc", "ip", "ui", "app", "cg", "mr", "xr", "usb", "lcd", "oled", "cctv5",
                    "bbc", "cnn", "mba", "ceo", "gdp", "ppt", "pdf", "html", "http", "https", "sports",
                    "china", "news", "the", "and", "of", "in", "on", "esports", "game", "games",
                    "pptv", "tcl", "lg", "nec", "tdk", "abb", "sk", "ibm", "hp", "sony", "snh"}
#: latin names of online slot / live-casino providers: ``X电子`` with nothing after is a brand
#: only for these (``LG电子``, ``TCL电子`` are electronics makers)
_SLOT_PROVIDERS = {"pg", "pp", "mg", "jdb", "cq9", "bbin", "ag", "bg", "fg", "ky", "ae", "sa", "ps",
                   "pt", "ob", "im", "db", "fb", "sg", "ka", "jili", "evo", "dg", "wm", "bng", "cc"}
#: ``ob欧宝真人``: a provider code, a Chinese name, a casino genre (each of them among the genre
#: words that gate every latin-brand pattern in ``_brand_spans``)
_PROVIDER_GENRES = ("真人", "电子", "棋牌", "电竞", "视讯", "捕鱼")
_PROVIDER_BRAND_RE = re.compile(r"(?<![a-z0-9])([a-z]{2,4}\d?)([\u4e00-\u9fff]{2})(" + "|".join(_PROVIDER_GENRES) + ")")
#: ``fun88官网``, ``188bet体育``, ``manbetx登录``, ``98win娱乐``: a latin ``bet`` / ``88`` / digit+``win``
#: brand before a Chinese site word
_BET_BRAND_RE = re.compile(
    r"(?<![a-z0-9.])([a-z0-9]{0,8}bet[a-z0-9]{0,3}|[a-z][a-z0-9]{0,6}88|\d{1,4}[a-z]{0,2}win)"
    r"(?<!alphabet)(?<!tibet)(?=官网|官方|体育|娱乐|app|登录|注册|平台|网址|入口|手机版|下载|真人|棋牌|电子|"
    r"彩票|开户|游戏)")
#: ``凯发ag旗舰``, ``开云kaiyun体育``, ``米乐m6官网``: a Chinese brand with its latin / pinyin
#: abbreviation glued on, before a gambling or site word. Weak endings (旗舰, 平台, app) are
#: product talk once (``X品牌mate旗舰``); the same phrase put in twice is an inserted anchor.
_MIXED_BRAND_RE = re.compile(r"([\u4e00-\u9fff]{2,3})([a-z]{2,6}\d{0,2})(官网|官方|体育|娱乐|真人|棋牌|电子|彩票|"
                             r"手机版|网页版|全站|登录|入口|旗舰|平台|app)")
_MIXED_WEAK = {"旗舰", "平台", "app", "电子", "官方", "官网", "手机版", "网页版", "登录", "入口"}
_MIXED_NOT_LATIN = {"etc", "ccc", "iso", "gps", "ems", "sim", "vip", "plus", "pro", "max", "mini", "ipad",
                    "iphone", "mate", "note", "pad", "wifi", "hd", "cpu", "gpu", "api", "sdk", "erp", "oa"}
#: what only a betting site asks its players to do (``投注`` is left out: 体彩投注站 is legal;
#: plain 充值 / 提现 are how any app's account works)
_BET_CUE_RE = re.compile(r"下注|提款(?!机)|usdt|注册送|首存|存款优惠|任你玩|无须实名|无需实名|免实名|秒到账|秒提|开户送|"
                         r"充值送|充值优惠|彩金")
#: gambling words a legal lottery or news page uses with 充值 / 提现 (a lottery app's account)
_OFFER_NOT_TERMS = {"购彩", "彩票平台", "彩金"}
#: ``X官网app手机版``, ``X全站app官网``, ``X手机版登录入口``, ``X官方首页``: a short name with two or
#: more commercial site words stacked on it, one of them a word a gambling doorway puts in its
#: anchors (官网, 首页, 手机版, 网页版, 全站, 网址). Institutions (``…税务局登录入口``, ``…大学官网``,
#: ``…政府网手机版``) are left out by the name's last character.
_SITE_WORD = r"(?:官方网站|官网|官方|首页|app|手机版|网页版|登录|登陆|入口|全站|注册|下载|网址|客户端|平台)"
_SITE_STACK_RE = re.compile(r"([\u4e00-\u9fff]{2,4}?|[a-z][a-z0-9]{1,9}|[\u4e00-\u9fff]{2,3}[a-z]{2,4})"
                            r"(" + _SITE_WORD + r"{2,5})")
_SITE_STRONG = ("官网", "首页", "手机版", "网页版", "全站", "网址")
_SITE_NOT_NAME_CHARS = set("局府院校学委厅部办所站馆会税政通心区市县省镇乡村网台户的了请在本该及和与我击入回往开进"
                           "统系库室队处科中司社团报刊号端云问览看录陆载册布务"
                           "保康码医卫警法交邮银行电水气费缴教药险证卡金")
_SITE_NOT_NAMES = {"www", "http", "https", "html", "index", "home", "gov", "com", "cn", "wap", "pc", "the"}
#: ``凯X体育娱乐``, ``某某电竞平台``, ``某某体育官网``: a name, a gambling suffix and a site word
_STACKED_RE = re.compile(
    r"([\u4e00-\u9fff]{2})(体育(?:娱乐|官网|官方网站|官方入口|登录入口|app|网址|网页版|手机版|电子|真人|棋牌)|"
    r"娱乐(?:官网|官方网站|官方入口|登录入口|app|网址|网页版|手机版|注册|体育|电子|真人|棋牌|开户)|"
    r"电子(?:娱乐|官网|官方网站|app|游戏平台|老虎机|麻将)|棋牌(?:娱乐|官网|官方网站|app|游戏平台)|"
    r"真人(?:视讯|百家乐|官网)|电竞(?:平台|娱乐|官网|app))")
#: ``X体育(中国)官方网站``: the site title gambling brands use
_OFFICIAL_SITE_RE = re.compile(r"([\u4e00-\u9fffa-z0-9]{2,8})(体育|娱乐|电子|棋牌|真人|电竞|彩票|app)"
                               r"[·・\s]*\((?:中国|china)\)[^()]{0,6}?(官方网站|官网|网站|有限公司)")
_STACKED_NOT_NAMES = ("文化", "文体", "旅游", "广电", "休闲", "网络", "健康", "教育", "科技", "影视",
                      "传媒", "游戏", "竞技", "全民", "群众", "大众", "青少", "少年", "社区", "校园",
                      "中国", "国家", "体育", "娱乐", "电子", "数字", "在线", "线上", "直播", "视频",
                      "社会", "学校", "职工", "老年", "农民", "冰雪", "户外", "民族", "传统", "智慧",
                      "新闻", "财经", "时政", "军事", "国际", "综合", "汽车", "时尚", "生活", "文旅")
_STACKED_NOT_CHARS = set("等的个类各该和与及或、是在为有化省市县区局国家镇乡村厅委办院校会")
_STACKED_NOT_FOLLOWED = ("用品", "设施", "场所", "活动", "产业", "业", "节目", "频道", "服务", "消费",
                       "项目", "功能", "内容", "管理", "行业", "器材", "设备", "中心", "场馆", "综合体")
#: a brand in an institution's place: ``X电子大学``, ``X体育政府信息公开``, ``X体育(http://….gov.cn)``
_SLOT_RE = re.compile(r"([\u4e00-\u9fffa-z0-9]{1,4})((?:电子|娱乐|棋牌|彩票)大学|"
                      r"(?:体育|娱乐|棋牌|电竞|彩票)(?:政府信息公开|人民政府|信息公开指南)|"
                      r"(?:体育|娱乐|电子|棋牌|电竞)\(https?://[^)\s]*gov\.cn)")
#: site words a gambling brand carries after its name (``X游艺场官网``, ``X中国在线体育``)
_BRAND_TAIL_RE = re.compile(r"(?:[a-z0-9]{1,8}|官方网站|官网|官方|网站|平台|登录|入口|网址|游戏中心|中国|在线|体育|"
                            r"娱乐|集团|app|\(中国\)|[,、 ])*")
#: the site words of a brand's tail
_SITE_WORD_RE = re.compile(r"官方网站|官网|网站|平台|登录|入口|网址|app")
#: a name with site words acting: ``X官方网站在沙市中学设立…``, ``X官网和某中学开展合作``
_SLOT_ACT_RE = re.compile(r"\s*(?:和|与|在|于|向)?[^，。,;；!?\n]{0,10}?(?:设立|举行|举办|召开|开展|合作|共获|荣获|获得)")
#: a site code glued to a made-up Chinese name: ``hjc888黄金城``, ``yl7703永利``, ``hga030登录``,
#: ``新葡的京集团8814``, ``金沙集团186cc`` (two or more latin letters with three to five digits, or
#: a Chinese name with three to five digits that are not a year), or a name, a latin code and a
#: site word (``威尼斯wns8885556(中国)``)
_CODE_BRAND_RE = re.compile(r"(?<![a-z0-9])[a-z]{2,6}\d{3,5}[\u4e00-\u9fff]{2}"
                            r"|[\u4e00-\u9fff]{2}(?:集团|城)(?P<num>\d{3,5})(?![0-9年月日号期届级])"
                            # ``威尼斯wns8885556(中国)``, ``集团tyc7111官网``: the name, the code, then
                            # a site word (a device's model number, ``型号为abc20240``, has none)
                            r"|[\u4e00-\u9fff]{2,3}[a-z]{2,6}\d{4,10}[a-z]{0,3}"
                            r"(?=\(中国\)|官网|官方|集团|登录|入口|平台|娱乐|app)")
_YEARISH_RE = re.compile(r"(?:19|20)\d\d")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
#: what only an institution does in its own news, right after its name: an event on its campus,
#: its staff and students, its nth cup, its classes, its documents
_SLOT_NEAR_RE = re.compile(
    r"\s*(?:于|在)?\s*[东西南北主新老本]?校区|\s*(?:全体师生|全校师生|师生|硕士研究生|研究生|本科|大学生|学子|教学|"
    r"第[一二三四五六七八九十0-9]{1,3}届|党委|工会|附属|基地班|[0-9]{4}级|政府信息公开|信息公开|"
    r"条例|实施办法|暂行办法|办事指南|将启动|隆重举行|召开|共获|斩获|荣获|设立|院赛|新闻中心|新闻网|"
    r"学生公告|通知公告|\S{0,12}团队|\S{0,3}教授)")
#: ... or, further in the same sentence, co-organizing an event with named bodies
_SLOT_FAR_RE = re.compile(r"[^。!?;\n]{0,36}?(?:联合承办|共同承办|联合主办|共同主办)")
#: right before it: the school's own name slot or a document title (``《X:推进…的通知》``)
_SLOT_BEFORE_RE = re.compile(r"(?:学校|我校|本校|《[^》]{0,4})$")
#: anywhere in its sentence: the people and units only a school's or a party organization's own
#: news speaks of (``X书记王某一行到…考察``, ``X各个班级``, ``X党支部召开…``); a casino, a
#: betting site or a hotel has none of them
_SLOT_ROLE_RE = re.compile(r"党委|党支部|党总支|党员|书记|校长|院长|系主任|辅导员|教授|教职工|师生|"
                           r"班级|研究生|本科生|留学生|新生|校友|全校|校区|校园|学院|院校|高校|学子")
#: ... but not where the name is the real business it also is: a Macau resort, a company
#: (a place before or at the start of the name, ``X集团`` / ``X酒店`` after it)
_SLOT_PLACE_RE = re.compile(r"(?:澳门|澳門|路氹|氹仔|香港|新加坡|拉斯维加斯|金光大道)[\u4e00-\u9fff]{0,2}$")
_SLOT_VENUE_RE = re.compile(r"集团|[\u4e00-\u9fff]{0,3}?(?:酒店|度假村|渡假村|娱乐场|赌场|综合度假|股份|有限公司|控股|"
                            r"中国有限)")
#: 澳门/香港 lottery tip sheets: a region and a tip word in one short stretch
_LOTTERY_RE = re.compile(r"(澳门|新澳|新奥门|奥门|香港|马会|管家婆|王中王|白小姐|黄大仙|二四六|246)"
                         r"[^。;!?\n,]{0,12}?(开奖|最精准|真正精准|精准资料|精准一肖|"
                         r"一肖|一码中特|一码一肖|特马|特码|资料大全|免费资料|正版资料|内部资料|六合彩|开码|"
                         r"今晚开|开什么|天天开好彩|开好彩|六开彩|跑狗|挂牌|彩图|三期必出|期期准|必中|中特)")
#: ``澳门新葡京8455``, ``新澳门金沙3983``: a Macau casino name with the digits of its domain
_PROSE_CHARS = set("增计共达约为是年月日号第占超至比率数量额收入期届次")
_CASINO_CODE_RE = re.compile(r"(?:澳门|新澳门|新澳|澳彩|葡京|威尼斯人|太阳城)[\u4e00-\u9fff]{0,6}?"
                             r"(?<!\d)(\d{3,5})(?![\d.%])(?=$|[^\u4e00-\u9fff]|娱乐|官网|网址|登录|注册|"
                             r"平台|手机|app|游戏|棋牌|电子|真人|体育|彩票|开奖|资料|com)")
#: a ``98win`` / ``kuwin`` / ``fb88`` / ``macao99`` style gambling brand (latin, next to a term)
_FOREIGN_BRAND_RE = re.compile(r"(?<![a-z0-9])[a-z0-9]{0,8}(?:win|bet|88|99|vip|club)(?![a-z0-9])")
#: any made-up latin brand with digits (``th55``, ``77up``) or with an Indonesian / Thai luck
#: or slot word glued on (``garudahoki``, ``mega gacor``, ``jpslot``); counted only beside a term
_FOREIGN_NAME_RE = re.compile(r"(?<![a-z0-9])(?:[a-z]{2,8}\d{2,4}|\d{2,4}[a-z]{2,4}|"
                              r"[a-z]{2,10}(?:hoki|gacor|slot|toto|4d|qq|jp|maxwin))(?![a-z0-9])")
#: scripts of the foreign doorway pages that a Chinese page does not carry (Thai, Lao, Khmer,
#: Myanmar, Korean, kana, Vietnamese letters)
_FOREIGN_SCRIPT_RE = re.compile("[\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f\uac00-\ud7af\u30a0-\u30ff"
                                "\u3040-\u309f\u1ea0-\u1ef9]")
#: the Chinese site words the 泛目录 templates glue onto any query (``<Thai query> 官方网站``)
_CN_SITE_TAIL_RE = re.compile(r"(官方网站|官网|官方首页|首页|app下载|手机版|网页版|登录入口)\s*$")
#: Vietnamese (and other Latin) diacritics folded to ASCII, one character for one
_FOLD = str.maketrans({c: b for c, b in (
    (c, "d" if c in "đĐ" else unicodedata.normalize("NFD", c)[0].lower())
    for c in map(chr, [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)])) if b.isascii() and b.isalpha()})
_NOT_BET_WORDS = {"twin", "irwin", "unwin", "abet", "bebet"}
_FOREIGN_HINT_RE = re.compile("[a-z\u0e00-\u0e7f\u30a0-\u30ff\uac00-\ud7af]")
_LATIN_EXT_RE = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
#: 莆田系 medical long-tail queries: ``X哪个医院治Y好``, ``X是正规医院吗``
_MED_QUERY_RE = re.compile(r"(?:哪个|哪家|哪所|什么)(?:医院|诊所|专科|门诊)[\u4e00-\u9fff]{0,10}?(?:好|强|专业|靠谱)|"
                           r"(?:医院|研究所|研究院|门诊部|门诊|诊所|专科|中心)(?:是|算)?(?:正规医院|正规的?|公立)(?:吗|嘛)")
#: ``X男科医院怎么样``: an opinion query, reported only beside a 莆田系 disease or specialty
_MED_OPINION_RE = re.compile(r"(?:医院|诊所|门诊部)(?:怎么样|好不好|靠谱吗|好吗|口碑如何|收费贵吗)")
#: commercial search-query endings of long-tail keyword tags (``X外呼系统排名``, ``X电销卡价格``)
#: (civic questions, ``X在哪办``, ``X怎么收费``, are left out: a government FAQ asks them)
_QUERY_TAIL_RE = re.compile(r"(价格|报价|多少钱|排名|排行榜?|哪家好|哪个好|哪里有|哪家强|代理商|厂家|批发|"
                            r"是正规医院吗|哪里治|能治好吗)$")
_DISEASE_QUERY_RE = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:医院|专科)?(?:哪家好|哪个好|哪里好|哪里治|哪家强|多少钱|"
                               r"能治好吗|怎么治|医院排名|最好的医院|治疗费用|去哪治)")
_QUERY_ANY_RE = re.compile(r"价格|报价|多少钱|排名|排行|哪家|哪个好|哪里|代理商|厂家|批发|正规医院|能治好")
_PHONE_RE = re.compile(r"(?<!\d)(?:[48]00-?\d{3}-?\d{4}|1[3-9]\d{9})(?!\d)")
_URL_RE = re.compile(r"(?:https?://|www\.)[a-z0-9.-]+\.[a-z]{2,}")
_UTILITY_RE = re.compile(r"^[a-z]{1,6}-?\d{1,4}(?:px)?$|^(?:html|nbsp|http|xhtml|rss|pdf|css|js)$")
_RANDOM_TOKEN_RE = re.compile(r"^(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{4,12}$|^[b-df-hj-np-tv-z]{4,10}$")


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
    if "overflow:hidden" in s and re.search(r"(?:^|;)(?:height|width):(?:0|1px|0px)(?:;|!|$)", s) \
            and "clip:" not in s:  # 1px boxes with clip are screen-reader text (.sr-only)
        return "zero-size"
    if re.search(r"(?:^|;)opacity:0(?:\.0+)?(?:;|$)", s):
        return "opacity:0"
    return None


class SeoSpam(LexiconDetector):
    """Injected spam on a government web page (see the module docstring for the rules)."""

    name = "seo_spam"
    version = "1.4"
    indicator = "网页暗链黑链"
    severity = "high"
    accepts = frozenset({"page"})
    description = "网页被植入隐藏链接、博彩色情关键词或克隆页面痕迹"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.SEO_SPAM

    def detect(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        yield from self.rules_then_model(subject, ctx)

    def model_parts(self, item: dict[str, Any]) -> list[str] | None:
        return item_parts(item) if item.get("item_type", "page") == "page" else None

    def _model(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
        """The second stage (``page_model``): the text model over the page's title and visible
        text where no rule matched, never on an enforcement notice about such spam."""
        judged = self.model_judgement(subject, ctx)
        if judged is None:
            return
        model, score, threshold, parts = judged
        text = "\n".join(parts)
        if self.model_silenced(parts, ctx):
            return
        reasons = self.model_reasons(score)
        yield self.finding(
            subject=subject, rule="page_model", ctx=ctx, score=min(1.0, score.probability * 0.9),
            message=f"网页文字疑似被植入博彩、色情或盗版影视等垃圾内容（文本模型判断，概率"
                    f"{score.probability:.2f}" + (f"，主要依据{reasons}" if reasons else "") + "）",
            evidence=self.model_evidence("page_model", "text", text, model, score, threshold))

    def model_silenced(self, parts: list[str], ctx: DetectContext | None) -> bool:
        """Never on an enforcement notice about such spam."""
        return bool(self.cue_matcher(self.lexicon(ctx), "enforcement_frames").find(
            norm("\n".join(parts)).text))

    def _rules(self, subject: dict[str, Any], ctx: DetectContext) -> Iterator[Finding]:
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
                if why == "search-cloaking":
                    links = [h for h in _SCRIPT_URL_RE.findall(text)
                             if not domain_matches(host_of(h), allowed)]
                    if not links and not _OBFUSCATED_RE.search(text):
                        continue  # a same-site redirect (mobile version...), not a hijack
                    hidden_ev.append({"why": why, "tag": el.tag, "links": sorted(set(links))[:20],
                                      "terms": sorted({h.entry.term for h in hits}),
                                      "text": quote_short(text, 80)})
                    continue
            if len(set(links)) >= int(t("min_hidden_links", 2)) or (hits and (links or text.strip())):
                hidden_ev.append({"why": why, "tag": el.tag, "links": sorted(set(links))[:20],
                                  "terms": sorted({h.entry.term for h in hits}),
                                  "text": quote_short(text, 80)})
        if hidden_ev:
            first = hidden_ev[0]
            what = f"{len(first['links'])}个外部链接" if first["links"] else "垃圾关键词"
            msg = f"网页存在隐藏区域（{first['why']}）植入{what}，疑似暗链"
            if first["why"] == "search-cloaking":
                target = f"跳转至外部网站“{host_of(first['links'][0])}”" if first["links"] else "执行加密脚本"
                msg = ("网页脚本判断访客是否来自百度等搜索引擎（或是否为搜索引擎爬虫）后" + target
                       + "，普通访问不可见，疑似搜索引擎劫持跳转")
            yield self.finding(
                subject=subject, rule="hidden_links", ctx=ctx, score=1.0,
                message=msg,
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
        lines = _visible_lines(body if body is not None else root, hidden_css,
                               int(t("min_negative_offset", 500)))
        visible = " ".join(" ".join(lines).split())
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
        # 4b. a link farm in the visible text: lines made of bare links to many pages of one
        # random-named domain (``doc.1sgw8t.asia/doc/303289.sHtML ...``), no anchor needed
        farm = _link_farm(lines, allowed, int(t("link_farm_min_links", 4)))
        if farm and not hidden_ev:
            domain, links = farm
            yield self.finding(
                subject=subject, rule="link_farm", ctx=ctx, score=0.9,
                message=f"网页正文成行罗列随机域名“{domain}”的{len(links)}个链接，疑似站群/链接农场植入",
                evidence=self.evidence(lex, "link_farm", [], domain=domain, links=sorted(links)[:20]))
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

        # the visible text with a line break at each block element, for the rules below
        nb = norm("\n".join(lines))
        fields = [(where, norm(text)) for where, text in head_texts if text] + [("page_text", nb)]
        # 6. keyword chains in the title / meta fields, else in the visible text
        yield from self._chains(subject, lex, ctx, head_texts, nb)
        # 7. gambling brands, brand-for-institution substitutions, lottery tip sheets
        yield from self._brands(subject, lex, ctx, fields)
        # 8. spider-pool scaffold
        yield from self._spider_pool(subject, lex, ctx, root)
        # 9. 代孕 / 私服 / 假证 advertisements
        yield from self._promo(subject, lex, ctx, fields)

    # ------------------------------------------------------------------ illicit_promo
    def _promo(self, subject: dict[str, Any], lex: Lexicon, ctx: DetectContext,
               fields: list[tuple[str, Any]]) -> Iterator[Finding]:
        cats = {str(c) for c in lex.get("promo_categories") or []}
        exempt = {str(c) for c in lex.get("promo_exempt") or []}
        spam = self.matcher(lex)
        frames = self.cue_matcher(lex, "enforcement_frames")
        cues = self.cue_matcher(lex, "promo_cues")
        matches: list[dict[str, Any]] = []
        for where, n in fields:
            hits = [h for h in spam.find(n.text)
                    if h.entry.category in cats and h.entry.term not in exempt]
            done: set[tuple[int, int]] = set()
            for h in hits:
                s0, s1 = _sentence_bounds(n.text, h.start, h.end)
                if (s0, s1) in done:
                    continue
                done.add((s0, s1))
                sentence = n.text[s0:s1]
                found = {c.entry.term for c in cues.find(sentence) if _ascii_bounded(sentence, c)}
                if found and not frames.find(sentence):
                    matches.append({"text": n.original_text(h.start, h.end),
                                    "span": list(n.span_to_original(h.start, h.end)),
                                    "field": where, "entry": h.entry.term,
                                    "category": h.entry.category, "cues": sorted(found),
                                    "sentence": quote_short(n.original_text(s0, s1), 80)})
            if len(matches) >= 10:
                break
        strong = [m for m in matches if len(m["cues"]) >= 2]
        result: tuple[list[dict[str, Any]], float, str] | None = None
        if strong or len(matches) >= 2:
            first = (strong or matches)[0]
            result = (matches, 0.85,
                     f"网页出现“{first['text']}”并伴有“{'”“'.join(first['cues'][:3])}”等招揽用语"
                     f"（共{len(matches)}处），疑似代孕/私服/假证/色情服务等违法推广")
        elif ivf := self._ivf_offers(lex, fields):
            first = ivf[0]
            result = (ivf, 0.85,
                     f"网页在介绍“{first['subject']}”（辅助生殖）的同一句中提供“{first['text']}”"
                     f"（共{len(ivf)}处），且无禁止、打击等表述，疑似代孕/非医学性别选择等违法中介推广")
        elif med := self._medical_ads(lex, fields):
            first = med[0]
            result = (med, 0.8,
                     f"网页{'标题' if first['field'] == 'title' else '中'}出现医疗搜索长尾词“{first['text']}”"
                     f"（{first['why']}），疑似被植入的民营医院（莆田系）医疗广告")
        if result:
            records, score, message = result
            yield self.finding(subject=subject, rule="illicit_promo", ctx=ctx, score=score,
                               message=message,
                               evidence=self.evidence(lex, "illicit_promo", records))

    def _ivf_offers(self, lex: Lexicon, fields: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        """A sentence naming assisted reproduction (试管, 胚胎...) with an illegal offer: a
        surrogate mother (代母, 借腹, 助孕), bought eggs, twins or a chosen sex, and nothing that
        forbids it (不能, 严禁, 违法...)."""
        subjects = self.cue_matcher(lex, "ivf_subjects")
        offers = self.cue_matcher(lex, "ivf_offers")
        choice = self.cue_matcher(lex, "ivf_sex_choice", private=True)
        negations = self.cue_matcher(lex, "promo_negations")
        out: list[dict[str, Any]] = []
        for where, n in fields:
            text = n.text
            subs = [h for h in subjects.find(text) if _ascii_bounded(text, h)]
            done: set[int] = set()
            for h in subs:
                s0, s1 = _sentence_bounds(text, h.start, h.end)
                if s0 in done:
                    continue
                done.add(s0)
                sentence = text[s0:s1]
                found = [(o.start, o.end) for o in offers.find(sentence)]
                k = sentence.find("性别")
                if k >= 0 and choice.find(sentence[max(0, k - 8):k + 10]):
                    found.append((k, k + 2))
                # a question (试管婴儿能选择性别吗?) is not an offer; its answer may say no
                if not found or text[s1:s1 + 1] == "?" or sentence.rstrip().endswith(("吗", "么")) \
                        or negations.find(text[s0:s1 + 60]):
                    continue
                a, b = s0 + found[0][0], s0 + found[0][1]
                out.append({"text": n.original_text(a, b), "span": list(n.span_to_original(a, b)),
                            "field": where, "entry": text[a:b], "category": "ivf_offer",
                            "subject": n.original_text(h.start, h.end),
                            "sentence": quote_short(n.original_text(s0, s1), 80)})
        return out[:10]

    def _medical_ads(self, lex: Lexicon, fields: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        """莆田系 medical long-tail queries (``X哪个医院治白癜风好``, ``X是正规医院吗``, ``白癜风
        哪家好``): reported in the title / meta fields, or in a short body line that also holds an
        off-site address or a phone number, or when two lines carry them; not beside a frame."""
        diseases = self.cue_matcher(lex, "medical_ad_diseases")
        negations = self.cue_matcher(lex, "promo_negations")
        out: list[dict[str, Any]] = []
        body_hits: list[dict[str, Any]] = []
        for where, n in fields:
            text = n.text
            if not ("医院" in text or "诊所" in text or "门诊" in text or "哪家" in text
                    or "哪里" in text or "多少钱" in text):
                continue
            spans = [(m.start(), m.end(), "医疗机构搜索问句") for m in _MED_QUERY_RE.finditer(text)]
            for m in _MED_OPINION_RE.finditer(text):
                s0, s1 = _sentence_bounds(text, m.start(), m.end())
                if diseases.find(text[s0:s1]):
                    while s0 < m.start() and text[s0].isspace():
                        s0 += 1
                    spans.append((s0, m.end(), "病种/专科医院评价问句"))
            for d in diseases.find(text):
                m = _DISEASE_QUERY_RE.match(text, d.end)
                if m:
                    spans.append((d.start, m.end(), "病种+求医问句"))
            for a, b, why in sorted(spans):
                s0, s1 = _sentence_bounds(text, a, b)
                line = text[s0:s1]
                if negations.find(line):
                    continue
                rec = {"text": n.original_text(a, b), "span": list(n.span_to_original(a, b)),
                       "field": where, "entry": text[a:b], "category": "medical_ad", "why": why}
                if where != "page_text":
                    out.append(rec)
                elif len(line) <= 80:
                    url = _URL_RE.search(line)
                    if (url and not url.group().endswith(".gov.cn")) or _PHONE_RE.search(line):
                        rec["why"] += "，同一行附有网址或电话"
                        out.append(rec)
                    else:
                        body_hits.append(rec)
        if len({h["entry"] for h in body_hits}) >= 2:
            out += body_hits
        return out[:10]

    # ------------------------------------------------------------------ keyword_chain
    def _chain_hits(self, lex: Lexicon, text: str) -> list[Any]:
        """``chain_terms`` hits, minus those inside a ``chain_allow`` or main ``allow`` entry.
        The two lists are matched apart and the allowed hits dropped in one sweep: on a page
        full of 服务平台 / 电子政务 / 体育局 every chain word sits beside an allow entry, and
        checking each hit against each allow grew with the square of the page."""
        terms = self.compiled(lex, "matcher:chain_terms",
                              lambda lx: Matcher(entries_from(lx.get("chain_terms"))))
        allows = self.compiled(lex, "matcher:chain_allows",
                               lambda lx: Matcher(entries_from(lx.get("chain_allow"))
                                                  + entries_from(lx.get("allow"))))
        hits = terms.find(text)
        if not hits:
            return hits
        spans = sorted((h.start, h.end) for h in allows.find(text))
        out, i, reach = [], 0, -1
        for h in hits:  # sorted by start
            while i < len(spans) and spans[i][0] <= h.start:
                reach = max(reach, spans[i][1])
                i += 1
            if reach < h.end:
                out.append(h)
        return out

    def _segment_scores(self, lex: Lexicon, text: str) -> tuple[list[tuple[int, int]], dict[int, dict[str, Any]]]:
        """The segments of normalized ``text`` (spans) and, for those holding chain words, their
        terms and weight: a term of the main lexicon (``terms``) weighs 3, a chain term its
        ``weight``; a term counts once per segment. Linear in the text and its hits."""
        found = [(h.start, h.end, h.entry.term, h.entry.weight, h.entry.category)
                 for h in self._chain_hits(lex, text) if _ascii_bounded(text, h)]
        found += [(h.start, h.end, h.entry.term, 3, h.entry.category)
                  for h in self.matcher(lex).find(text) if _ascii_bounded(text, h)]
        if not found:  # no chain words: no segment can be spam-ish
            return [], {}
        spans = [m.span() for m in _SEGMENT_RE.finditer(text)]
        found.sort(key=lambda x: (x[0], -(x[1] - x[0]), -x[3]))
        starts = [a for a, _ in spans]
        scored: dict[int, dict[str, Any]] = {}
        reach = -1
        for start, end, term, w, cat in found:
            if end <= reach:  # inside a longer hit
                continue
            reach = end
            i = bisect_right(starts, start) - 1
            if i < 0 or end > spans[i][1]:
                continue
            seg = scored.get(i)
            if seg is None:
                seg = scored[i] = {"span": spans[i], "terms": {}}
            if seg["terms"].get(term, (0, ""))[0] < w:
                seg["terms"][term] = (w, cat)
        for seg in scored.values():
            weights = [w for w, _ in seg["terms"].values()]
            seg["score"], seg["top"] = sum(weights), max(weights)
        return spans, scored

    @staticmethod
    def _spammy(seg: dict[str, Any] | None, need: float, max_chars: int) -> bool:
        """A segment made of spam words: one specific word, or three weak ones."""
        if seg is None or seg["span"][1] - seg["span"][0] > max_chars:
            return False
        return seg["score"] >= need + 1 or (seg["score"] >= need and seg["top"] >= 2)

    def _chain_verdict(self, spans: list[tuple[int, int]], scored: dict[int, dict[str, Any]],
                       t: Any, min_segments: int, max_chars: int,
                       head: bool = False) -> tuple[list[dict[str, Any]], int] | None:
        """The spam-ish segments when a field is a stuffed chain, and its segment count."""
        need = float(t("chain_segment_score", 2))
        counted = sum(1 for a, b in spans if b - a <= max_chars) if scored else 0
        if not counted:
            return None
        spammy = [scored[i] for i in sorted(scored) if self._spammy(scored[i], need, max_chars)]
        share = len(spammy) / counted
        if len(spammy) >= min_segments and share >= float(t("chain_min_share", 0.6)):
            return spammy, counted
        # a short chain made of spam-ish segments only
        if len(spammy) >= 2 and share == 1.0 and sum(s["score"] for s in spammy) >= 8:
            return spammy, counted
        # one segment stuffed with many distinct terms, or (title, meta) with two specific ones
        dense = [s for s in spammy if (s["score"] >= float(t("chain_dense_score", 6))
                                       and len(s["terms"]) >= 3 and s["top"] >= 2)
                 or (head and sum(w >= 2 and c in _SPECIFIC for w, c in s["terms"].values()) >= 2)]
        if dense:
            return dense, counted
        return None

    def _body_runs(self, spans: list[tuple[int, int]], scored: dict[int, dict[str, Any]],
                   need: float, max_chars: int, min_run: int) -> list[list[dict[str, Any]]]:
        """Runs of consecutive spam-ish segments in the body (one odd short segment may sit
        between two spam-ish ones: chains mix in a film title or a number)."""
        runs: list[list[dict[str, Any]]] = []
        run: list[dict[str, Any]] = []
        last = -9
        for i in sorted(scored):
            if not self._spammy(scored[i], need, max_chars):
                continue
            gap_ok = i - last == 1 or (i - last == 2 and spans[i - 1][1] - spans[i - 1][0] <= max_chars)
            if not gap_ok:
                if len(run) >= min_run:
                    runs.append(run)
                run = []
            run.append(scored[i])
            last = i
        if len(run) >= min_run:
            runs.append(run)
        return runs

    def _chains(self, subject: dict[str, Any], lex: Lexicon, ctx: DetectContext,
                head_texts: list[tuple[str, str]], body: Any) -> Iterator[Finding]:
        t = lambda key, default: lex.threshold(key, ctx) or default  # noqa: E731
        frames = self.cue_matcher(lex, "enforcement_frames")
        max_chars = int(t("max_segment_chars", 30))
        need = float(t("chain_segment_score", 2))
        found: list[tuple[str, Any, list[dict[str, Any]], int]] = []
        for where, text in head_texts:
            n = norm(text)
            if not n.text.strip() or frames.find(n.text):
                continue
            spans, scored = self._segment_scores(lex, n.text)
            verdict = self._chain_verdict(spans, scored, t, int(t("chain_min_segments", 3)),
                                          int(t("max_head_segment_chars", 60)), head=True)
            if verdict:
                found.append((where, n, *verdict))
        body_spans, body_scored = self._segment_scores(lex, body.text) if body.text else ([], {})
        if not found and body_scored:
            for run in self._body_runs(body_spans, body_scored, need, max_chars,
                                       int(t("body_chain_min_segments", 4))):
                a, b = run[0]["span"][0], run[-1]["span"][1]
                s0 = _sentence_bounds(body.text, a, a)[0]
                s1 = _sentence_bounds(body.text, b, b)[1]
                if frames.find(body.text[max(s0, a - 200):min(s1, b + 200)]) \
                        or _quoted_run(body.text, run):
                    continue
                found.append(("text", body, run, len(run)))
                break
        if not found and body_scored:
            menu = self._menu_line(body.text, body_spans, body_scored, need, frames)
            if menu:
                found.append(("menu", body, menu, len(menu)))
            elif dense := self._menu_line(body.text, body_spans, body_scored, need, frames, dense=True):
                found.append(("text", body, dense, len(dense)))
        if not found:
            for where, n in [(w, norm(x)) for w, x in head_texts if x] + [("text", body)]:
                tags = _longtail_tags(n.text)
                if tags and not frames.find(n.text[tags[0][0]:tags[-1][1]]):
                    yield self._longtail_finding(subject, lex, ctx, where, n, tags)
                    return
        for where, n, spammy, total in found[:1]:
            cats = [c for s in spammy for _, c in s["terms"].values()]
            kind = _chain_kind(cats)
            examples = "、".join("“" + n.original_text(*s["span"]).strip() + "”" for s in spammy[:3])
            if where == "text":
                msg = (f"正文中连续出现{len(spammy)}个由{kind}关键词组成的片段（如{examples}），"
                       "疑似被植入关键词串")
                mismatch = False
            elif where == "menu":
                msg = (f"正文中一行短文本全部由{kind}栏目名组成（{examples}等{len(spammy)}个），"
                       "疑似被植入的色情/博彩网站导航或栏目串")
                mismatch = False
            else:
                field = "标题" if where == "title" else f"关键词/描述（{where}）"
                if len(spammy) >= 3:
                    msg = (f"{field}由{total}个片段组成，其中{len(spammy)}个为{kind}关键词（如{examples}），"
                           "疑似被植入关键词串")
                else:
                    terms = sorted({t for s in spammy for t in s["terms"]})
                    msg = (f"{field}中{examples}堆砌了{len(terms)}个{kind}关键词（"
                           + "、".join(terms[:6]) + "），疑似被植入关键词串")
                # a news / government body under a porn or gambling title
                mismatch = len(body.text) >= 50 and not any(
                    self._spammy(seg, need, max_chars) for seg in body_scored.values())
                if mismatch:
                    msg += "；正文为普通政务/新闻内容，与标题不符"
            yield self.finding(
                subject=subject, rule="keyword_chain", ctx=ctx, score=0.95, message=msg,
                evidence=self.evidence(lex, "keyword_chain", [
                    {"text": n.original_text(*s["span"]), "span": list(n.span_to_original(*s["span"])),
                     "field": where if where not in ("text", "menu") else "page_text",
                     "entry": "、".join(sorted(s["terms"])), "category": "keyword_chain",
                     "score": s["score"]} for s in spammy[:20]],
                    segments=total, spam_segments=len(spammy), title_body_mismatch=mismatch))

    def _menu_line(self, text: str, spans: list[tuple[int, int]], scored: dict[int, dict[str, Any]],
                   need: float, frames: Matcher, dense: bool = False) -> list[dict[str, Any]] | None:
        """A short line of body text made of separated segments that are nearly all spam-ish.

        Menu (default): short segments (12 characters at most, on a line of 80) that all carry
        chain words, two or more of them spam-ish (``激情诱惑、明星写真、偷拍走光``): the column
        names of a porn or gambling site, too short for a run but alone on their line.
        ``dense``: a line of up to 240 characters cut into three or more segments of up to 30, at
        least three and three quarters of them spam-ish (``99re6热在线精品视频播放|女人16久久免费
        视频|...|免费特级婬片日本高清视频``): a chain with an odd segment in it that is a line of
        its own, not prose (a sentence's clauses are not nearly all porn-site phrases)."""
        max_seg, max_line = (30, 240) if dense else (12, 80)
        line_ends = [i for i, c in enumerate(text) if c == "\n"] + [len(text)]
        starts = [x for x, _ in spans]
        by_line: dict[int, list[int]] = {}
        for i in scored:
            by_line.setdefault(bisect_right(line_ends, spans[i][0]), []).append(i)
        for line, idx in sorted(by_line.items()):
            if len(idx) < 3:
                continue
            a = line_ends[line - 1] + 1 if line else 0
            b = line_ends[line]
            if b - a > max_line:
                continue
            members = []
            for i in range(max(0, bisect_right(starts, a) - 1), len(spans)):
                if spans[i][0] >= b:
                    break
                if spans[i][0] >= a:
                    members.append(i)
            if (not dense and len(members) != len(idx)) \
                    or any(spans[i][1] - spans[i][0] > max_seg for i in members):
                continue
            segs = [scored[i] for i in members if i in scored]
            spammy = [x for x in segs if self._spammy(x, need, max_seg)]
            if dense:
                ok = len(spammy) >= 3 and len(spammy) * 4 >= 3 * len(members) \
                    and sum(x["score"] for x in segs) >= 9
            else:
                ok = len(spammy) >= 2 and sum(x["score"] for x in segs) >= 7
            if ok and not frames.find(text[a:b]) and not _quoted_run(text, spammy):
                return segs
        return None

    def _longtail_finding(self, subject: dict[str, Any], lex: Lexicon, ctx: DetectContext, where: str,
                          n: Any, tags: list[tuple[int, int, str]]) -> Finding:
        field = {"text": "正文", "title": "标题"}.get(where, f"关键词/描述（{where}）")
        examples = "、".join("“" + n.original_text(a, b) + "”" for a, b, _ in tags[:3])
        return self.finding(
            subject=subject, rule="keyword_chain", ctx=ctx, score=0.85,
            message=f"{field}中一行出现{len(tags)}个“地名/品牌+产品+价格/排名/代理商”式搜索长尾词"
                    f"（如{examples}），与页面内容无关，疑似被植入的关键词标签串",
            evidence=self.evidence(lex, "keyword_chain", [
                {"text": n.original_text(a, b), "span": list(n.span_to_original(a, b)),
                 "field": "page_text" if where == "text" else where, "entry": tail,
                 "category": "longtail_query"} for a, b, tail in tags[:20]],
                segments=len(tags), spam_segments=len(tags), title_body_mismatch=False))

    # ------------------------------------------------------------------ gambling_brand
    def _brands(self, subject: dict[str, Any], lex: Lexicon, ctx: DetectContext,
                fields: list[tuple[str, Any]]) -> Iterator[Finding]:
        frames = self.cue_matcher(lex, "brand_frames")
        matches: list[dict[str, Any]] = []
        for where, n in fields:
            if not n.text:
                continue
            text_end = len(n.text.rstrip())
            for kind, a, b in _brand_spans(n.text):
                s0, s1 = _sentence_bounds(n.text, a, b)
                # a site-word stack in the site-name slot of a title (``新闻标题-X官方首页``)
                # is judged alone: the headline before it may be scraped police news
                site_slot = kind == "stack" and b >= text_end \
                    and n.text[max(0, a - 4):a].rstrip()[-1:] in ("-", "_", "|")
                if not site_slot and _framed(frames, n.text, s0, s1, a, b):
                    continue
                matches.append({"text": n.original_text(a, b), "span": list(n.span_to_original(a, b)),
                                "field": where, "entry": kind, "category": "gambling_brand"})
            if len(matches) >= 20:
                break
            matches += self._foreign(lex, where, n)
            matches += self._offers(lex, where, n, frames)
            matches += self._institution_slots(lex, where, n, frames)
        if matches:
            labels = {"brand": "博彩平台品牌", "stacked": "博彩平台品牌", "slot": "冒充机构名称的博彩品牌",
                      "lottery": "澳门/香港彩票“资料”推广", "foreign": "外文（越南语/印尼语/泰语/韩语/英语等）博彩词",
                      "foreign_tail": "外文搜索词串后缀中文站点词（泛目录寄生页模板）",
                      "stack": "品牌名后堆叠“官网/手机版/首页/入口”等站点词的博彩引流词",
                      "offer": "博彩平台招揽用语（平台名与下注、USDT、无须实名等同处一行）",
                      "mixed": "中文名+拼音/字母缩写的博彩品牌"}
            first = matches[0]
            where = {"title": "标题", "page_text": "正文"}.get(first["field"], first["field"])
            yield self.finding(
                subject=subject, rule="gambling_brand", ctx=ctx, score=0.9,
                message=f"网页{where}出现{labels[first['entry']]}“{first['text']}”"
                        + (f"等{len(matches)}处" if len(matches) > 1 else "")
                        + "，且不在打击、通报类语境中，疑似博彩推广或被篡改的镜像页面",
                evidence=self.evidence(lex, "gambling_brand", matches))

    def _institution_slots(self, lex: Lexicon, where: str, n: Any, frames: Matcher) -> list[dict[str, Any]]:
        """A gambling or porn brand standing where a cloned page had its institution's name: the
        brand hosts an event on a campus, has 全体师生, a 第三届 cup, a 2020级 class, a 条例 or
        a 《…通知》 of its own (``X游艺场官网在东校区举行…``, ``学校X教学…``). The brands are the
        lexicon's gambling words, ``slot_brands`` (names too common in other senses, 游艺场,
        足球比分, to flag anywhere else) and any name glued to a site code (``yl7703永利``); not in
        a sentence that reports a case (``brand_frames``)."""
        text = n.text
        hits = [h for h in self.matcher(lex).find(text)
                if h.entry.category in ("gambling", "gambling_brand")]
        hits += self.cue_matcher(lex, "slot_brands").find(text)
        # brand names (gambling_brand, slot_brands), not the words for gambling
        names = {h.entry.term for h in hits if h.entry.category != "gambling"}
        spans = [(h.start, h.end, h.entry.term) for h in hits]
        # a made-up name glued to a site code (``hjc888黄金城``, ``集团8814``): what no institution
        # is called, whatever the brand
        spans += [(m.start(), m.end(), "code") for m in _CODE_BRAND_RE.finditer(text)
                  if not _YEARISH_RE.fullmatch(m.group("num") or "")]
        out: list[dict[str, Any]] = []
        for start, stop, term in sorted(spans):
            tail = _BRAND_TAIL_RE.match(text, stop)
            end = tail.end() if tail else stop
            # after the name with its tail, or after the bare name (the tail's digits may be a
            # class year: ``太阳集团2020级``)
            s0, s1 = _sentence_bounds(text, start, end)
            # a website does not set up a bursary or hold a meeting: a name carrying a site word
            # (or a site code) acting in a sentence stands where an institution's name was
            sited = term == "code" or _SITE_WORD_RE.search(text, stop, end) is not None
            cue = ((_SLOT_ACT_RE.match(text, end, min(s1, end + 16)) if sited else None)
                   or _SLOT_NEAR_RE.match(text, end, min(s1, end + 18))
                   or (_SLOT_NEAR_RE.match(text, stop, min(s1, stop + 18)) if end > stop else None)
                   or _SLOT_FAR_RE.match(text, end, min(s1, end + 40))
                   or _SLOT_BEFORE_RE.search(text, max(s0, start - 6), start)
                   or (self._role_in_sentence(text, start, stop, s0, s1)
                       if term == "code" or term in names else None))
            if cue is None or _framed(frames, text, s0, s1, start, end):
                continue
            out.append({"text": n.original_text(start, end), "span": list(n.span_to_original(start, end)),
                        "field": where, "entry": "slot", "category": "gambling_brand",
                        "term": term, "cue": cue.group().strip(" ,、")[-12:],
                        "sentence": quote_short(n.original_text(s0, s1), 80)})
            if len(out) >= 5:
                break
        return out

    @staticmethod
    def _role_in_sentence(text: str, start: int, stop: int, s0: int, s1: int) -> Any:
        """A school's or party organization's people or units anywhere in the sentence of a
        brand *name* (not a word for gambling: a school does warn of 博彩), unless the name is its
        real business there (``澳门威尼斯人``, ``X酒店``, ``X有限公司``)."""
        if (_SLOT_PLACE_RE.search(text, max(s0, start - 6), start) or _SLOT_VENUE_RE.match(text, stop)
                or _SLOT_PLACE_RE.match(text, start, stop)):
            return None
        return _SLOT_ROLE_RE.search(text, s0, s1)

    def _offers(self, lex: Lexicon, where: str, n: Any, frames: Matcher) -> list[dict[str, Any]]:
        """A gambling platform's pitch: a gambling brand or site word of the lexicon (开元棋牌,
        真人娱乐...) on one line with a player action only a betting site asks for (下注, 提款,
        USDT, 注册送, 无须实名...), in any script (traditional text is simplified first); not in a
        line that reports a case (``brand_frames``)."""
        text = n.text
        cue_hits = list(_BET_CUE_RE.finditer(text))
        if not cue_hits:
            return []
        spam = self.matcher(lex)
        # line bounds and the cues by position, looked up by bisection: linear in the page
        ends = [i for i, c in enumerate(text) if c == "\n"] + [len(text)]
        cue_at = [c.start() for c in cue_hits]
        out = []
        checked: set[int] = set()
        for h in spam.find(text):
            if h.entry.category not in ("gambling", "gambling_brand") or h.entry.term in _OFFER_NOT_TERMS:
                continue
            line = bisect_right(ends, h.start - 1) if h.start else 0
            if line in checked:
                continue
            checked.add(line)
            ls, le = (ends[line - 1] + 1 if line else 0), ends[line]
            k = bisect_right(cue_at, ls - 1)
            cue = cue_hits[k] if k < len(cue_hits) and cue_at[k] < le else None
            if cue is None or frames.find(text[ls:le]):
                continue
            out.append({"text": n.original_text(h.start, h.end), "span": list(n.span_to_original(h.start, h.end)),
                        "field": where, "entry": "offer", "category": "gambling_brand",
                        "term": h.entry.term, "cue": cue.group(),
                        "sentence": quote_short(n.original_text(ls, le), 80)})
            if len(out) >= 5:
                break
        return out

    def _foreign_re(self, lex: Lexicon, key: str = "foreign_gambling") -> re.Pattern[str] | None:
        def build(lx: Lexicon) -> Any:
            terms = sorted({str(x).lower() for x in lx.get(key) or []}, key=len, reverse=True)
            return re.compile("|".join(map(re.escape, terms))) if terms else False
        return self.compiled(lex, "re:" + key, build) or None

    @staticmethod
    def _foreign_tail(where: str, n: Any, folded: str, frames: Matcher) -> list[dict[str, Any]]:
        """A line of foreign-script search queries (Thai, Korean, Vietnamese...) ending in a Chinese
        site word (``<Thai query salad> 官方网站``): the 泛目录 parasite template, whatever the
        queries are about. At least 15 foreign-script letters and at most the site word in Chinese."""
        text = n.text
        if "官" not in text and "页" not in text and "载" not in text and "版" not in text and "入口" not in text:
            return []
        out = []
        pos = 0
        for line in text.split("\n"):
            a, pos = pos, pos + len(line) + 1
            m = _CN_SITE_TAIL_RE.search(line)
            if not m or len(line) > 300:
                continue
            head = line[:m.start()]
            # a salad of queries: four or more chunks, some with latin letters or digits
            chunks = head.split()
            if len(_FOREIGN_SCRIPT_RE.findall(head)) < 15 or re.search("[\u4e00-\u9fff]", head) \
                    or len(chunks) < 4 or not any(re.search("[a-z0-9]", c) for c in chunks) \
                    or frames.find(folded[a:a + len(line)]):
                continue
            s, e = a + m.start(), a + m.end()
            out.append({"text": n.original_text(a, e), "span": list(n.span_to_original(a, e)),
                        "field": where, "entry": "foreign_tail", "category": "gambling_brand",
                        "term": text[s:e]})
        return out[:5]

    def _foreign(self, lex: Lexicon, where: str, n: Any) -> list[dict[str, Any]]:
        """Foreign-language gambling doorway text (``98win xổ số miền bắc đánh bài đổi thưởng``):
        per field (per line of the body) two distinct gambling terms, or a term and a
        ``98win``-type brand. Vietnamese is matched without its diacritics; the doorway pages run
        keywords together, so a term needs a word boundary on one side only."""
        rx = self._foreign_re(lex)
        text = n.text
        if rx is None or not _FOREIGN_HINT_RE.search(text):
            return []
        folded = text.translate(_FOLD) if _LATIN_EXT_RE.search(text) else text
        items: dict[int, dict[str, tuple[int, int, str]]] = {}
        line_starts = [0] + [i + 1 for i, c in enumerate(folded) if c == "\n"] if "\n" in folded else [0]

        def add(a: int, b: int, key: str, kind: str) -> None:
            line = bisect_right(line_starts, a) - 1
            items.setdefault(line, {}).setdefault(key, (a, b, kind))

        for m in rx.finditer(folded):
            a, b = m.span()
            left = a == 0 or not folded[a - 1].isalnum()
            right = b == len(folded) or not folded[b].isalnum()
            if m.group().isascii() and not (left or right):
                continue
            if m.group().isascii() and " " not in m.group() and not (left and right):
                continue  # a one-word term (togel, casino) stands alone
            add(a, b, m.group(), "term")
        weak = self._foreign_re(lex, "foreign_gambling_weak")
        if weak is not None:
            for m in weak.finditer(folded):
                a, b = m.span()
                if not m.group().isascii() or ((a == 0 or not folded[a - 1].isalnum())
                                               and (b == len(folded) or not folded[b].isalnum())):
                    add(a, b, m.group(), "weak")
        out_tail = self._foreign_tail(where, n, folded, frames=self.cue_matcher(lex, "brand_frames"))
        if not items:
            return out_tail
        for m in _FOREIGN_BRAND_RE.finditer(folded):
            tok = m.group()
            # with a digit (98win, fb88, macao99), or a short made-up name (kuwin, vwin); English
            # words (twin, irwin, nightclub, sorbet) are not brands
            if len(tok) >= 4 and (any(c.isdigit() for c in tok) or (
                    len(tok) <= 5 and tok.endswith(("win", "bet")) and tok not in _NOT_BET_WORDS)):
                add(m.start(), m.end(), tok, "brand")
        for m in _FOREIGN_NAME_RE.finditer(folded):
            tok = m.group()
            after = folded[m.end():m.end() + 2]
            if after[:1] == "@" or (after[:1] == "." and after[1:].isalnum()) \
                    or folded[m.start() - 1:m.start()] in ("@", ".", "/"):
                continue  # an e-mail address or a host name
            # not a year, a size or a model number (covid19, 2022, mp4, win10)
            if not re.fullmatch(r"(?:19|20)\d\d|covid19|win\d+|mp\d|\d+(?:px|kg|km|mb|gb|mm|cm|th|nd|rd|st)",
                                tok):
                # a luck / slot word makes a brand; letters and digits only a name (th55, 77up)
                add(m.start(), m.end(), tok, "brand" if re.search(r"(?:hoki|gacor|slot|toto|4d|qq|jp|maxwin)$", tok)
                    else "name")
        frames = self.cue_matcher(lex, "brand_frames")
        out = []
        for line, group in items.items():
            kinds = [k for _, _, k in group.values()]
            # two terms, or a term and a brand; a weak term (deposit, bonus) only with a brand
            # two terms; a term and a weak word or a brand / name; two weak words and a brand
            # (``deposit ... bonus di garudahoki``): one ordinary word beside a name is not enough
            n_term, n_weak = kinds.count("term"), kinds.count("weak")
            if (n_term >= 2 or (n_term and (n_weak or "brand" in kinds or "name" in kinds))
                    or (n_weak >= 2 and "brand" in kinds)):
                a = line_starts[line]
                b = folded.find("\n", a)
                if frames.find(folded[a:b if b >= 0 else len(folded)]):
                    continue
                out += [{"text": n.original_text(a, b), "span": list(n.span_to_original(a, b)),
                         "field": where, "entry": "foreign", "category": "gambling_brand", "term": key}
                        for key, (a, b, _) in sorted(group.items(), key=lambda kv: kv[1][0])]
        return (out_tail + out)[:20]

    # ------------------------------------------------------------------ spider_pool
    def _spider_pool(self, subject: dict[str, Any], lex: Lexicon, ctx: DetectContext,
                     root: Any) -> Iterator[Finding]:
        t = lambda key, default: lex.threshold(key, ctx) or default  # noqa: E731
        min_n = int(t("spider_min_elements", 5))
        min_tags = int(t("spider_min_tags", 3))
        empty_share = float(t("spider_empty_share", 0.6))
        groups: dict[tuple[str, str], list] = {}
        random_cls: dict[str, bool] = {}
        for el in root.xpath("//*[@id or @class]"):  # lxml filters: no proxy for other elements
            tag = el.tag
            if not isinstance(tag, str) or tag in _SPIDER_SKIP:
                continue
            attrib = el.attrib
            ident = (attrib.get("id") or "").strip()
            keys = [("id", ident)] if ident else []
            classes = attrib.get("class")
            if classes:
                for c in classes.split():
                    rnd = random_cls.get(c)
                    if rnd is None:
                        rnd = random_cls[c] = _random_token(c)
                    if rnd:
                        keys.append(("class", c))
            if not keys:
                continue
            # empty: a character or two of its own, at most two children, no text between them
            own = len((el.text or "").strip())
            if own <= 2 and len(el) <= 2:
                own = max([own] + [len((c.tail or "").strip()) for c in el])
            else:
                own = 99
            for key in set(keys):
                g = groups.get(key)
                if g is None:
                    g = groups[key] = [0, set(), 0, el.sourceline, []]
                g[0] += 1
                g[1].add(tag)
                g[2] += own <= 2
                if key[0] == "id" and len(g[4]) < 8:
                    g[4].append(el)
        hits = [(k, v) for k, v in groups.items()
                if v[0] >= min_n and len(v[1]) >= min_tags and v[2] / v[0] >= empty_share
                and (k[0] == "class" or _random_token(k[1]) or v[0] >= 2 * min_n)]
        # the scaffold's unit: elements of different tags nested in one another under one
        # random id (``<li id="fbvk0"><abbr id="fbvk0"><dl id="fbvk0">``); an id names one
        # element of a page, so a chain of them is the template, however few are left (any
        # letters-and-digits token here: ``fbvk0`` has the shape of a utility class, mt20, but
        # no layout nests three different tags under one id)
        nest = int(t("spider_nest_depth", 3))
        hits += [(k, v) for k, v in groups.items()
                 if k[0] == "id" and nest <= v[0] < min_n and v[2] == v[0]
                 and len(v[1]) >= nest and _RANDOM_TOKEN_RE.match(k[1].lower())
                 and _chain(v[4]) >= nest]
        if hits:
            hits.sort(key=lambda kv: -kv[1][0])
            (attr, value), (count, tags, empties, *_) = hits[0]
            yield self.finding(
                subject=subject, rule="spider_pool", ctx=ctx, score=0.85,
                message=f"网页中{count}个元素（{len(tags)}种标签：{'、'.join(sorted(tags)[:6])}）共用同一"
                        f"{'id' if attr == 'id' else 'class'}“{value}”，其中{empties}个为空或仅含一两个字，"
                        "符合蜘蛛池/站群模板的标签骨架",
                evidence=self.evidence(lex, "spider_pool", [
                    {"text": f'{attr}="{v}"', "span": None, "field": "raw_html", "entry": v,
                     "category": "spider_pool", "elements": g[0], "tags": sorted(g[1]),
                     "empty": g[2], "first_line": g[3]} for (attr, v), g in hits[:5]]))

    def _allowed(self, lex: Lexicon, url: str, ctx: DetectContext) -> list[str]:
        allowed = [str(d) for d in lex.get("allowed_domains") or []]
        allowed += [str(d) for d in ctx.setting(self.name, "allowed_domains", []) or []]
        host = host_of(url)
        if host:
            allowed.append(registrable_domain(host))  # the page's own site
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


def _chain(elements: list[Any]) -> int:
    """The longest run of ``elements`` each inside the one before (document order)."""
    best = 1 if elements else 0
    for i, el in enumerate(elements):
        depth, outer = 1, el
        for inner in elements[i + 1:]:
            if outer in inner.iterancestors():
                depth, outer = depth + 1, inner
        best = max(best, depth)
    return best


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
        if "document.write" in text and "<a" in text.lower():
            return "document.write"
        return "search-cloaking" if _cloaking(text) else None
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


#: a script that looks at where the visitor comes from (search engine referrer) or whether it
#: is a search spider, then redirects or writes content: search-engine hijacking (cloaking)
_CLOAK_CHECK_RE = re.compile(r"document\.referrer|navigator\.useragent", re.I)
_CLOAK_ENGINE_RE = re.compile(r"baidu|sogou|so\.com|sm\.cn|360|bing|google|yahoo|spider|bot", re.I)
_CLOAK_ACTION_RE = re.compile(r"location\.(?:href|replace)|window\.location|top\.location|window\.open|"
                              r"document\.write|innerhtml|\.src\s*=", re.I)
_SCRIPT_URL_RE = re.compile(r"""(https?://[a-z0-9.-]+\.[a-z]{2,}[^"'\\\s<>)]*)""", re.I)
_OBFUSCATED_RE = re.compile(r"fromcharcode|unescape\(|atob\(|eval\(|\\x[0-9a-f]{2}.*\\x[0-9a-f]{2}", re.I)


def _cloaking(script: str) -> bool:
    if not _CLOAK_CHECK_RE.search(script) or not _CLOAK_ACTION_RE.search(script):
        return False
    for m in _CLOAK_CHECK_RE.finditer(script):
        if _CLOAK_ENGINE_RE.search(script, max(0, m.start() - 200), m.end() + 200):
            return True
    return False


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


def _visible_lines(root: Any, hidden_css: set[str], min_offset: int) -> list[str]:
    """The visible text, cut into lines at block elements (whitespace collapsed)."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag and tag not in _SKIP and not _why_hidden(el, hidden_css, min_offset):
            block = tag in _BLOCK_TAGS
            if block:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
            if block:
                parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    out = []
    for line in " ".join(parts).split("\n"):
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


#: chain categories specific enough that two of them in one title segment make a hijack
_SPECIFIC = frozenset({"porn", "pirate_specific", "gambling_specific"})
_KINDS = {"porn": "色情/盗版视频", "video": "色情/盗版视频", "pirate_video": "色情/盗版视频",
          "pirate_specific": "色情/盗版视频", "gambling": "博彩", "gambling_specific": "博彩",
          "gambling_brand": "博彩", "lottery_tips": "博彩", "fraud": "办证/代孕/私服等违法推广",
          "surrogacy": "办证/代孕/私服等违法推广", "private_server": "办证/代孕/私服等违法推广",
          "escort": "色情服务", "seo_tool": "蜘蛛池/站群"}


def _chain_kind(categories: list[str]) -> str:
    """The kind of site most of a chain's words come from."""
    votes: dict[str, int] = {}
    for c in categories:
        kind = _KINDS.get(c, "色情/盗版视频")
        votes[kind] = votes.get(kind, 0) + 1
    return max(votes, key=lambda k: votes[k]) if votes else "垃圾"


def _longtail_tags(text: str) -> list[tuple[int, int, str]]:
    """Long-tail search tags on one line (``X外呼系统排名 Y电销卡价格 Z设备代理商``): four or
    more segments of 8-30 characters that end in a commercial query word, with at least three
    different query words, making up 40% or more of the line's segments. A list of prices
    (``猪肉价格 蔬菜价格``) has short segments and a single query word."""
    if len(_QUERY_ANY_RE.findall(text)) < 4:
        return []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if len(_QUERY_ANY_RE.findall(line)) < 4:
            continue
        segs = [m.span() for m in _SEGMENT_RE.finditer(line) if m.end() - m.start() >= 2]
        tags = []
        for a, b in segs:
            m = _QUERY_TAIL_RE.search(line, a, b) if 8 <= b - a <= 30 else None
            if m:
                tags.append((start + a, start + b, m.group(1)))
        if len(tags) >= 4 and len({t for _, _, t in tags}) >= 3 and len(tags) >= 0.4 * len(segs):
            return tags
    return []


#: quotation marks as the normalized text has them
_OPEN_QUOTES = ("“", "「", "『", '"', "‘")
_CLOSE_QUOTES = ("”", "」", "』", '"', "’")


def _quoted_run(text: str, run: list[dict[str, Any]]) -> bool:
    """Most segments of a body run in quotation marks (``宣传“澳门合法注册博彩网站”、“...”``):
    a report quoting spam wording, not a stuffed chain (chains are not quoted)."""
    quoted = sum(1 for seg in run
                 if text[max(0, seg["span"][0] - 1):seg["span"][0]] in _OPEN_QUOTES
                 and text[seg["span"][1]:seg["span"][1] + 1] in _CLOSE_QUOTES)
    return quoted * 2 >= len(run)


#: a link written out as text (scheme optional, a path required: a bare host is a mention)
_BARE_URL_RE = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})(/[\w./?=&%#-]*)", re.I)


def _link_farm(lines: list[str], allowed: list[str], min_links: int) -> tuple[str, set[str]] | None:
    """The random-named domain (``1sgw8t.asia``) whose pages a page lists in lines that are
    mostly bare links (one or several a line), with the links, when there are ``min_links`` or
    more of them."""
    found: dict[str, dict[str, str]] = {}  # domain -> {link lower-cased: link as written}
    for line in lines:
        if "/" not in line or "." not in line:
            continue  # (cheap test first: most lines hold no link at all)
        urls = list(_BARE_URL_RE.finditer(line))
        if not urls or sum(m.end() - m.start() for m in urls) < 0.5 * len("".join(line.split())):
            continue
        for m in urls:
            host = m.group(1).lower()
            if domain_matches(host, allowed):
                continue
            domain = registrable_domain(host, "")
            if not domain or not _random_token(domain.split(".")[0]):
                continue  # (no public suffix: no registrant's name to judge)
            found.setdefault(domain, {}).setdefault(m.group(0).lower(), m.group(0))
    if not found:
        return None
    domain, links = max(found.items(), key=lambda kv: len(kv[1]))
    return (domain, set(links.values())) if len(links) >= min_links else None


def _random_token(token: str) -> bool:
    """A random-looking id or class (``0cohg``, ``k2x9q``, ``xrjdv``), not a layout utility
    class (``mt20``, ``w1200``, ``col-3``)."""
    token = token.lower()
    return bool(_RANDOM_TOKEN_RE.match(token)) and not _UTILITY_RE.match(token)


def _ascii_bounded(text: str, hit: Any) -> bool:
    """An ASCII term (``av``, ``app``) stands alone, not inside a word (``java``, ``apple``)."""
    term = text[hit.start:hit.end]
    if not term.isascii() or not term[:1].isalpha():
        return True
    before = text[hit.start - 1] if hit.start else " "
    after = text[hit.end] if hit.end < len(text) else " "
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())


_SENT_END_RE = re.compile(r"[。!?;\n]")
#: a "sentence" longer than this on either side of a hit is cut there (keeps the work per hit
#: bounded, so pages with many hits stay linear)
_SENT_WINDOW = 600


#: how near a brand an enforcement word must stand to put it in a report (``警方查处X``);
#: a word of the gambling topic itself (赌博, 涉赌, 诈骗...) frames the whole sentence
_FRAME_NEAR = 12


def _framed(frames: Any, text: str, s0: int, s1: int, a: int, b: int) -> bool:
    """Is the brand at ``text[a:b]`` in a report or a crackdown? A ``brand_frames`` word in its
    sentence that names the topic (赌, 诈骗, a foreign-language frame), or any of them within
    ``_FRAME_NEAR`` characters: a cloned company's 安全生产大整治 meeting twenty characters on
    does not make the brand in its name slot a crackdown's subject."""
    for h in frames.find(text[s0:s1]):
        if "赌" in h.entry.term or "诈骗" in h.entry.term or not _HAN_RE.search(h.entry.term):
            return True
        if s0 + h.start - b <= _FRAME_NEAR and a - (s0 + h.end) <= _FRAME_NEAR:
            return True
    return False


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(0, start - _SENT_WINDOW)
    left = max(text.rfind(c, lo, start) for c in "。!?;\n") + 1 or lo
    m = _SENT_END_RE.search(text, end, end + _SENT_WINDOW)
    return max(left, lo), (m.start() if m else min(len(text), end + _SENT_WINDOW))


def _brand_spans(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of gambling-brand patterns in normalized text, not overlapping."""
    out: list[tuple[str, int, int]] = []
    if any(s in text for s in ("电子", "真人", "棋牌", "电竞", "体育", "娱乐", "彩票", "捕鱼", "视讯")):
        for m in _LATIN_BRAND_RE.finditer(text):
            prefix = m.group(1)
            if prefix in _LATIN_NOT_BRAND or (len(prefix) == 4 and prefix.isdigit()
                                               and prefix[:2] in ("19", "20")):
                continue
            nxt = text[m.end():m.end() + 1]
            if m.group(2) == "电子" and prefix not in _SLOT_PROVIDERS and not (
                    nxt and "\u4e00" <= nxt <= "\u9fff"):
                continue
            out.append(("brand", m.start(), m.end()))
        for m in _STACKED_RE.finditer(text):
            name = m.group(1)
            if (name in _STACKED_NOT_NAMES or name[-1] in _STACKED_NOT_CHARS
                    or text.startswith(_STACKED_NOT_FOLLOWED, m.end())):
                continue
            out.append(("stacked", m.start(), m.end()))
        for m in _OFFICIAL_SITE_RE.finditer(text):
            if m.group(1)[-1] not in _STACKED_NOT_CHARS:
                out.append(("brand", m.start(), m.end()))
        for m in _SLOT_RE.finditer(text):
            name = m.group(1)
            if name[-1] in _STACKED_NOT_CHARS:
                continue
            out.append(("slot", m.start(), m.end()))
        # ``ob欧宝真人``, ``ag亚游真人``: a slot / live-casino provider's code glued to a
        # two-character name and a casino genre word
        for m in _PROVIDER_BRAND_RE.finditer(text):
            if m.group(1) in _SLOT_PROVIDERS and m.group(2) not in _STACKED_NOT_NAMES:
                out.append(("mixed", m.start(), m.end()))
    if any(w in text for w in _SITE_STRONG):
        for m in _SITE_STACK_RE.finditer(text):
            name, stack = m.group(1), m.group(2)
            words = set(re.findall(_SITE_WORD, stack))
            # ``X官网首页``, ``X官网手机版`` are how anyone names a homepage, ``X平台登录入口``
            # how a portal names its login; a doorway stacks three site words with 手机版 /
            # 网页版 / 官网 / 网址 among them, or says 全站, or calls itself an 官方首页
            doorway = (len(words - {"下载"}) >= 3 and bool(words & {"手机版", "网页版", "官网", "全站", "网址"})) \
                or "全站" in words or {"官方", "首页"} <= words
            if (len(words) < 2 or not doorway or name in _SITE_NOT_NAMES
                    or name[-1] in _SITE_NOT_NAME_CHARS or name.isdigit()):
                continue
            out.append(("stack", m.start(), m.end()))
    mixed = [m for m in _MIXED_BRAND_RE.finditer(text)
             if m.group(2) not in _LATIN_NOT_BRAND and m.group(2) not in _MIXED_NOT_LATIN
             and m.group(1)[-1] not in _SITE_NOT_NAME_CHARS and m.group(1)[-1] not in _STACKED_NOT_CHARS
             and m.group(1) not in _STACKED_NOT_NAMES]
    seen: dict[str, int] = {}  # the phrase without the first character the regex took in
    for m in mixed:
        seen[m.group()[1:]] = seen.get(m.group()[1:], 0) + 1
    for m in mixed:
        if m.group(3) not in _MIXED_WEAK or seen[m.group()[1:]] >= 2:
            out.append(("mixed", m.start(), m.end()))
    if "bet" in text or "88" in text or "win" in text:
        for m in _BET_BRAND_RE.finditer(text):
            if m.group(1) not in _LATIN_NOT_BRAND:
                out.append(("brand", m.start(), m.end()))
    if any(r in text for r in ("澳门", "新澳", "奥门", "香港", "马会", "管家婆", "王中王", "白小姐", "黄大仙",
                               "二四六", "246")):
        for m in _LOTTERY_RE.finditer(text):
            out.append(("lottery", m.start(), m.end()))
    if any(r in text for r in ("澳门", "新澳", "澳彩", "葡京", "威尼斯人", "太阳城")):
        for m in _CASINO_CODE_RE.finditer(text):
            code = m.group(1)
            name = m.group()[:-len(code)]
            # a year, or a quantity in prose (澳门新增确诊病例1234), is not a domain code
            if not (len(code) == 4 and code[:2] in ("19", "20")) and not any(c in _PROSE_CHARS for c in name):
                out.append(("brand", m.start(), m.end()))
    out.sort(key=lambda x: (x[1], -x[2]))
    kept: list[tuple[str, int, int]] = []
    for x in out:
        if kept and x[1] < kept[-1][2]:
            continue
        kept.append(x)
    return kept


DETECTORS = [SeoSpam()]
