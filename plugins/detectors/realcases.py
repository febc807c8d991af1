"""The real-incident evaluation set: cited public cases, split once into tuning and test halves.

``tests/detectors/real/<detector>.jsonl`` holds one case a line, in the labeled-case format of
:mod:`govspider_plugins.detectors.eval` (``item`` + ``expect`` for item detectors, ``items`` + ``expect``
list for account detectors) plus where it came from::

    {"id": "real:inappropriate_speech:017", "split": "tune" | "test", "group": "g:…",
     "item": {...}, "expect": true, "source": {"url", "title", "outlet", "date"},
     "incident": "…", "incident_date": "…", "kind": "official_reply", "why": "…", ...}

The texts are stored as the source published them; the wrapper around a text (an item's ids,
a page's HTML skeleton around an injected title, the normal history of a hijacked account
when the source quotes only the injected posts) is made here and says so in ``made``.

The split is by source: cases that share a source page or an incident form one group, and a
whole group goes to one half. It is made once: ``build`` keeps the half of every case already
in a file, and places only new groups (balanced by label, in a fixed hash order). Detectors are
tuned on ``tune`` only; ``test`` is read for figures.

    python -m govspider_plugins.detectors.realcases build RAW.jsonl [...]   # add collected rows
    python -m govspider_plugins.detectors.realcases check                   # provenance and split rules
    python -m govspider_plugins.detectors.realcases seen URL|TEXT [...]     # is it in the set? (yes/no)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from govspider.processors import CST
from govspider.textnorm import normalize

REAL_DIR = Path(__file__).resolve().parents[2] / "tests" / "detectors" / "real"
SPLITS = ("tune", "test")
#: the monitoring time of the evaluation sets (case times are relative to it)
DEFAULT_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
#: fields a collected row must carry to be kept
REQUIRED = ("detector", "label", "source", "incident")


class _Groups:
    """Union-find over the keys that tie cases together (source URLs, incident keys)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, keys: list[str]) -> None:
        roots = sorted({self.find(k) for k in keys})
        for r in roots[1:]:
            self.parent[r] = roots[0]


def source_keys(row: dict[str, Any]) -> list[str]:
    """The keys that put a row in a group: every source URL and the incident key."""
    urls = [(row.get("source") or {}).get("url")] + list(row.get("also") or [])
    keys = [f"url:{_url_key(u)}" for u in urls if isinstance(u, str) and u]
    if row.get("incident"):
        keys.append(f"incident:{row['detector']}:{row['incident']}")
    return keys


def _url_key(url: str) -> str:
    u = url.strip().lower()
    for prefix in ("https://", "http://"):
        if u.startswith(prefix):
            u = u[len(prefix):]
    return u.rstrip("/")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_real(directory: Path = REAL_DIR) -> list[dict[str, Any]]:
    """Every built case of every detector file in ``directory``."""
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path.name}:{number}: bad JSON: {exc}") from None
    return rows


def assign_splits(rows: list[dict[str, Any]]) -> None:
    """Give every row a ``group`` and a ``split``; rows that already have one keep it, and a
    new row joins the half of any existing row of its group."""
    groups = _Groups()
    for row in rows:
        groups.union(source_keys(row) or [f"id:{row['id']}"])
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        members[groups.find((source_keys(row) or [f"id:{row['id']}"])[0])].append(row)
    # per detector and label, how many cases each half holds already
    held: dict[tuple[str, bool, str], int] = defaultdict(int)
    pending = []
    for root, group in members.items():
        # a group keeps the name it has (the union-find's root can move when rows join)
        name = min((r["group"] for r in group if r.get("group")), default="g:" + _digest(root)[:10])
        fixed = {r["split"] for r in group if r.get("split") in SPLITS}
        if len(fixed) > 1:
            raise ValueError(f"group {name} straddles both halves: {sorted(r['id'] for r in group)}")
        for r in group:
            r["group"] = name
        if fixed:
            half = fixed.pop()
            for r in group:
                r["split"] = half
                held[(r["detector"], _positive(r), half)] += 1
        else:
            pending.append((name, group))
    # new groups in a fixed pseudo-random order, each to the half that holds fewer of its kind
    for name, group in sorted(pending, key=lambda g: _digest(g[0])):
        kinds = [(r["detector"], _positive(r)) for r in group]

        loads = {h: sum(held[(d, p, h)] for d, p in kinds) for h in SPLITS}
        if loads["tune"] != loads["test"]:
            half = min(SPLITS, key=loads.__getitem__)
        else:
            half = SPLITS[int(_digest(name)[0], 16) % 2]
        for r in group:
            r["split"] = half
            held[(r["detector"], _positive(r), half)] += 1


def _positive(row: dict[str, Any]) -> bool:
    expect = row.get("expect")
    return bool(expect) if not isinstance(expect, list) else bool(expect)


# --------------------------------------------------------------------------- building items

def _item(row: dict[str, Any], case_id: str) -> dict[str, Any]:
    """The item a collected single-text row stands for."""
    kind = row.get("kind") or "post"
    text = row["text"]
    platform = row.get("platform") if row.get("platform") in ("weibo", "wechat", "douyin") else "weibo"
    if row["detector"] == "seo_spam":
        return _page(row, case_id)
    item: dict[str, Any] = {"_id": case_id, "platform": platform, "text": text}
    if kind in ("official_reply", "comment"):
        # what the rude-speech set holds is the account's own words, wherever it wrote them
        item.update(item_type="comment", is_official=kind == "official_reply"
                    or row["detector"] == "inappropriate_speech")
    else:
        item["item_type"] = "post"
        if row.get("title"):
            item["title"] = row["title"]
    if row.get("links"):
        item["links"] = list(row["links"])
    return item


def _page(row: dict[str, Any], case_id: str) -> dict[str, Any]:
    """A page item: the published title, body text or HTML fragment inside a bare skeleton."""
    kind = row.get("kind") or "page_body"
    text = row["text"]
    title = row.get("title") or ""
    if kind == "page_title":
        title, body = text, ""
    elif kind == "page_html":
        body = text
    else:
        body = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
    html = (f"<html><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
            f"<body>{body}</body></html>")
    url = row.get("page_url") or "https://www.example.gov.cn/real-case.html"
    return {"_id": case_id, "item_type": "page", "url": url, "title": title, "raw_html": html}


def build_row(raw: dict[str, Any], case_id: str) -> dict[str, Any]:
    """A case from a collected row: its metadata now, its item(s) once it has a half."""
    meta = {k: v for k, v in raw.items() if k not in ("label",)}
    meta["id"] = case_id
    if raw["detector"] == "hijacked_account":
        meta["expect"] = [{"subject_id": f"weibo:{case_id}"}] if raw["label"] else []
        return meta
    meta["item"] = _item(raw, case_id)
    meta["expect"] = bool(raw["label"])
    meta["made"] = ("a page skeleton around the published text" if raw["detector"] == "seo_spam"
                    else "item ids")
    return meta


#: days before the monitoring time of an episode's posts (one burst within a few days) and of
#: the normal past
BURST_DAYS = (1, 1, 2, 2, 3, 4, 5, 6)
HISTORY_DAYS = (20, 24, 28, 33, 38, 44, 50, 57, 65, 74)
#: what a source's description of an episode must mention for stand-in ad texts to fit it
_AD_WORDS = ("广告", "廣告", "卖", "賣", "兼职", "兼職", "丰胸", "豐胸", "抽奖", "抽獎", "算命", "測算",
             "测算", "棋牌", "赌", "賭", "招嫖", "夜服务", "夜服務", "色情", "不雅", "推销", "推銷", "商品")
_PLURAL_WORDS = ("多条", "多條", "数条", "數條", "几十", "幾十", "大量", "狂发", "狂發", "连续", "連續",
                 "累计", "累計", "余条", "餘條", "多次", "许多", "許多")


def episode_size(raw: dict[str, Any]) -> int:
    """Posts of the episode: the counts the source gives, else 3 when it speaks of several."""
    total = 0
    described = ""
    for p in raw.get("anomalous_posts") or []:
        if not isinstance(p, dict):
            continue
        described += str(p.get("described_as") or "")
        total += int(p["count"]) if isinstance(p.get("count"), int) and p["count"] > 0 else (
            1 if p.get("text") else 0)
    described += str(raw.get("episode") or "")
    if not total:
        total = 3 if any(w in described for w in _PLURAL_WORDS) else 1
    return min(total, len(BURST_DAYS))


def hijack_items(row: dict[str, Any], ads: list[dict[str, Any]], legit: list[dict[str, Any]],
                 history: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str] | None:
    """An account, its normal past and the episode's posts, dated relative to the eval's now.

    The episode's posts are the texts the source quotes; when it only describes them, real
    texts of the kind it describes stand in (published ads of the commercial_ad set for an ad
    or porn episode, real official posts for a legitimate one), up to the number of posts it
    reports. The past is the account's own quoted posts, topped up with real official posts of
    other accounts. Stand-ins come from the same half as the case. ``None`` when nothing the
    source says can be shown as posts (a follow, a like, an undescribed political tweet).
    """

    case_id = row["id"]
    acct = f"weibo:{case_id}"
    quoted = [p["text"] for p in row.get("anomalous_posts") or [] if isinstance(p, dict) and p.get("text")]
    size = max(episode_size(row), len(quoted))
    described = " ".join(str(p.get("described_as") or "") for p in row.get("anomalous_posts") or []
                         if isinstance(p, dict)) + str(row.get("episode") or "")
    stand_ins: list[dict[str, Any]] = []
    if row["expect"]:
        pool = ads if any(w in described for w in _AD_WORDS) else []
    else:
        pool = legit
    burst = list(quoted)
    for cand in sorted(pool, key=lambda r: _digest(case_id + r["id"])):
        if len(burst) >= size:
            break
        burst.append(cand["text"])
        stand_ins.append(cand)
    if not burst:
        return None
    own = [p["text"] for p in row.get("normal_posts") or [] if isinstance(p, dict) and p.get("text")]
    past = own[:len(HISTORY_DAYS)]
    fillers = []
    for cand in sorted(history, key=lambda r: _digest(case_id + r["id"])):
        if len(past) >= len(HISTORY_DAYS):
            break
        if cand["text"] not in burst:
            past.append(cand["text"])
            fillers.append(cand)
    items: list[dict[str, Any]] = [{"item_type": "account", "_id": acct, "platform": "weibo",
                                    "platform_id": case_id, "name": row.get("unit") or "某政务账号",
                                    "unit": row.get("unit")}]
    n = 0
    for days, text in zip(HISTORY_DAYS, past, strict=False):
        n += 1
        items.append({"item_type": "post", "_id": f"{acct}:p{n}", "platform": "weibo",
                      "account_id": acct, "text": text,
                      "published_at": (DEFAULT_NOW - timedelta(days=days)).isoformat()})
    for days, text in zip(BURST_DAYS, burst, strict=False):
        n += 1
        items.append({"item_type": "post", "_id": f"{acct}:p{n}", "platform": "weibo",
                      "account_id": acct, "text": text,
                      "published_at": (DEFAULT_NOW - timedelta(days=days, hours=n)).isoformat()})
    made = (f"ids and dates; episode: {len(quoted)} post(s) as the source quotes them"
            + (f" + {len(stand_ins)} stand-in(s) for the {size} reported, real texts of the kind "
               f"described: {', '.join(r['id'] for r in stand_ins)}" if stand_ins else "")
            + f"; past: {len(own[:len(HISTORY_DAYS)])} of the account's own quoted posts + "
              f"{len(fillers)} real official posts of other accounts: "
              f"{', '.join(r['id'] for r in fillers)}")
    return items, made


def build(raw_paths: list[Path], directory: Path = REAL_DIR) -> dict[str, int]:
    """Add the collected rows of ``raw_paths`` to the built files (new texts only), place the
    new groups in a half, then make the new cases' items."""
    existing = load_real(directory)
    seen = {(r["detector"], _text_key(r)) for r in existing}
    counters: dict[str, int] = defaultdict(int)
    for r in existing:
        counters[r["detector"]] = max(counters[r["detector"]], int(r["id"].rsplit(":", 1)[-1]))
    added = []
    for path in raw_paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            missing = [k for k in REQUIRED if k not in raw]
            if missing or not (raw.get("text") or raw.get("anomalous_posts")):
                raise ValueError(f"{path.name}:{number}: missing {missing or ['text']}")
            key = (raw["detector"], _text_key(raw))
            if key in seen:
                continue
            seen.add(key)
            counters[raw["detector"]] += 1
            added.append(build_row(raw, f"real:{raw['detector']}:{counters[raw['detector']]:03d}"))
    rows = existing + added
    assign_splits(rows)
    pools: dict[str, dict[str, list[dict[str, Any]]]] = {h: defaultdict(list) for h in SPLITS}
    for r in rows:
        if not isinstance(r.get("text"), str) or not 6 <= len(r["text"]) <= 400:
            continue
        if r["detector"] == "commercial_ad":
            pools[r["split"]]["ads" if r["expect"] else "legit"].append(r)
        if r["detector"] == "inappropriate_speech" and not r["expect"] and r.get("kind") == "post":
            pools[r["split"]]["history"].append(r)
    dropped = []
    for r in added:
        if r["detector"] != "hijacked_account":
            continue
        pool = pools[r["split"]]
        made = hijack_items(r, pool["ads"], pool["legit"] + pool["history"], pool["history"])
        if made is None:
            dropped.append(r)
            continue
        r["items"], r["made"] = made
    rows = [r for r in rows if r not in dropped]
    for r in dropped:
        print(f"dropped {r['id']} ({r['incident']}): nothing the source says can be shown as posts")
    by_detector: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_detector[r["detector"]].append(r)
    directory.mkdir(parents=True, exist_ok=True)
    for name, group in by_detector.items():
        with open(directory / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for r in group:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return {name: len(group) for name, group in by_detector.items()}


def folded(text: str) -> str:
    """A text as the set compares texts: normalized (traditional script folded to simplified,
    full-width to half-width, lower case: one remark published in Taipei and reposted in Beijing
    is one text) and without white space."""
    return "".join(normalize(text).text.split())


def _text_key(row: dict[str, Any]) -> str:
    if row.get("text"):
        return folded(str(row["text"]))
    return json.dumps(row.get("anomalous_posts"), ensure_ascii=False, sort_keys=True) + str(
        row.get("incident"))


def case_texts(row: dict[str, Any]) -> list[str]:
    """A case's texts as collected: its text, title and the episode's quoted posts."""
    out = [row.get("text"), row.get("title")]
    for key in ("anomalous_posts", "normal_posts"):
        out += [p.get("text") for p in row.get(key) or [] if isinstance(p, dict)]
    return [t for t in out if isinstance(t, str)]


#: a text fragment shorter than this is not looked up (it would be found everywhere)
MIN_FRAGMENT = 6


def seen(queries: list[str], rows: list[dict[str, Any]]) -> list[bool]:
    """Whether each query is already in the set: a URL that is a case's source, one of its
    ``also`` or the hijacked page itself (``page_url``; scheme, case and a trailing slash
    ignored), or a text that is part of a case's text (compared :func:`folded`: script, width,
    case and white space ignored; a case's text of twelve or more characters inside the query
    counts too). Answers yes or no only, for collectors who must not read the test half."""
    urls = {k for r in rows for k in source_keys(r) if k.startswith("url:")}
    urls |= {f"url:{_url_key(str(r['page_url']))}" for r in rows if r.get("page_url")}
    texts = [folded(t) for r in rows for t in case_texts(r) if t.strip()]
    out = []
    for q in queries:
        if q.strip().lower().startswith(("http://", "https://")):
            out.append(f"url:{_url_key(q)}" in urls)
            continue
        frag = folded(q)
        out.append(len(frag) >= MIN_FRAGMENT and any(
            frag in t or (len(t) >= 12 and t in frag) for t in texts))
    return out


def check(rows: list[dict[str, Any]]) -> list[str]:
    """Problems with the set: missing provenance, groups across halves, duplicate texts."""
    problems = []
    groups: dict[str, set[str]] = defaultdict(set)
    texts: dict[tuple[str, str], str] = {}
    for r in rows:
        src = r.get("source") or {}
        if not str(src.get("url") or "").startswith(("http://", "https://", "github:")):
            problems.append(f"{r.get('id')}: no source URL")
        if not (src.get("date") or r.get("incident_date")):  # "undated" when the page shows none
            problems.append(f"{r.get('id')}: no date (say \"undated\" when the source has none)")
        if r.get("split") not in SPLITS:
            problems.append(f"{r.get('id')}: no split")
        groups[r.get("group", "")].add(r.get("split"))
        key = (r["detector"], _text_key(r))
        if key in texts:
            problems.append(f"{r.get('id')}: same text as {texts[key]}")
        texts[key] = r.get("id")
    for name, halves in groups.items():
        if len(halves) > 1:
            problems.append(f"group {name} is in both halves")
    # no source or incident key in two groups
    owner: dict[str, str] = {}
    for r in rows:
        for key in source_keys(r):
            if owner.setdefault(key, r["group"]) != r["group"]:
                problems.append(f"{r['id']}: {key} also in group {owner[key]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govspider_plugins.detectors.realcases",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="add collected rows (JSON lines) to the built files")
    b.add_argument("raw", type=Path, nargs="+")
    b.add_argument("--dir", type=Path, default=REAL_DIR)
    c = sub.add_parser("check", help="provenance and split rules of the built files")
    c.add_argument("--dir", type=Path, default=REAL_DIR)
    s = sub.add_parser("show", help="the TUNING half's cases of one detector (the test half is "
                                    "never shown: read it only for figures)")
    s.add_argument("detector")
    s.add_argument("--dir", type=Path, default=REAL_DIR)
    w = sub.add_parser("seen", help="is a source URL or a piece of text already in the set? prints "
                                    "SEEN or NEW per query, never a case (collectors must not read "
                                    "the test half)")
    w.add_argument("query", nargs="*", help="URLs or text fragments (default: one a line on stdin)")
    w.add_argument("--dir", type=Path, default=REAL_DIR)
    args = parser.parse_args(argv)
    if args.command == "seen":
        queries = args.query or [line.strip() for line in sys.stdin if line.strip()]
        try:
            answers = seen(queries, load_real(args.dir))
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for q, yes in zip(queries, answers, strict=True):
            print(f"{'SEEN' if yes else 'NEW '}  {q[:80]}")
        return 0
    if args.command == "show":
        for r in load_real(args.dir):
            if r["detector"] == args.detector and r.get("split") == "tune":
                shown = {k: r.get(k) for k in ("id", "expect", "kind", "text", "question", "title",
                                                "why", "incident")}
                if "items" in r:
                    shown["items"] = [{k: i.get(k) for k in ("_id", "text", "published_at", "name")}
                                      for i in r["items"]]
                print(json.dumps(shown, ensure_ascii=False))
        return 0
    try:
        if args.command == "build":
            counts = build(args.raw, args.dir)
            for name, n in sorted(counts.items()):
                print(f"{name}: {n} cases")
            return 0
        problems = check(load_real(args.dir))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
