"""Chinese text of the sandbox world: government posts per duty, public comments, official replies.

Every function takes a ``random.Random`` and returns text built from templates, so the world
stays deterministic. The vocabulary is ordinary government-notice language; the names of
people are invented (surname + given-name pools).
"""

from __future__ import annotations

import random
from typing import NamedTuple


class Segment(NamedTuple):
    """One piece of a post: ``text``, ``topic`` (name without #), ``mention`` (name without @),
    ``link`` (value = URL, extra = label, e.g. 网页链接) or ``emoji`` (value like ``[微笑]``)."""

    kind: str
    value: str
    extra: str | None = None


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉峰建国文斌宇浩凯俊帆欣怡佳琪梓涵子轩雨萱思远晨阳一诺若曦"
EMOJI = ("[赞]", "[加油]", "[给力]", "[心]", "[微笑]", "[鼓掌]", "[good]", "[哈哈]", "[抱抱]", "[话筒]", "[蜡烛]")
PLACES = ("人民广场", "滨江路", "中山路", "解放大道", "高铁站", "市民中心", "体育馆", "新区政务大厅", "文化公园",
          "第一人民医院", "实验小学", "北环路口", "东湖公园", "老城区", "工业园区", "汽车客运站")
WEEKDAYS = "一二三四五六日"

# ---------------------------------------------------------------- per-duty content
TOPICS: dict[str, tuple[str, ...]] = {
    "government": ("{r}发布", "政务公开", "优化营商环境", "民生实事", "乡村振兴", "权威发布", "便民服务"),
    "police": ("平安{r}", "反诈宣传", "警方提示", "110宣传日", "夏夜治安巡查", "扫黑除恶"),
    "traffic": ("文明交通", "一盔一带", "交警提示", "出行提示", "{r}路况", "安全驾驶"),
    "health": ("健康{r}", "健康科普", "疫苗接种", "义诊服务", "合理膳食", "流感防治"),
    "tax": ("税收宣传月", "办税服务", "个税汇算", "减税降费", "便民办税春风行动"),
    "culture": ("游{r}", "文旅推荐", "非遗传承", "{r}美景", "周末去哪儿", "博物馆奇妙夜"),
    "education": ("{r}教育", "开学季", "招生政策", "家庭教育", "校园安全", "中考资讯"),
    "emergency": ("应急科普", "防汛抗旱", "安全生产月", "森林防火", "防灾减灾日", "应急演练"),
    "market": ("食品安全", "消费维权", "3·15", "放心消费", "质量强国", "价格监管"),
    "environment": ("美丽{r}", "蓝天保卫战", "世界环境日", "河湖长制", "垃圾分类", "空气质量"),
}

_LEADS: dict[str, tuple[str, ...]] = {
    "government": (
        "{date}，{full}召开{area}重点项目推进会，研究部署下一阶段工作。",
        "{full}政务服务大厅推出“一件事一次办”，{n}个高频事项实现全程网办。",
        "今年以来，{r}新增城镇就业{n}人，民生实事项目进展顺利。",
        "【权威发布】{r}{year}年度民生实事项目征集活动正式启动，欢迎广大市民建言献策。",
        "{r}召开优化营商环境专题新闻发布会，通报{n}项便企举措。",
        "关于{place}片区旧城改造项目的情况通报。",
        "{r}“12345”政务服务便民热线上半年受理群众诉求{n}件，按时办结率超过98%。",
    ),
    "police": (
        "【警方提示】近期冒充客服退款诈骗高发，请广大群众提高警惕，谨防上当受骗。",
        "{date}，{r}警方在{place}开展夏夜治安巡查宣防集中行动，出动警力{n}人次。",
        "民警成功帮助走失老人回家，家属送来锦旗表示感谢。",
        "{r}公安机关破获一起电信网络诈骗案，抓获犯罪嫌疑人{n2}名，为群众挽回损失{n}余元。",
        "“护苗”行动进校园，民警为{place}附近学校学生上了一堂安全教育课。",
        "户籍业务办理指南：身份证补领、换领可在就近派出所办理，部分业务可网上预约。",
    ),
    "traffic": (
        "【出行提示】{date}起，{place}周边道路施工，请过往车辆提前绕行。",
        "{r}交警开展“一盔一带”专项整治，{date}共查处交通违法行为{n}起。",
        "雨天路滑，请广大驾驶人减速慢行，保持安全车距。",
        "节假日高速出行高峰预计将出现在{date}，请合理安排出行时间。",
        "交警提示：酒后不开车，开车不喝酒。本周查处酒驾{n2}起、醉驾{n3}起。",
        "{place}路口信号灯配时优化完成，早高峰通行效率提升约{pct}%。",
    ),
    "health": (
        "【健康科普】秋冬季是流感高发季节，建议重点人群及时接种流感疫苗。",
        "{date}，{r}组织医疗专家在{place}开展义诊活动，服务群众{n}人次。",
        "{r}新增{n2}家社区卫生服务中心开设夜间门诊，方便上班族就医。",
        "合理膳食小贴士：每天吃够蔬菜水果，少盐少油，控糖限酒。",
        "{r}第一人民医院推出分时段预约挂号，就诊等候时间明显缩短。",
        "关于做好{year}年适龄女生HPV疫苗免费接种工作的通知。",
    ),
    "tax": (
        "{year}年度个人所得税综合所得汇算清缴将于{date}开始，请纳税人合理安排时间办理。",
        "{r}税务部门开展“便民办税春风行动”，推出{n2}项服务措施。",
        "小规模纳税人增值税优惠政策问答来了，一图读懂。",
        "温馨提示：本月征期截止日为{date}，请按时申报缴纳税款。",
        "{org}上门走访企业{n}户，面对面宣讲减税降费政策。",
    ),
    "culture": (
        "周末去哪儿？{place}夜市开街啦，非遗展演、特色小吃等你来打卡！",
        "{date}，{r}第{n2}届文化旅游节开幕，{n}余名游客参与。",
        "{r}博物馆推出“博物馆奇妙夜”活动，夜间开放至21:00。",
        "非遗传承人现场展示传统技艺，吸引众多市民驻足观看。",
        "{r}美景｜秋日的{place}，层林尽染，美不胜收。",
        "国庆假期{r}共接待游客{n}万人次，实现旅游收入{n2}亿元。",
    ),
    "education": (
        "{year}年{r}义务教育阶段学校招生工作方案发布，请家长关注报名时间。",
        "开学第一课：{r}各中小学开展安全教育主题活动。",
        "{r}新建改扩建中小学校{n2}所，新增学位{n}个。",
        "关于做好暑期学生防溺水工作的提醒，请家长务必加强看护。",
        "{org}召开校园食品安全工作会议。",
    ),
    "emergency": (
        "【防汛提醒】{date}起我市将出现强降雨天气，请注意防范山洪、地质灾害。",
        "{org}在{place}开展安全生产大检查，排查隐患{n2}处。",
        "森林防火期内严禁野外用火，祭祀请文明低碳。",
        "{r}举行{year}年防汛应急综合演练，{n}余人参加。",
        "应急科普：家中燃气泄漏怎么办？第一时间关阀门、开窗通风，切勿开关电器。",
    ),
    "market": (
        "{org}对{place}周边餐饮单位开展食品安全专项检查。",
        "消费提示：预付式消费需谨慎，签订合同要看清条款。",
        "{r}抽检食品{n}批次，合格率{pct}%，不合格产品已依法处置。",
        "“3·15”国际消费者权益日，{r}开展消费维权宣传活动。",
        "关于{r}部分农贸市场价格监测情况的通报。",
    ),
    "environment": (
        "{date}，{r}空气质量优良天数比例达{pct}%，同比提高{n2}个百分点。",
        "{r}开展“世界环境日”主题宣传活动，倡导绿色低碳生活方式。",
        "垃圾分类小课堂：废旧电池属于有害垃圾，请投放到红色收集容器。",
        "{org}通报{n2}起环境违法案件查处情况。",
        "河湖长巡河常态化，{place}水质持续改善。",
    ),
}

_BODY = (
    "下一步，{org}将持续加强工作统筹，确保各项任务落到实处。",
    "请广大群众相互转告，共同营造安全有序的社会环境。",
    "如有疑问，可拨打12345政务服务便民热线咨询。",
    "此次活动得到了社会各界的广泛支持，群众满意度不断提升。",
    "据了解，相关工作已纳入年度重点任务清单，实行台账式管理、销号式推进。",
    "活动现场，工作人员通过发放宣传资料、现场讲解等方式普及相关知识。",
    "{org}相关负责人表示，将坚持以人民为中心的发展思想，切实解决群众急难愁盼问题。",
    "具体办理流程可登录政务服务网查询，也可到就近服务窗口咨询。",
    "截至目前，已累计服务群众{n}人次，发放宣传资料{n4}余份。",
    "欢迎广大市民积极参与，共同建设美好家园。",
    "请各单位高度重视，认真组织实施，确保取得实效。",
    "广大市民如发现相关问题线索，可通过官方渠道反映。",
    "据介绍，该项工作自{date}启动以来，已覆盖{area}{n2}个乡镇（街道）。",
)

ENDINGS = ("（来源：{org}）", "转发周知！", "扩散提醒！", "一起点赞！", "", "", "")

TITLE_PREFIX = ("", "", "【关注】", "【通知】", "【提示】", "【图解】", "权威发布｜", "聚焦｜")

# ---------------------------------------------------------------- public comments
_PRAISE = ("点赞！", "辛苦了[赞]", "为家乡点赞", "支持支持", "好消息！", "实用，收藏了", "这个必须转发",
           "感谢分享", "[给力][给力]", "越来越好了", "赞一个，服务很贴心", "已转发给家人")
_QUESTIONS = (
    "请问在哪里可以办理？", "这个政策什么时候开始执行啊？", "请问外地户口可以申请吗？",
    "怎么预约？小程序一直打不开", "如何查询办理进度？", "能否延长一下办理时间？周末上班没空",
    "我们小区门口的路灯坏了很久了，能派人看看吗？", "请问需要带什么材料？", "网上能办吗？",
    "{place}那边的施工什么时候结束？每天都堵", "孩子上学的事情找哪个部门？",
    "请问电话打不通怎么办？", "这个补贴怎么领取？", "请问周六上班吗？",
)
_COMPLAINTS = ("反映好几次了还是没人管", "窗口排队太久了", "{place}晚上噪音太大，希望管一管",
               "路面坑洼多，骑车很危险", "希望加强管理", "什么时候能解决啊")
_CHAT = ("路过", "第一", "早上好", "周末愉快", "[哈哈]", "关注了", "家乡越来越美了", "打卡",
         "来看看", "支持{r}")

_REPLY_OPENERS = ("您好，", "网友您好，", "感谢您的关注！", "您好，感谢您的留言。")
_REPLY_BODIES = (
    "可携带本人有效身份证件到就近政务服务窗口办理，也可通过政务服务网在线申请。",
    "您反映的问题已转交相关部门核实处理，请保持电话畅通。",
    "该政策自发布之日起施行，具体可拨打12345热线咨询。",
    "办理进度可在政务服务网“我的办件”中查询。",
    "已联系属地街道安排人员现场查看，将尽快处理。",
    "周末及节假日设有延时服务窗口，欢迎前来办理。",
    "需提供身份证、户口簿及相关证明材料，详情请查看置顶通知。",
    "相关施工预计月底完工，给您出行带来不便，敬请谅解。",
    "感谢您的建议，我们会认真研究改进。",
)
_REPLY_CLOSERS = ("", "感谢您的理解与支持！", "祝您生活愉快！", "如有疑问欢迎继续留言。")

NICK_A = ("快乐的", "爱吃", "努力的", "清风", "小城", "晴天", "追光的", "江边", "慢慢", "骑车的", "热心",
          "早起的", "月下", "夏天的", "老街")
NICK_B = ("小鱼", "橘子", "阿明", "麦兜", "胖虎", "路人甲", "小太阳", "青柠", "大白", "西瓜", "团子", "木木",
          "老王", "星星", "阿杰")


def fill(template: str, rng: random.Random, ctx: dict[str, str]) -> str:
    """Fill a template's ``{r} {full} {org} {place} {date} {year} {n} {n2} {n3} {pct}`` slots."""
    if "{" not in template:
        return template
    values = dict(ctx)
    if "{place}" in template and "place" not in values:
        values["place"] = rng.choice(PLACES)
    if "{n}" in template and "n" not in values:
        values["n"] = str(rng.choice((120, 260, 380, 560, 1200, 3500, 8600, 12000)))
    if "{n2}" in template and "n2" not in values:
        values["n2"] = str(3 + int(rng.random() * 46))
    if "{n3}" in template and "n3" not in values:
        values["n3"] = str(1 + int(rng.random() * 9))
    if "{n4}" in template and "n4" not in values:
        values["n4"] = str(rng.choice((300, 800, 1500, 2000, 5000, 10000)))
    if "{area}" in template and "area" not in values:
        values["area"] = "全" + (values.get("full") or "市")[-1:]
    if "{pct}" in template and "pct" not in values:
        values["pct"] = str(86 + int(rng.random() * 14))
    return template.format(**values)


def person_name(rng: random.Random) -> str:
    """An invented person name (surname + 1-2 given-name characters)."""
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def nickname(rng: random.Random) -> str:
    """An invented netizen nickname."""
    roll = rng.random()
    if roll < 0.25:
        return f"用户{rng.randint(10**9, 10**10 - 1)}"
    if roll < 0.6:
        return rng.choice(NICK_A) + rng.choice(NICK_B)
    return rng.choice(NICK_B) + str(rng.randint(1, 2099))


def topic_names(duty: str, short: str) -> list[str]:
    return [t.replace("{r}", short) for t in TOPICS[duty]]


def gov_sentences(rng: random.Random, duty: str, ctx: dict[str, str], count: int) -> list[str]:
    """``count`` sentences of a government post: a lead about the duty, then body sentences."""
    out = [fill(rng.choice(_LEADS[duty]), rng, ctx)]
    bodies = rng.sample(_BODY, k=min(len(_BODY), max(0, count - 1)))
    out += [fill(b, rng, ctx) for b in bodies]
    return out


def gov_title(rng: random.Random, duty: str, ctx: dict[str, str], lead: str | None = None) -> str:
    """An article title, from ``lead`` (the article's first sentence) when given."""
    if lead is None:
        lead = fill(rng.choice(_LEADS[duty]), rng, ctx)
    lead = lead.split("，")[0] if len(lead) > 30 and len(lead.split("，")[0]) >= 8 else lead.rstrip("。！")
    lead = lead.removeprefix("【警方提示】").removeprefix("【出行提示】").removeprefix("【健康科普】")
    return rng.choice(TITLE_PREFIX) + lead.strip("。")


def ending(rng: random.Random, ctx: dict[str, str]) -> str:
    return fill(rng.choice(ENDINGS), rng, ctx)


def public_comment(rng: random.Random, ctx: dict[str, str], question_rate: float = 0.3) -> tuple[str, bool]:
    """A comment by the public: (text, is_question)."""
    roll = rng.random()
    if roll < question_rate:
        return fill(rng.choice(_QUESTIONS), rng, ctx), True
    if roll < question_rate + 0.15:
        return fill(rng.choice(_COMPLAINTS), rng, ctx), False
    if roll < question_rate + 0.55:
        return fill(rng.choice(_PRAISE), rng, ctx) + (rng.choice(EMOJI) if rng.random() < 0.3 else ""), False
    return fill(rng.choice(_CHAT), rng, ctx), False


def official_reply(rng: random.Random) -> str:
    """A courteous official reply to a question or complaint."""
    return rng.choice(_REPLY_OPENERS) + rng.choice(_REPLY_BODIES) + rng.choice(_REPLY_CLOSERS)


def user_reply(rng: random.Random) -> str:
    return rng.choice(("同问", "+1", "我也想知道", "谢谢小编", "收到", "已经办好了，挺快的"))


#: Entertainment-tinged but duty-related posts of culture accounts (not about other things).
CULTURE_ENTERTAINMENT = (
    "{r}文旅推荐：{place}音乐节{date}开幕，本地乐队和非遗表演同台，欢迎游客前来。",
    "{r}大熊猫基地迎来新成员，参观请提前在官方小程序预约。",
    "{r}特色美食节开幕，来{place}品尝地道小吃，感受城市烟火气。",
)
