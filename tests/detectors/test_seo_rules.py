"""Unit tests of the ``seo_spam`` rules added for real injected pages: keyword chains, gambling
brands, the spider-pool scaffold and 代孕/私服 promotion (invented texts, example hosts)."""

from __future__ import annotations

import time
from html import escape

from govspider.detection import DetectContext, run_detectors
from govspider_plugins.detectors._text import registrable_domain
from govspider_plugins.detectors.eval import DEFAULT_NOW, installed_detectors
from govspider_plugins.detectors.seo import _brand_spans, _random_token

BODY = ("<p>青澜市召开2026年全市经济工作会议，会议总结了今年以来的经济运行情况，部署明年重点工作。"
        "各区县、各部门要坚持稳中求进工作总基调。</p><div class='foot'>主办：青澜市人民政府办公室</div>")


def _page(title: str = "青澜市人民政府", body: str = BODY, meta: str = "") -> dict:
    head = f"<meta name='keywords' content='{escape(meta)}'>" if meta else ""
    return {"_id": "page:1", "item_type": "page", "url": "https://www.qinglan.example.gov.cn/a.html",
            "raw_html": f"<html><head><title>{escape(title)}</title>{head}</head><body>{body}</body></html>"}


def _findings(item: dict) -> list:
    det = installed_detectors()["seo_spam"]
    return list(run_detectors([det], [item], DetectContext(now=DEFAULT_NOW)))


def _rules(item: dict) -> set[str]:
    return {f.rule for f in _findings(item)}


def test_title_chain_message_counts_segments_and_keeps_spans():
    title = "日韩精品一区二区_国产高清无码_欧美午夜影院_亚洲中文字幕_青澜市"
    found = [f for f in _findings(_page(title)) if f.rule == "keyword_chain"]
    assert found, "a '_'-joined porn chain in the title"
    f = found[0]
    assert "标题由5个片段组成" in f.message and "4个" in f.message and "色情" in f.message
    assert "与标题不符" in f.message  # the body is an ordinary government text
    for m in f.evidence["matches"]:
        a, b = m["span"]
        assert title[a:b] == m["text"]
    assert f.evidence["segments"] == 5 and f.evidence["spam_segments"] == 4


def test_chain_counts_segments_not_words():
    assert not _findings(_page("青澜市人民政府_政务公开_通知公告_政策解读_部门文件_下载中心"))
    assert not _findings(_page("视频新闻_青澜市人民政府_高清视频_在线直播_免费下载"))
    assert "keyword_chain" in _rules(_page("彩票投注平台-快三计划网址-时时彩app下载-青澜"))


def test_body_run_of_spam_segments_and_enforcement_frame():
    chain = "".join(f"<li>{w}</li>" for w in ("国产精品一区二区", "日韩av在线", "亚洲无码专区",
                                               "午夜福利视频"))
    assert "keyword_chain" in _rules(_page(body=BODY + f"<ul>{chain}</ul>"))
    prose = ("<p>警方提醒：不要浏览国产精品一区二区、日韩av在线、亚洲无码专区、午夜福利视频等"
             "淫秽色情网站。</p>")
    assert not _findings(_page(body=BODY + prose))


def test_brand_spans():
    kinds = lambda text: [k for k, _, _ in _brand_spans(text)]  # noqa: E731
    assert kinds("pg电子麻将胡了") == ["brand"]
    assert kinds("ag真人 ky棋牌") == ["brand", "brand"]
    assert kinds("星河体育(中国)官方网站") == ["brand"]
    assert kinds("qy电子大学网络管理办法") == ["slot"]
    assert kinds("金澜体育娱乐研究院") == ["stacked"]
    assert kinds("某某体育政府信息公开指南") == ["slot"]
    assert kinds("马会今晚开码结果") == ["lottery"]
    for text in ("led电子显示屏", "lg电子 发布新品", "电子科技大学", "北京体育大学", "文化体育娱乐产业",
                 "2026体育嘉年华", "nba体育赛事", "青澜市体育政府信息公开", "香港特区政府精准施策,一码通",
                 "网络游戏平台监管", "体育彩票", "福利彩票开奖公告"):
        assert not _brand_spans(text), text


def test_brand_in_enforcement_sentence_is_not_reported():
    body = BODY + "<p>警方破获一起网络赌博案，涉案平台包括XK体育、MG电子等。</p>"
    assert not _findings(_page(body=body))
    assert "gambling_brand" in _rules(_page("关于做好防汛工作的通知_XK体育"))


def test_random_token():
    for token in ("0cohg", "k2x9q", "ab12c", "xrjdv"):
        assert _random_token(token), token
    for token in ("mt20", "w1200", "col-3", "item", "content", "clear", "html", "nav"):
        assert not _random_token(token), token


def test_spider_pool():
    scaffold = "".join(f"<font class='k2x9q'><span class='k2x9q'>{c}</span><i class='k2x9q'></i></font>"
                       for c in "政务公开")
    found = [f for f in _findings(_page(body=BODY + scaffold)) if f.rule == "spider_pool"]
    assert found and "k2x9q" in found[0].message and "蜘蛛池" in found[0].message
    cms = "".join(f"<li id='item'><a id='item' href='/a{i}'>关于第{i}批项目的公示</a></li>"
                  for i in range(10))
    assert not _findings(_page(body=BODY + cms))


def test_illicit_promo_needs_sales_cues_and_no_frame():
    ad = BODY + "<p>正规代孕机构哪家好？成功率高，价格透明，欢迎来电咨询。</p>"
    assert "illicit_promo" in _rules(_page(body=ad))
    warning = BODY + "<p>代孕违法，如发现非法代孕中介，请拨打举报电话12345。</p>"
    assert not _findings(_page(body=warning))


def test_a_large_page_costs_in_proportion_to_its_size():
    """Ten times the rows cost about ten times the CPU, not a hundred (a quadratic step on a
    page of thousands of breadcrumb cells was the bug this guards against). A ratio of CPU
    times, best of three, not a wall-clock limit: it holds on a loaded machine."""
    def page(n: int) -> dict:
        rows = "".join(f"<tr><td id='r{i}'>第{i}项</td><td>青澜市_政务公开_通知公告_{i}</td></tr>"
                       for i in range(n))
        return _page(body=BODY + f"<table>{rows}</table>")

    def cpu(item: dict) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            assert not _findings(item)
            best = min(best, time.process_time() - start)
        return best

    small, large = page(500), page(5000)
    _findings(small)  # warm caches
    assert cpu(large) < 30 * max(cpu(small), 1e-3)


def test_foreign_gambling_needs_two_items_and_no_frame():
    title = "hi88 bắn cá đổi thưởng xổ số hôm nay"
    found = [f for f in _findings(_page(title)) if f.rule == "gambling_brand"]
    assert found and "外文" in found[0].message
    for m in found[0].evidence["matches"]:
        a, b = m["span"]
        assert title[a:b] == m["text"]
    assert "gambling_brand" in _rules(_page(body=BODY + "<p>slot gacor maxwin, situs judi terpercaya</p>"))
    assert not _findings(_page("Macau casino revenue rose this year"))  # one term
    assert not _findings(_page(body=BODY + "<p>Police arrested an online casino and sportsbook ring.</p>"))


def test_casino_code_is_not_a_year_or_quantity():
    assert [k for k, _, _ in _brand_spans("澳门新葡京8455\n")] == ["brand"]
    for text in ("澳门特区政府2026年施政报告", "澳门新增就业岗位3500个,", "澳门旅游塔338米"):
        assert not _brand_spans(text), text


def test_ivf_offer_needs_offer_and_no_negation():
    ad = BODY + "<p>试管婴儿可以帮您选择宝宝性别，胚胎移植代母体内。</p>"
    found = [f for f in _findings(_page(body=ad)) if f.rule == "illicit_promo"]
    assert found and "辅助生殖" in found[0].message
    news = BODY + "<p>试管婴儿技术依法不能用于选择胎儿性别。</p><p>我院通过试管婴儿技术帮助夫妇喜得双胞胎。</p>"
    assert not _findings(_page(body=news))


def test_medical_longtail_query():
    assert "illicit_promo" in _rules(_page("青澜哪个医院治白癜风好"))
    line = "<p>青澜治疗癫痫哪家好 www.dx-example.com</p>"
    assert "illicit_promo" in _rules(_page(body=line + BODY))
    assert not _findings(_page(body=BODY + "<p>青澜治疗癫痫哪家好？</p>"))  # one query, no address
    assert not _findings(_page(body=BODY + "<p>市卫健委提醒：不要轻信“哪家医院治白癜风好”一类虚假广告。</p>"))


def test_menu_line_and_longtail_tags():
    menu = BODY + "<p>丝袜诱惑、明星艳照、偷窥走光</p>"
    found = [f for f in _findings(_page(body=menu)) if f.rule == "keyword_chain"]
    assert found and "栏目" in found[0].message
    assert not _findings(_page(body=BODY + "<p>视频新闻、图片新闻、综合新闻、明星企业</p>"))
    tags = BODY + ("<p>热门标签：凌江智能门锁厂家 临川电动窗帘价格 南浦空气能热水器哪家好 北岭净水设备代理商</p>")
    found = [f for f in _findings(_page(body=tags)) if f.rule == "keyword_chain"]
    assert found and "长尾词" in found[0].message
    prices = BODY + "<p>青澜市猪肉零售价格 青澜市蔬菜批发价格 青澜市粮油零售价格 青澜市水果零售价格</p>"
    assert not _findings(_page(body=prices))


def test_escort_slang_not_in_ordinary_words():
    assert "title_hijack" in _rules(_page("青澜桑拿大活体验_青澜外围女上门"))
    assert not _findings(_page("加大活禽市场检查力度_对口支援交流"))


def test_ivf_question_and_hospital_opinion_are_not_ads():
    assert not _findings(_page(body=BODY + "<p>试管婴儿能选择性别吗？专家：我国法律规定不允许。</p>"))
    assert not _findings(_page("青澜市人民医院怎么样"))
    assert "illicit_promo" in _rules(_page("青澜仁和男科医院怎么样"))


def test_cloaking_script():
    spam = {"item_type": "page", "_id": "page:2", "url": "https://www.qinglan.example.gov.cn/",
            "raw_html": "<html><head><title>青澜</title><script>var r=document.referrer;"
                        "if(r.indexOf('baidu')>-1){location.href='https://m.lj-example.vip/';}</script>"
                        f"</head><body>{BODY}</body></html>"}
    found = [f for f in _findings(spam) if f.rule == "hidden_links"]
    assert found and "搜索引擎" in found[0].message and "m.lj-example.vip" in found[0].message
    mobile = dict(spam, raw_html=spam["raw_html"].replace(
        "var r=document.referrer;if(r.indexOf('baidu')>-1){location.href='https://m.lj-example.vip/';}",
        "if(/Android|iPhone/i.test(navigator.userAgent)){location.href='/m/';}"))
    assert not _findings(mobile)


def test_site_word_stack_and_mixed_brand():
    kinds = lambda text: [k for k, _, _ in _brand_spans(text)]  # noqa: E731
    assert kinds("鸿运全站app官网") == ["stack"]
    assert kinds("其中对东盟星耀手机版登录入口进出口增长") == ["stack"]
    assert kinds("会议召开-鸿运官方首页") == ["stack"]
    assert kinds("清理空壳金樽hy旗舰，逾期金樽hy旗舰将无法访问") == ["mixed", "mixed"]
    assert kinds("星耀xy体育") == ["mixed"]
    for text in ("青澜市电子税务局登录入口", "统一身份认证平台登录入口", "青澜通app首页扫码", "青澜大学官网首页",
                 "青澜旅游官网手机版", "下载学习强国app官方版", "青澜市公安局官方首页", "华为mate旗舰手机",
                 "青澜etc官网办理，青澜etc官网充值", "青澜发布官网首页", "青澜政务app手机版登录"):
        assert "stack" not in kinds(text) and "mixed" not in kinds(text), text


def test_foreign_doorway_tail_weak_words_and_names():
    def rules(body: str, title: str = "青澜市人民政府") -> set[str]:
        return _rules(_page(title, f"<p>{escape(body)}</p>"))
    # a Thai query salad ending in a Chinese site word; a Thai welcome line is not one
    assert "gambling_brand" in rules("วิธีทำขนมปัง 5 นาที ตารางบอลวันนี้ ราคาทองวันนี้ abc 2024 ดูดวงรายวัน 官方网站")
    assert not rules("ยินดีต้อนรับสู่เว็บไซต์ทางการของเมืองชิงหลาน 官方网站")
    # weak words (deposit, bonus) need a made-up brand; an e-mail address is not one
    assert "gambling_brand" in rules("Anda bisa klaim bonus tanpa deposit di situs rajahoki hari ini.")
    assert not rules("Deposit insurance and year-end bonus policies. Contact: ab123@qinglan.gov.cn")
    # a term with a letters+digits name; a single state-lottery word is not enough
    assert "gambling_brand" in rules("สล็อต (QL66) เป็นเกมยอดนิยม")
    assert not rules("สลากกินแบ่งรัฐบาล ประจำงวดวันที่ 1 ธันวาคม ผลหวยรัฐบาล")
    assert "gambling_brand" in rules("", title="Top Casinos Not on GamStop for New Players")
    assert not rules("The Gaming Inspection and Coordination Bureau regulates casinos and licensing of betting.")


def test_betting_offer_needs_cue_and_no_frame():
    def found(body: str) -> list:
        return [f for f in _findings(_page(body=f"<p>{escape(body)}</p>")) if f.rule == "gambling_brand"]
    f = found("使用USDT下注的真人娱乐，无须实名，随时开局")
    assert f and "招揽" in f[0].message
    m = f[0].evidence["matches"][0]
    assert m["entry"] == "offer" and m["cue"] in ("usdt", "下注", "无须实名")
    assert not found("警方破获一起网络赌博案，犯罪嫌疑人利用开元棋牌组织用户使用USDT下注。")
    assert not found("2024年澳门银河综合度假城接待游客量提升，员工提款机故障已修复。")


def test_dense_chain_line_and_quoted_report():
    # a line of its own, cut by '|' into segments that are nearly all porn-site phrases (one odd
    # segment among them): a chain too short for a run of four
    line = "<p>国产精品视频在线播放|日韩久久免费视频|青澜在线8|欧美特级高清视频</p>"
    found = [f for f in _findings(_page(body=line + BODY)) if f.rule == "keyword_chain"]
    assert found and "正文中连续出现" in found[0].message
    # a sentence's clauses are not a chain, nor are spam phrases a report quotes (the rules;
    # the text model judges the wording on its own)
    assert not _findings(_page(body=BODY + "<p>警方提示，国产精品视频、日韩免费视频等网站涉黄，青澜市已关停。</p>"))
    quoted = ("<p>这些短信公然宣传“国产精品视频在线播放”、“日韩久久免费视频”、“欧美特级高清视频”、"
              "“亚洲无码在线观看”等内容，旅客不胜其烦。</p>")
    assert "keyword_chain" not in _rules(_page(body=BODY + quoted))


def test_registrable_domain_uses_the_public_suffix_list():
    assert registrable_domain("a.b.qinglan.gov.cn") == "qinglan.gov.cn"
    assert registrable_domain("www.qinglan.net.cn") == "qinglan.net.cn"
    assert registrable_domain("news.foo.co.uk") == "foo.co.uk"
    assert registrable_domain("k3x9qz.asia") == "k3x9qz.asia"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"  # no suffix: the host itself...
    assert registrable_domain("sandbox.invalid", "") == ""  # ...or the default given


def _farm_page(url: str, hosts: list[str]) -> dict:
    lines = "".join(f"<p>{h}/{n}.html</p>" for n, h in enumerate(hosts, 101))
    return {"_id": "page:1", "item_type": "page", "url": url,
            "raw_html": f"<html><head><title>青澜信息网</title></head><body>{BODY}{lines}</body></html>"}


def test_link_farm_of_a_random_named_domain_and_not_of_the_page_site():
    farm = ["www.k3x9qz.asia", "k3x9qz.asia", "m.k3x9qz.asia", "www.k3x9qz.asia"]
    assert "link_farm" in _rules(_farm_page("https://www.qinglan.example.gov.cn/a.html", farm))
    assert "link_farm" not in _rules(_farm_page("https://k3x9qz.asia/a.html", farm))  # its own pages
    # a page of x.net.cn: its own site is x.net.cn, not every name under net.cn
    other = ["www.q7w2ke.net.cn"] * 4
    assert "link_farm" in _rules(_farm_page("https://www.qinglan.net.cn/a.html", other))
    # a random name right under a two-label suffix, no www
    assert "link_farm" in _rules(_farm_page("https://www.qinglan.example.gov.cn/a.html",
                                            ["k3x9qz.com.cn"] * 4))
    assert "link_farm" not in _rules(_farm_page("https://www.qinglan.net.cn/a.html",
                                                ["www.qinglan.net.cn"] * 4))
    assert "link_farm" not in _rules(_farm_page("https://www.qinglan.example.gov.cn/a.html",
                                                ["www.k3x9qz.asia"] * 3))  # fewer than four


def test_betting_words_and_code_brands_in_a_cloned_school_news_slot():
    body = ("<p>开学典礼上，院长对全体新生表示欢迎，并介绍了金帆港zbx8807761(中国)有限公司的办学特色。</p>"
            "<p>运动会开幕式展现了外围买球官网大学生朝气蓬勃的精神面貌。</p>")
    found = [f for f in _findings(_page(body=body)) if f.rule == "gambling_brand"]
    assert found
    texts = {m["text"] for m in found[0].evidence["matches"]}
    assert any(t.startswith("金帆港zbx8807761") for t in texts)
    assert any("买球官网" in t for t in texts)
    # sneakers and tickets are no betting, a product code in a school's news is no brand
    assert not _findings(_page(body="<p>学生会组织大学生买球鞋、买球票的消费调查，覆盖全体师生。</p>"
                                    "<p>实验室新购置的设备型号为abc20240，由学院统一管理。</p>"))
