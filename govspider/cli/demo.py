"""``govspider demo``: the main job on embedded defaults.

Starts the embedded MongoDB-compatible server (unless ``MONGODB_URI`` is set) and the local
sandbox of the platforms, crawls every platform for the sandbox's account registry, then crawls
the platforms whose sandbox world holds accounts a second time against the world's generation 1
(its edits, deletions, new posts and comments: the next day's crawl), runs every detector,
writes the report and tells where everything is. Every crawl archives the responses its items
came from (``raw_responses``), so findings cite the original they were found in.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.table import Table

from govspider import plugins
from govspider.cli.context import Failure, connect, load_settings
from govspider.evaluation import score_findings, scores_table
from govspider.pipelines.detect import select_detectors
from govspider.processors import CST, isoformat
from govspider.procs import child_dies_with_us
from govspider.registry import AccountRegistry
from govspider.report import build_report
from govspider.sandbox.server import SandboxServer
from govspider.sandbox.world import sandbox_world_classes
from govspider.scan import scan_corpus
from govspider.spiderloader import PluginSpiderLoader
from govspider.storage.connection import Connection, redact
from govspider.storage.registry_store import import_registry

#: Spiders in the order the demo runs them (those not installed are skipped).
_COUNTED = ("accounts", "posts", "comments", "apps", "pages")
#: Settings of every demo crawl (under the plugins' GOVSPIDER_DEMO_SETTINGS and the sandbox's):
#: keep the body of every response that gave items, so that findings cite the archived original
#: (``evidence.raw_response_id``) and a post deleted later keeps its evidence.
DEMO_SETTINGS: dict[str, Any] = {"GOVSPIDER_ARCHIVE_RESPONSES": True}
#: The sandbox generation the second pass crawls (the world a day later).
SECOND_GENERATION = 1


def crawl_order(spiders: list[str]) -> list[str]:
    """The demo's spiders in the sandbox world's layout order (each platform plugin declares
    its world's ``order``), the spiders without a world of the same name after them."""
    rank = {cls.name: n for n, cls in enumerate(sandbox_world_classes(plugins.installed_plugins()))}
    return sorted(spiders, key=lambda s: (rank.get(s, len(rank)), s))


def _port(wanted: int, console: Console) -> int:
    """``wanted`` when it is free; else a free port, saying what that changes."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", wanted))
            return wanted
        except OSError:
            pass
    console.print(f"[yellow]Note[/]: port {wanted} is taken; the sandbox runs on another port, so "
                  "its web pages get other URLs (and page ids) than in earlier demo runs.")
    return 0


def run_demo(size: str = "small", seed: int = 7, spiders: list[str] | None = None,
             out_dir: Path = Path("report"), troubles: bool = True, sandbox_port: int = 8900,
             second_pass: bool = True) -> None:
    """Start the corpus and the sandbox, import the sandbox's registry and follower history,
    crawl with every spider (or ``spiders``), crawl the platforms whose sandbox world holds
    accounts again against the world's next generation (``second_pass``), run the detectors,
    score them against the sandbox's planted cases and write the report into ``out_dir``."""
    console = Console(stderr=True, soft_wrap=True)
    settings = load_settings()
    data_dir = Path(settings.get("GOVSPIDER_DATA_DIR")).resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    installed = PluginSpiderLoader(settings).list()
    if spiders:
        unknown = [s for s in spiders if s not in installed]
        if unknown:
            raise Failure(f"unknown spider(s) {', '.join(unknown)} (available: {', '.join(sorted(installed))})")
        order = spiders
    else:
        order = crawl_order(installed)

    with console.status("Starting the corpus database…"):
        conn = connect(settings)
    console.print(f"[bold]Corpus[/]: {redact(conn.uri)} (database [cyan]{conn.db.name}[/])"
                  + (f", data in {data_dir}" if conn.server else ""))
    try:
        with console.status(f"Starting the sandbox (world size {size}, seed {seed})…"):
            # a stable port keeps page URLs, and so page ids, the same from one demo run to the next
            server = SandboxServer(seed=seed, size=size, troubles="default" if troubles else None,
                                   port=_port(sandbox_port, console))
            server.start()
        try:
            registry_file = data_dir / "registry.yaml"
            shutil.copyfile(server.registry_path, registry_file)
            registry = AccountRegistry.load(registry_file)
            counts = import_registry(conn.db, registry)
            console.print(f"[bold]Sandbox[/]: {server.url} — {counts['units']} units, "
                          f"{counts['accounts']} accounts, {counts['apps']} official apps "
                          f"(registry: {registry_file})")
            history = _history(server.world, data_dir / "follower_history.jsonl")
            imported = subprocess.run(
                [sys.executable, "-m", "govspider.cli", "metrics", "import", str(history)],
                env=dict(os.environ, MONGODB_URI=conn.uri, MONGODB_DATABASE=conn.db.name),
                capture_output=True, text=True)
            console.print(f"[bold]Follower history[/]: {imported.stdout.strip() or imported.stderr.strip()} "
                          "(standing in for the months of scheduled crawls a real deployment has)")
            results = {}
            for spider in order:
                results[spider] = _crawl(console, conn, spider, registry_file, server.settings, logs)
            planted = server.ground_truth_path.read_text(encoding="utf-8")
        finally:
            server.stop()
        # the second pass: the platforms whose world holds accounts, a generation later
        again = [s for s in order if second_pass and s in server.world.platforms
                 and results[s].get("ok")]
        second: dict[str, Any] = {}
        if again:
            first = server
            with console.status(f"Starting the sandbox's generation {SECOND_GENERATION}…"):
                # the same port: stored URLs (re-visited by the re-crawl) stay valid
                server = SandboxServer(seed=seed, size=size, troubles="default" if troubles else None,
                                       port=urlsplit(first.url).port or 0,
                                       generation=SECOND_GENERATION)
                server.start()
            first.cleanup()
        try:
            if again:
                console.print(f"[bold]Second pass[/]: the sandbox's generation {SECOND_GENERATION} "
                              "(the same accounts a day later: edits, deletions, new posts and "
                              f"comments), re-crawled with the re-crawl policy: {', '.join(again)}")
                before = _changes(conn.db)
                for spider in again:
                    results[f"{spider} (2nd pass)"] = second[spider] = _crawl(
                        console, conn, spider, registry_file, server.settings, logs,
                        log_name=f"{spider}-generation{SECOND_GENERATION}")
                second = {"spiders": second, "changes": _changed(before, _changes(conn.db), again)}
                console.print(f"[bold]Second pass changed[/]: {_changes_line(second['changes'])}")
            with console.status("Running the detectors over the corpus…") as status:
                summary = scan_corpus(conn.db, select_detectors(), now=server.world.now,
                                      settings=settings.copy_to_dict(), registry=registry,
                                      progress=lambda m: status.update(f"Detectors: {m}"))
            console.print(f"[bold]Detectors[/]: {sum(summary['findings'].values())} findings "
                          f"in {summary['seconds']}s")
            # scored against the planted cases of the world the corpus was last crawled from (the
            # sandbox keeps planted subjects out of a generation's edits and deletions, so they
            # are those of the first pass; said when they are not)
            shutil.copyfile(server.ground_truth_path, data_dir / "ground_truth.json")
            if server.ground_truth_path.read_text(encoding="utf-8") != planted:
                console.print(f"[yellow]Note[/]: generation {SECOND_GENERATION} changed planted "
                              "cases; the findings are scored against its planted cases")
            _score(console, conn.db, data_dir / "ground_truth.json", out_dir)
            report_path = _report(console, conn.db, out_dir, server.world.now, registry)
        finally:
            server.cleanup()
        _summary(console, conn, results, summary, report_path, data_dir, second)
    finally:
        conn.close()


def crawl_settings(sandbox_settings: dict[str, str]) -> dict[str, Any]:
    """The settings of a demo crawl: :data:`DEMO_SETTINGS`, the plugins' bounds of a demo run
    (``GOVSPIDER_DEMO_SETTINGS``, e.g. comments of fewer posts), the sandbox's base URLs and clock."""
    demo_settings = plugins.installed_plugins().settings().get("GOVSPIDER_DEMO_SETTINGS", {})
    return {**DEMO_SETTINGS, **demo_settings, **sandbox_settings}


def _crawl(console: Console, conn: Connection, spider: str, registry_file: Path,
           sandbox_settings: dict[str, str], logs: Path, log_name: str | None = None) -> dict[str, Any]:
    """Run one spider in a subprocess, showing corpus counts while it runs."""
    log = logs / f"{log_name or spider}.log"
    cmd = [sys.executable, "-m", "govspider.cli", "crawl", spider, "-a", f"accounts={registry_file}",
           "-s", f"LOG_FILE={log}", "-s", "LOG_LEVEL=INFO"]
    for key, value in crawl_settings(sandbox_settings).items():
        cmd += ["-s", f"{key}={value}"]
    env = dict(os.environ, MONGODB_URI=conn.uri, MONGODB_DATABASE=conn.db.name)
    before = _counts(conn.db)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                            preexec_fn=child_dies_with_us())  # noqa: PLW1509
    try:
        with console.status(f"Crawling {spider}…") as status:
            while proc.poll() is None:
                time.sleep(1.0)
                now = _counts(conn.db)
                grown = ", ".join(f"{now[c] - before[c]:,} {c}" for c in _COUNTED if now[c] != before[c])
                status.update(f"Crawling {spider}… {grown or 'starting'} "
                              f"({time.monotonic() - started:.0f}s; log: {log})")
        out, err = proc.communicate()
    except BaseException:  # Ctrl-C, SIGTERM, SIGHUP: the crawl stops before its database does
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        raise
    elapsed = time.monotonic() - started
    try:
        stats = json.loads(out.strip().splitlines()[-1])[spider]
    except (ValueError, IndexError, KeyError):
        stats = {}
    if proc.returncode != 0:
        tail = (err.strip().splitlines() or ["(no output)"])[-1]
        console.print(f"  [red]✗ {spider}[/] failed (exit {proc.returncode}): {tail}")
        return {"ok": False, "seconds": elapsed, **stats}
    items = stats.get("items", {})
    errors = stats.get("errors", {})
    console.print(f"  [green]✓ {spider}[/] {sum(items.values()):,} items "
                  f"({', '.join(f'{v:,} {k}' for k, v in sorted(items.items())) or 'none'})"
                  f"; {sum(errors.values())} platform errors retried, {stats.get('gave_up', 0)} given up"
                  f"; {elapsed:.0f}s")
    return {"ok": True, "seconds": elapsed, **stats}


def _score(console: Console, db: Any, truth_path: Path, out_dir: Path) -> None:
    """How the findings compare with the cases the sandbox planted."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    scores = score_findings(truth, db["findings"].find({}, {"detector": 1, "subject_id": 1, "status": 1}))
    console.print(scores_table(scores, "Findings vs the sandbox's planted cases"))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ground_truth_scores.json").write_text(json.dumps(
        {n: vars(s) | {"precision": s.precision, "recall": s.recall} for n, s in scores.items()},
        ensure_ascii=False, indent=2), encoding="utf-8")


def _history(world: Any, path: Path) -> Path:
    """The world's daily follower counts before today, as ``metrics import`` reads them."""
    with open(path, "w", encoding="utf-8") as out:
        for acc in world.accounts():
            for day, followers in world.follower_series(acc)[:-1]:
                at = datetime.combine(day, dtime(12), CST)
                out.write(json.dumps({"account_id": acc.corpus_id, "at": isoformat(at),
                                      "followers": followers}) + "\n")
    return path


def _counts(db: Any) -> dict[str, int]:
    return {c: db[c].estimated_document_count() for c in _COUNTED}


#: what :func:`_changes` counts per platform, and how the summary names one and several
_CHANGE_KINDS = {"posts": ("new post", "new posts"), "edited": ("edited", "edited"),
                 "deleted": ("deleted", "deleted"), "comments": ("new comment", "new comments")}


def _changes(db: Any) -> dict[str, dict[str, int]]:
    """Per platform: stored posts, posts marked deleted, posts with more than one recorded text
    (``post_versions``) and stored comments."""
    out: dict[str, dict[str, int]] = {}
    for platform in db["posts"].distinct("platform"):
        out[platform] = {
            "posts": db["posts"].count_documents({"platform": platform}),
            "deleted": db["posts"].count_documents({"platform": platform, "deleted": True}),
            "comments": db["comments"].count_documents({"platform": platform}),
            "edited": 0}
    texts: dict[str, set[str]] = {}
    for version in db["post_versions"].find({"deleted": False}, {"post_id": 1, "content_hash": 1}):
        texts.setdefault(version["post_id"], set()).add(str(version.get("content_hash")))
    for post_id, hashes in texts.items():
        if len(hashes) > 1:  # corpus ids are "<platform>:<id>"
            platform = post_id.split(":", 1)[0]
            out.setdefault(platform, dict.fromkeys(_CHANGE_KINDS, 0))["edited"] += 1
    return out


def _changed(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]],
             order: list[str]) -> dict[str, dict[str, int]]:
    """What grew between two :func:`_changes`, per platform (in ``order``, then by name)."""
    rank = {name: n for n, name in enumerate(order)}
    return {platform: {k: n - before.get(platform, {}).get(k, 0) for k, n in after[platform].items()}
            for platform in sorted(after, key=lambda p: (rank.get(p, len(rank)), p))}


def _changes_line(changes: dict[str, dict[str, int]]) -> str:
    parts = []
    for platform, counts in changes.items():
        said = ", ".join(f"{counts[k]:,} {names[counts[k] != 1]}"
                         for k, names in _CHANGE_KINDS.items() if counts.get(k))
        parts.append(f"{platform} {said or 'no change seen'}")
    return "; ".join(parts) or "no change seen"


def _report(console: Console, db: Any, out_dir: Path, now: Any, registry: Any) -> Path:
    with console.status("Writing the report…"):
        return build_report(db, out_dir, now, registry=registry)


def _summary(console: Console, conn: Connection, results: dict[str, Any], summary: dict[str, Any],
             report_path: Path | None, data_dir: Path, second: dict[str, Any] | None = None) -> None:
    table = Table(title="govspider demo")
    table.add_column("collection")
    table.add_column("documents", justify="right")
    for name in (*_COUNTED, "account_metrics", "findings", "post_versions", "raw_responses",
                 "crawl_runs"):
        table.add_row(name, f"{conn.db[name].count_documents({}):,}")
    console.print(table)
    if second and second.get("changes") is not None:
        seconds = sum(r.get("seconds", 0) for r in second["spiders"].values())
        console.print(f"Second pass (sandbox generation {SECOND_GENERATION}, {seconds:.0f}s): "
                      f"{_changes_line(second['changes'])}")
    cited = conn.db["findings"].count_documents({"evidence.raw_response_id": {"$exists": True}})
    console.print(f"Findings citing an archived response (evidence.raw_response_id): {cited:,}")
    if summary.get("findings"):
        console.print("Findings by detector: " + ", ".join(
            f"{k} {v}" for k, v in sorted(summary["findings"].items())))
    failed = [s for s, r in results.items() if not r.get("ok")]
    if failed:
        console.print(f"[red]Crawls that failed[/]: {', '.join(failed)} (see {data_dir / 'logs'})")
    if report_path:
        console.print(f"[bold]Report[/]: {Path(report_path).resolve()}")
    serve = ("govspider db serve --port 27017" if conn.server else None)
    console.print("[bold]Query the corpus[/]:")
    if serve:
        console.print(f"  {serve}        # serves {data_dir} on a MongoDB port")
        uri = "mongodb://127.0.0.1:27017/?directConnection=true"
    else:
        uri = redact(conn.uri)
    console.print(f"  mongosh '{uri}' --eval 'db.getSiblingDB(\"{conn.db.name}\").findings.find().limit(5)'")
    console.print(f"  python -c \"import pymongo; db = pymongo.MongoClient('{uri}')['{conn.db.name}']; "
                  "print(db.posts.count_documents({}))\"")
    if failed:
        raise SystemExit(1)


@click.command()
@click.option("--size", default="small", show_default=True,
              help="Size of the sandbox world: small (37 accounts, a few minutes), medium (121), "
                   "large, or ACCOUNTSxPOSTS.")
@click.option("--seed", default=7, show_default=True, help="Seed of the sandbox world.")
@click.option("--spiders", default=None, help="Comma-separated spiders (default: every installed one).")
@click.option("--out", "out_dir", default="report", show_default=True, type=click.Path(file_okay=False))
@click.option("--troubles/--no-troubles", default=True, show_default=True,
              help="Let the sandbox inject realistic trouble (rate limits, login walls...).")
@click.option("--sandbox-port", default=8900, show_default=True,
              help="Port of the sandbox (stable, so that page URLs stay the same between runs).")
@click.option("--second-pass/--no-second-pass", default=True, show_default=True,
              help="Crawl the platforms with accounts again against the sandbox's next "
                   "generation (edits, deletions, new posts: the next day's crawl).")
def demo(size: str, seed: int, spiders: str | None, out_dir: str, troubles: bool,
         sandbox_port: int, second_pass: bool) -> None:
    """The main job on embedded defaults: sandbox -> crawl -> re-crawl -> detect -> report."""
    run_demo(size=size, seed=seed, spiders=[s for s in (spiders or "").split(",") if s] or None,
             out_dir=Path(out_dir), troubles=troubles, sandbox_port=sandbox_port,
             second_pass=second_pass)
