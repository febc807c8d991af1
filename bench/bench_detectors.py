"""Throughput of the content detectors through ``govspider.detection.run_detectors``.

Generates N varied posts deterministically (seeded), runs the content detectors (or every
installed detector with ``--all``) over them in one process, and prints posts per second,
the ratio to a baseline measured in the same run (one ``str.find`` per text: the cheapest
possible keyword scan), and finally the figure alone on the last line. A JSON result goes to
``bench/results/detectors-<date>.json``.

    .venv/bin/python bench/bench_detectors.py [--posts 100000] [--all] [--profile]
    .venv/bin/python bench/bench_detectors.py --against REV [--repeat 3]
    .venv/bin/python bench/bench_detectors.py --reference --all --repeat 5

``--against REV`` measures this tree and git revision REV (checked out in a temporary worktree)
with this same script, alternating runs in separate processes, and prints the ratio of the best
of each: whether a change made the detectors slower, on whatever machine it runs on. Each side
imports its own tree: ``govspider`` from the tree and ``govspider_plugins`` from the tree's
``plugins`` folder (a symlink in a temporary directory put first on ``PYTHONPATH``: the editable
install would otherwise map ``govspider_plugins`` to the installed checkout for both sides); every
run prints the folders it imported and a side that imported another tree's is an error.
``--reference`` is ``--against`` the revision whose figure the README gives (measured on a
quieter machine than these shared ones) and prints the figure this tree's ratio implies there.

``--instructions`` (with ``--against`` or ``--reference``) counts instructions instead of
timing: each side runs once under ``valgrind --tool=callgrind`` with instrumentation off until a
steady state (a first batch of ``--posts`` other posts scored, caches and automatons built), on
for the measured batch only (``callgrind_control -i on/off``), with ``PYTHONHASHSEED=0`` and one
BLAS thread. The count does not depend on the machine's neighbours, so one run a side is enough;
it leaves out memory stalls (callgrind counts instructions, not cycles). Needs valgrind. It
scores 3,000 posts unless ``--posts`` says otherwise (about a minute a side): fewer weigh the
fixed cost of each batch of 1,000 too much (300 posts gave 0.79 where 3,000 give 0.97).

    .venv/bin/python bench/bench_detectors.py --reference --all --instructions
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from govspider.detection import DetectContext, run_detectors
from govspider.processors import CST

#: the revision whose throughput was measured on the November development VM (README, "Figures"),
#: as (revision, lowest, highest posts/s per core over 100,000 posts)
REFERENCE = ("86873c1", 23_500, 26_000)

CONTENT = ("inappropriate_speech", "commercial_ad", "seo_spam", "serious_typo", "privacy_leak",
           "sensitive_content", "off_topic")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)

OPENINGS = ["【通知】", "【提醒】", "【关注】", "#青澜发布# ", "", "", "【權威發布】", "【便民】"]
SUBJECTS = ["青澜市", "我局", "市政务服务中心", "区人民政府", "市公安局", "县卫健委", "市税务局",
            "市文化广电旅游局", "街道办事处", "市交通运输局"]
ACTIONS = ["召开全市安全生产工作会议", "开展反诈宣传进社区活动", "发布冬季用火用电安全提示",
           "推进乡村振兴重点项目建设", "深入学习贯彻党的二十大精神", "举办第二届志愿服务项目大赛",
           "延长政务服务中心周末办理时间", "部署岁末年初安全防范工作", "开展垃圾分类宣传活动",
           "坚持以习近平新时代中国特色社会主义思想为指导", "公布2026年度事业单位招聘公告",
           "開展“我為群眾辦實事”實踐活動", "推動經濟高質量發展", "发布防汛应急预案",
           "开展扫黄打非专项行动", "提醒市民警惕刷单返利诈骗"]
DETAILS = ["会议要求各部门压实责任、狠抓落实。", "咨询电话：0755-12345678。", "详情请关注官方微信公众号。",
           "市民可拨打12345热线反映诉求。", "本次活动共有1300余人参加。", "请广大市民相互转告。",
           "欢迎广大市民积极参与。", "相关工作将于12月1日起实施。", "网友称服务态度明显改善。",
           "联系人：李老师，电话13800001234。", "点击链接查看全文。", "截至目前，已办结诉求3200件。"]
PLANTED = ["爱咋咋地，不服去告！", "正品代购，加微信 abc_shop888", "热烈庆祝中国共产觉成立",
           "失物招领：身份证号440301198503071232", "同城约炮，裸聊一对一", "百家乐真人荷官，首充送彩金",
           "全新全意为人民服务"]
REPLIES = ["您好，感谢您的留言，我们已转交相关部门办理。", "您反映的问题已核实，将尽快处理。",
           "请您拨打12345热线咨询，谢谢。", "感谢关注，具体政策请见官方公告。"]


def make_items(n: int, seed: int = 2026) -> list[dict]:
    rng = random.Random(seed)
    items: list[dict] = []
    accounts = [f"weibo:60000{i:05d}" for i in range(max(1, n // 100))]
    for a in accounts:
        items.append({"item_type": "account", "_id": a, "platform": "weibo",
                      "platform_id": a.split(":")[1], "name": "青澜发布"})
    for i in range(n):
        if i % 10 == 9:  # one in ten is an official reply
            text = rng.choice(REPLIES) + rng.choice(DETAILS)
            items.append({"item_type": "comment", "_id": f"weibo:c{i}", "platform": "weibo",
                          "platform_id": str(i), "post_id": f"weibo:{i - 1}",
                          "account_id": accounts[i % len(accounts)], "is_official": True,
                          "text": text})
            continue
        parts = [rng.choice(OPENINGS), rng.choice(SUBJECTS), rng.choice(ACTIONS), "。"]
        parts += rng.sample(DETAILS, rng.randint(1, 4))
        if rng.random() < 0.01:
            parts.append(rng.choice(PLANTED))
        text = "".join(parts) + f"（第{i}期）"
        items.append({"item_type": "post", "_id": f"weibo:{i}", "platform": "weibo",
                      "platform_id": str(i), "account_id": accounts[i % len(accounts)],
                      "text": text})
    return items


def baseline(texts: list[str]) -> float:
    start = time.perf_counter()
    found = 0
    for t in texts:
        if t.find("爱咋咋地") >= 0:
            found += 1
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=None,
                        help="posts to score (100,000; 3,000 with --instructions)")
    parser.add_argument("--all", action="store_true", help="every installed detector")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile (if installed)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results"))
    parser.add_argument("--against", metavar="REV", help="compare with this git revision")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side with --against")
    parser.add_argument("--reference", action="store_true",
                        help=f"--against the reference revision {REFERENCE[0]}, whose figure was "
                             "measured on a quieter machine, and print the figure this tree's ratio implies")
    parser.add_argument("--instructions", action="store_true",
                        help="with --against/--reference: count instructions per post in a steady state "
                             "under valgrind's callgrind (one run a side) instead of timing")
    parser.add_argument("--steady", action="store_true", help=argparse.SUPPRESS)  # one callgrind side
    args = parser.parse_args(argv)
    if args.instructions and not (args.against or args.reference):
        parser.error("--instructions compares two trees: give --against REV or --reference")
    if args.posts is None:
        args.posts = 3_000 if args.instructions else 100_000
    if args.reference:
        args.against = REFERENCE[0]
    if args.against:
        return instructions(args) if args.instructions else compare(args)
    try:
        from govspider.plugins import installed_plugins
    except ImportError:  # a tree older than installed_plugins (the reference revision)
        from govspider.plugins import registry as installed_plugins

    installed = installed_plugins().detectors
    imports = imported_dirs()
    for name, folder in imports.items():
        print(f"imports: {name} from {folder}", flush=True)
    names = sorted(installed) if args.all else [n for n in CONTENT if n in installed]
    detectors = [installed[n] for n in names]
    items = make_items(args.posts)
    texts = [i.get("text", "") for i in items if i["item_type"] in ("post", "comment")]
    # warm-up: lexicons and automatons are built once per process, outside the timing
    warm = [i for i in items if i["item_type"] == "account"][:3] + [
        i for i in items if i["item_type"] != "account"][:300]
    list(run_detectors(detectors, warm, DetectContext(now=NOW)))
    from govspider_plugins.detectors import _matcher, _text

    _text._NORM_CACHE.clear()
    _matcher._COMBINED.cache.clear()
    if args.steady:  # a steady state: a whole other batch scored first, then only the batch counted
        list(run_detectors(detectors, make_items(args.posts, seed=5), DetectContext(now=NOW)))
        import gc

        gc.collect()
        _callgrind("on")
    profiler = None
    if args.profile:
        try:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        except ImportError:
            print("pyinstrument is not installed; running without profile", file=sys.stderr)
    start, cpu_start = time.perf_counter(), time.process_time()
    findings = list(run_detectors(detectors, items, DetectContext(now=NOW)))
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    if args.steady:
        _callgrind("off")
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    base = baseline(texts)
    rate = len(texts) / cpu  # per core: CPU time of this one process
    wall_rate = len(texts) / elapsed
    base_rate = len(texts) / base if base else float("inf")
    by_det: dict[str, int] = {}
    for f in findings:
        by_det[f.detector] = by_det.get(f.detector, 0) + 1
    result = {"posts": len(texts), "detectors": names, "seconds": round(elapsed, 3),
              "cpu_seconds": round(cpu, 3), "posts_per_second": round(rate),
              "wall_posts_per_second": round(wall_rate), "baseline_posts_per_second": round(base_rate),
              "ratio_to_baseline": round(rate / base_rate, 5), "findings": by_det,
              "python": platform.python_version(), "machine": platform.machine(),
              "imports": imports, "at": datetime.now().isoformat(timespec="seconds")}
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "detectors.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"detectors: {', '.join(names)}")
    print(f"findings: {by_det}")
    print(f"{len(texts)} posts in {elapsed:.2f} s wall, {cpu:.2f} s CPU -> {rate:,.0f} posts/s "
          f"per core ({wall_rate:,.0f} posts/s wall) "
          f"(baseline str.find: {base_rate:,.0f} posts/s; ratio {rate / base_rate:.4f})")
    print(f"result: {out}")
    print(f"detectors: {rate:,.0f} posts/s per core over {len(texts):,} posts (target >= 20,000)")
    return 0


def _callgrind(state: str) -> None:
    """Switch callgrind's instrumentation of this process on or off (nothing outside valgrind)."""
    import subprocess

    if os.environ.get("GOVSPIDER_CALLGRIND"):
        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True,
                       stdout=subprocess.DEVNULL)


def imported_dirs() -> dict[str, str]:
    """The folder (symlinks resolved) each of ``govspider``, ``govspider_plugins`` and the
    detectors plugin (``govspider_plugins.detectors``, as the entry point loaded it) came from."""
    out = {}
    for name in ("govspider", "govspider_plugins", "govspider_plugins.detectors"):
        module = sys.modules.get(name)
        out[name] = str(Path(module.__file__).resolve().parent) if module and module.__file__ else "?"
    return out


@contextlib.contextmanager
def _two_trees(against: str) -> Iterator[tuple[str, list[tuple[str, Path, str]], Path] | None]:
    """This tree and a temporary worktree of ``against``: ``(short revision, [(name, folder,
    PYTHONPATH)] of both, a scratch folder)``, or ``None`` (after an error message) for an
    unknown revision. The worktree is removed on the way out."""
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parents[1]
    found = subprocess.run(["git", "rev-parse", "--short", against], cwd=root, text=True,
                           capture_output=True)
    if found.returncode:
        print(f"error: unknown git revision {against!r}", file=sys.stderr)
        yield None
        return
    rev = found.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="govspider-bench-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), against],
                       cwd=root, check=True)
        try:
            sides = []
            for side, path in (("this tree", root), (rev, tree)):
                # govspider_plugins is installed editable (a meta-path finder mapping it to the
                # installed checkout's plugins/): a folder of that name first on the path wins
                shim = Path(tmp) / f"shim-{len(sides)}"
                shim.mkdir()
                (shim / "govspider_plugins").symlink_to(path / "plugins", target_is_directory=True)
                sides.append((side, path.resolve(), os.pathsep.join([str(shim), str(path)])))
            yield rev, sides, Path(tmp)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=root)


def _strays(side: str, path: Path, imports: dict[str, str]) -> bool:
    """Print an error and say so when a side imported modules from outside its own tree."""
    strays = [n for n, f in imports.items() if not Path(f).is_relative_to(path)]
    if strays or not imports:
        print(f"error: {side} did not import {', '.join(strays) or 'its modules'} from {path}",
              file=sys.stderr)
        return True
    return False


def _implied(ratio: float, rev: str) -> None:
    if rev == REFERENCE[0]:
        low, high = (round(ratio * f, -2) for f in REFERENCE[1:])
        print(f"detectors: {REFERENCE[0]} measured {REFERENCE[1]:,}-{REFERENCE[2]:,} posts/s per core on the "
              f"machine of the README's figures; this tree's ratio implies {low:,.0f}-{high:,.0f} there "
              f"(target >= 20,000)")


def instructions(args: argparse.Namespace) -> int:
    """Instructions per post of this tree and ``args.against`` in a steady state (callgrind)."""
    import re
    import shutil
    import subprocess

    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        print("error: --instructions needs valgrind (Debian package valgrind)", file=sys.stderr)
        return 2
    counts: dict[str, float] = {}
    with _two_trees(args.against) as trees:
        if trees is None:
            return 2
        rev, sides, tmp = trees
        for side, path, pythonpath in sides:
            out = tmp / f"out-{side.replace(' ', '_')}"
            cg = tmp / f"callgrind-{side.replace(' ', '_')}.out"
            env = {**os.environ, "PYTHONPATH": pythonpath, "PYTHONHASHSEED": "0",
                   "OPENBLAS_NUM_THREADS": "1", "GOVSPIDER_CALLGRIND": "1"}
            print(f"{side}: {args.posts:,} posts under callgrind (minutes)...", flush=True)
            subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                            f"--callgrind-out-file={cg}", sys.executable,
                            str(Path(__file__).resolve()), "--steady", "--posts", str(args.posts),
                            "--out", str(out)] + (["--all"] if args.all else []),
                           cwd=path, env=env, check=True, capture_output=True)
            result = json.loads((out / "detectors.json").read_text())
            if _strays(side, path, result.get("imports", {})):
                return 3
            text = cg.read_text(errors="replace")
            # (the header's "summary:" is 0 when instrumentation starts off; "totals:" counts)
            found = re.search(r"^totals:\s*(\d+)", text, re.MULTILINE)
            if not found:
                print(f"error: no instruction total in {cg.name}", file=sys.stderr)
                return 3
            counts[side] = int(found.group(1)) / result["posts"]
            print(f"{side}: {int(found.group(1)):,} instructions, {counts[side]:,.0f} a post "
                  f"({result['posts']:,} posts, findings {result['findings']})", flush=True)
    if not all(counts.values()):
        print("error: callgrind counted no instruction (instrumentation never switched on)",
              file=sys.stderr)
        return 3
    ratio = counts[rev] / counts["this tree"]  # throughput: fewer instructions a post is faster
    result = {"posts": args.posts, "against": rev, "instructions_per_post": {
        k: round(v) for k, v in counts.items()}, "ratio": round(ratio, 3),
        "at": datetime.now().isoformat(timespec="seconds")}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "detectors-instructions.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"detectors: this tree / {rev} = {ratio:.2f} by instructions a post "
          f"({counts['this tree']:,.0f} vs {counts[rev]:,.0f}, steady state, {args.posts:,} posts)")
    _implied(ratio, rev)
    return 0


def compare(args: argparse.Namespace) -> int:
    """This tree against ``args.against``, each measured ``args.repeat`` times, alternating."""
    import subprocess

    best: dict[str, float] = {}
    with _two_trees(args.against) as trees:
        if trees is None:
            return 2
        rev, sides, tmp = trees
        for run in range(args.repeat):
            for side, path, pythonpath in sides:
                out = tmp / f"out-{run}-{side.replace(' ', '_')}"
                env = {**os.environ, "PYTHONPATH": pythonpath}
                subprocess.run([sys.executable, str(Path(__file__).resolve()), "--posts",
                                str(args.posts), "--out", str(out)] + (["--all"] if args.all else []),
                               cwd=path, env=env, check=True, capture_output=True)
                result = json.loads((out / "detectors.json").read_text())
                imports = result.get("imports", {})
                if run == 0:
                    for name, folder in imports.items():
                        print(f"{side}: imports {name} from {folder}", flush=True)
                if _strays(side, path, imports):
                    return 3
                rate = result["posts_per_second"]
                best[side] = max(best.get(side, 0.0), rate)
                print(f"run {run + 1}: {side}: {rate:,.0f} posts/s per core", flush=True)
    mine, theirs = best["this tree"], best[rev]
    result = {"posts": args.posts, "against": rev, "repeat": args.repeat,
              "this_tree_posts_per_second": round(mine), "against_posts_per_second": round(theirs),
              "ratio": round(mine / theirs, 3), "at": datetime.now().isoformat(timespec="seconds")}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "detectors-against.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"detectors: this tree / {rev} = {mine / theirs:.2f} "
          f"({mine:,.0f} vs {theirs:,.0f} posts/s per core, best of {args.repeat})")
    _implied(mine / theirs, rev)
    return 0


if __name__ == "__main__":
    sys.exit(main())
