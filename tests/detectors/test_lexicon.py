"""Lexicon overrides, findings' shape and the evaluation command."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from govspider.detection import DetectContext, run_detectors
from govspider.processors import CST
from govspider_plugins.detectors import eval as det_eval
from govspider_plugins.detectors._lexicon import LexiconError, load_lexicon
from govspider_plugins.detectors.speech import InappropriateSpeech

NOW = datetime(2026, 11, 20, 12, tzinfo=CST)
REPLY = {"item_type": "comment", "_id": "weibo:c1", "platform": "weibo", "platform_id": "c1",
         "post_id": "weibo:p1", "account_id": "weibo:a1", "is_official": True,
         "text": "您好，這事兒你自個兒琢磨去吧"}


def _ctx(path=None):
    settings = {"GOVSPIDER_DETECTORS": {"inappropriate_speech": {"lexicon": str(path)}}} if path else {}
    return DetectContext(now=NOW, settings=settings)


def test_user_lexicon_extends_and_versions(tmp_path):
    det = InappropriateSpeech()
    assert not list(run_detectors([det], [REPLY], _ctx()))
    user = tmp_path / "mine.yaml"
    user.write_text("version: local-1\nterms:\n  dismissal:\n    weight: 2\n"
                    "    terms: [你自个儿琢磨去吧]\n", encoding="utf-8")
    findings = list(run_detectors([det], [REPLY], _ctx(user)))
    assert len(findings) == 1
    f = findings[0]
    assert f.evidence["lexicon_version"].endswith("+local-1")
    match = f.evidence["matches"][0]
    assert REPLY["text"][match["span"][0]:match["span"][1]] == match["text"] == "你自個兒琢磨去吧"
    assert f.message.startswith("官方回复中出现不当言辞") and f.severity == "high"
    # the same finding twice is one id
    again = list(run_detectors([det], [REPLY], _ctx(user)))
    assert again[0]._id == f._id


def test_bad_user_lexicon_is_a_clear_error(tmp_path):
    with pytest.raises(LexiconError, match="not found"):
        load_lexicon("inappropriate_speech", override=tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="mapping"):
        load_lexicon("inappropriate_speech", override=bad)


def test_threshold_from_settings():
    det = InappropriateSpeech()
    item = dict(REPLY, text="呵呵")
    assert not list(run_detectors([det], [item], _ctx()))
    ctx = DetectContext(now=NOW, settings={"GOVSPIDER_DETECTORS": {
        "inappropriate_speech": {"min_score": 1}}})
    assert list(run_detectors([det], [item], ctx))


def test_eval_ground_truth(tmp_path, capsys):
    items = [dict(REPLY, text="爱咋咋地，不服去告"),
             dict(REPLY, _id="weibo:c2", text="您好，已转交相关部门办理，谢谢。"),
             dict(REPLY, _id="weibo:c3", text="你算老几")]
    truth = [{"detector": "inappropriate_speech", "subject_type": "comment",
              "subject_id": "weibo:c1"},
             {"detector": "inappropriate_speech", "subject_type": "comment",
              "subject_id": "weibo:c2"}]
    (tmp_path / "items.jsonl").write_text("\n".join(json.dumps(i, ensure_ascii=False)
                                                   for i in items), encoding="utf-8")
    (tmp_path / "gt.json").write_text(json.dumps(truth), encoding="utf-8")
    code = det_eval.main(["--detectors", "inappropriate_speech", "--ground-truth",
                          str(tmp_path / "gt.json"), "--items", str(tmp_path / "items.jsonl")])
    out = capsys.readouterr().out
    assert code == 0
    gt_line = [ln for ln in out.split("Sandbox ground truth")[1].splitlines()
               if ln.startswith("inappropriate_speech")][0]
    assert gt_line.split()[1:4] == ["1", "1", "1"]  # TP FP FN
    assert det_eval.main(["--ground-truth", str(tmp_path / "gt.json")]) == 2


def test_allow_hits_drop_only_the_hits_they_contain():
    from govspider_plugins.detectors._matcher import Entry, Matcher

    m = Matcher([Entry("赌博", "x"), Entry("打击赌博", kind="allow"), Entry("网络赌博犯罪", kind="allow"),
                 Entry("博彩", "x")])
    text = "打击赌博，网络赌博犯罪，线上赌博，博彩公司"
    assert [text[h.start:h.end] for h in m.find(text)] == ["赌博", "博彩"]
    assert m.find(text)[0].start == text.index("线上赌博") + 2
    # many allow hits before and after: every contained hit dropped, the free one kept
    long = "打击赌博" * 500 + "赌博" + "网络赌博犯罪" * 500
    assert [h.start for h in m.find(long)] == [2000]
