"""``inappropriate_speech`` constructions: slots, anchors, who is addressed, reply weighting,
the curt-tone rule, and what keeps a quoted or reported remark from being a hit."""

from __future__ import annotations

from datetime import datetime

import pytest

from govspider.detection import DetectContext
from govspider.processors import CST
from govspider_plugins.detectors._lexicon import load_lexicon
from govspider_plugins.detectors.speech import InappropriateSpeech, constructions

DET = InappropriateSpeech()
CTX = DetectContext(now=datetime(2026, 11, 20, 12, 0, tzinfo=CST))
LEX = load_lexicon("inappropriate_speech", override="")
SHAPES, _ = constructions(LEX)


def findings(text: str, kind: str = "comment", official: bool = True):
    item = {"_id": "weibo:t1", "item_type": kind, "platform": "weibo", "text": text}
    if kind == "comment":
        item["is_official"] = official
    return list(DET.detect(item, CTX))


EXAMPLES = [(name, ex) for name, spec in LEX.get("constructions").items()
            for ex in spec.get("examples") or ()]


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[f"{n}:{e}" for n, e in EXAMPLES])
def test_every_construction_catches_its_examples_in_an_official_reply(name, example):
    found = findings(example)
    assert found, f"{name}: {example!r} not found"
    assert name in found[0].evidence["constructions"] or found[0].evidence["matches"], found


def test_every_construction_has_examples_anchors_and_a_chinese_label():
    for shape in SHAPES:
        spec = LEX.get("constructions")[shape.name]
        assert spec.get("examples") and spec.get("anchors") and shape.patterns, shape.name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in shape.label), shape.name


def test_the_finding_names_the_construction_and_why():
    (f,) = findings("别找我，反映也没用。")
    assert f.rule == "dismissal"
    assert "称反映无用" in f.message and "反映也没用" in f.message
    assert f.evidence["official_reply"] is True
    match = f.evidence["matches"][0]
    assert match["construction"] == "futile" and match["pattern"]
    assert f.evidence["matches"][0]["text"] in "别找我，反映也没用。"


def test_traditional_script_and_polite_you_match_the_same_construction():
    assert findings("愛找誰找誰去")
    assert findings("您最好永遠別來！")


def test_an_official_reply_weighs_more_than_a_post():
    # a weight-1 construction (sarcasm) is enough in a reply, not in a post
    assert findings("你想多了。")
    assert not findings("你想多了。", kind="post")


def test_addressed_constructions_need_someone_addressed_in_a_post():
    assert not findings("台风天气，游客最好别来海边。", kind="post")
    assert findings("你最好永远别来！", kind="post")


def test_quoted_or_reported_remarks_are_not_hits():
    assert not findings("您好，您反映的工作人员说“反映也没用”的问题，我们已核实并批评教育，感谢监督。")
    assert not findings("网友称窗口人员说“有本事你去告”，我们已调取录像核查。")
    assert not findings("【情况通报】网传某街道工作人员对群众称“你算老几”，经查属实，已对其停职检查。",
                        kind="post")


def test_citizen_comments_are_not_the_accounts_speech():
    assert not findings("有本事你去告啊，别找我，反映也没用。", official=False)


def test_curt_tone_is_a_reply_in_neither_the_service_nor_the_friendly_register():
    assert findings("为了这点事打了三次电话。")
    assert not findings("为了这点事打了三次电话，已转交相关部门处理。")
    assert not findings("为了这点事打了三次电话[哈哈]")
    assert not findings("为了这点事打了三次电话。", kind="post")


def test_curt_tone_needs_no_courtesy_and_a_question_or_exclamation_at_you():
    (f,) = findings("你到底要办什么？")
    assert f.evidence["constructions"] == ["curt_tone"]
    assert "语气生硬" in f.message
    assert not findings("您好，请问您是哪个小区的？我们安排人员上门查看。")
    assert not findings("收到，转城管局明天修理到位。")
    assert not findings("这绝对是骗子，警方不会电话通知查案，千万别上当。")


@pytest.mark.parametrize("text", [
    "您好，此事不属于本单位职责，建议您拨打12345热线咨询，谢谢。",
    "属于社会生活噪声，按职能划分由公安部门管理。",
    "您好，您的来信已收到，请说明详细情况，以便我们进一步落实处理。",
    "高血压患者降压药不能停，请遵医嘱。",
    "违者后果自负。",
    "您可以试试在政务服务网上办理。",
    "请您耐心等着，工作人员马上到。",
    "我们有多种方法帮您办理，请选择适合的方式。",
    "家里出事了请及时拨打110。",
    "小编也很期待！",
    "加油！明天见！",
    "哈哈，你说得对！",
    "好的",
    "我们要抵制负能量，传播正能量。",
    "您好，近期景区游客较多，建议您最好别来高峰时段，错峰出行。",
    "您好，此事对我们也将是深刻的教训，我们将认真整改。",
    "这里法律规定得很清楚，请您依法办理。",
])
def test_courteous_and_ordinary_replies_stay_clean(text):
    assert not findings(text), findings(text)[0].message


def test_a_text_made_only_of_quotations_is_its_speakers_own_words():
    from govspider_plugins.detectors.speech import reporting_quotes

    assert reporting_quotes("“滚”、“爬”") == []  # nothing but quotations: the speaker's own
    assert reporting_quotes("“滚”以及“爬”") == []
    assert reporting_quotes("“滚”以“爬”") != []  # a lone 以 is a sentence, not a list
    assert reporting_quotes("他说“滚”") == [(2, 5)]  # a report of someone's words
