"""Dump every detector's findings over the detector benchmark's posts, for comparing trees.

    PYTHONPATH=<tree>:<shim> .venv/bin/python bench/check_same_findings.py [--posts 20000]
        [--texts DIR] OUT

Runs every installed detector through ``govspider.detection.run_detectors`` over
``bench_detectors.make_items(posts)`` and writes the findings (detector, subject_id, rule, message,
evidence), sorted, one JSON per line: two trees give byte-identical files when a change kept
every finding. ``--texts DIR`` adds every ``text`` and ``title`` string found in the ``*.jsonl``
files under DIR (``tests/detectors``: the labeled cases and the real-incident set), each as a
post and as an official reply (give both trees the same DIR). The folders ``govspider`` and
``govspider_plugins`` came from go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detectors import NOW, imported_dirs, make_items  # noqa: E402

from govspider.detection import DetectContext, run_detectors  # noqa: E402
from govspider.plugins import installed_plugins  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--texts", type=Path, help="also the texts of the *.jsonl files here")
    args = parser.parse_args(argv)
    items = make_items(args.posts)
    if args.texts:
        items += text_items(args.texts)
    installed = installed_plugins().detectors
    detectors = [installed[n] for n in sorted(installed)]
    for name, folder in imported_dirs().items():
        print(f"imports: {name} from {folder}", file=sys.stderr)
    rows = [json.dumps({"detector": f.detector, "subject_id": f.subject_id, "rule": f.rule,
                        "message": f.message, "evidence": f.evidence},
                       ensure_ascii=False, sort_keys=True, default=str)
            for f in run_detectors(detectors, items, DetectContext(now=NOW))]
    rows.sort()
    args.out.write_text("".join(r + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} findings -> {args.out}", file=sys.stderr)
    return 0


def text_items(folder: Path) -> list[dict]:
    """Each distinct text and title string of the JSON lines under ``folder`` as a post (with
    the title beside it when the record has both) and as an official reply."""
    records: list[tuple[str | None, str]] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            text, title = value.get("text"), value.get("title")
            if isinstance(text, str) or isinstance(title, str):
                records.append((title if isinstance(title, str) else None,
                                text if isinstance(text, str) else ""))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                walk(json.loads(line))
    items: list[dict] = [{"item_type": "account", "_id": "weibo:t0", "platform": "weibo",
                          "platform_id": "t0", "name": "青澜发布"}]
    for i, (title, text) in enumerate(dict.fromkeys(records)):
        items.append({"item_type": "post", "_id": f"weibo:t{i}", "platform": "weibo",
                      "platform_id": f"t{i}", "account_id": "weibo:t0", "title": title,
                      "text": text})
        items.append({"item_type": "comment", "_id": f"weibo:tc{i}", "platform": "weibo",
                      "platform_id": f"tc{i}", "post_id": f"weibo:t{i}", "account_id": "weibo:t0",
                      "is_official": True, "text": text or title})
    return items


if __name__ == "__main__":
    sys.exit(main())
