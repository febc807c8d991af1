"""Parser fixtures: saved responses and what ``govspider parse`` prints for them.

Every parser of every platform is tested the same way (``tests/fixtures/README.md``)::

    tests/fixtures/<platform>/<kind>/<case>/
        body.<ext>      the saved response, byte for byte (.json, .html, .txt, .bin)
        request.json    how it was fetched: {"url", "status", "now", "meta"[, "headers"]}
        expected.json   the JSON object ``govspider parse`` prints for it

``<platform>`` and ``<kind>`` are the names ``govspider parse PLATFORM KIND FILE`` takes (the
registered parser). In ``request.json`` a missing ``url`` is ``""``, a missing ``status`` 200,
a missing ``now`` the suite's frozen now (:data:`FROZEN_NOW`) and ``"now": null`` no fetch time
at all; ``meta`` is what the spider would pass along (account ids...), empty offline.

After a deliberate parser change, rewrite the expectations and REVIEW the diff::

    python -m tests.fixturecases --update [PLATFORM[/KIND[/CASE]] ...]
    git diff tests/fixtures

``--check`` (the default) only reports the cases whose output differs, and exits 1 if any do.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from govspider.processors import CST

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The injected "now" of parser tests (the sandbox's now, too).
FROZEN_NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=CST)
FROZEN_NOW_TEXT = FROZEN_NOW.isoformat()  # 2026-11-20T12:00:00+08:00
REQUEST_FILE = "request.json"
EXPECTED_FILE = "expected.json"


class FixtureError(ValueError):
    """A case folder that does not follow the layout."""


@dataclass(frozen=True)
class FixtureCase:
    """One case folder, ``tests/fixtures/<platform>/<kind>/<case>/``."""

    path: Path

    @property
    def platform(self) -> str:
        return self.path.parent.parent.name

    @property
    def kind(self) -> str:
        return self.path.parent.name

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def id(self) -> str:
        """``platform/kind/case``: the test id and what :func:`case` takes."""
        return f"{self.platform}/{self.kind}/{self.name}"

    @property
    def body_path(self) -> Path:
        bodies = sorted(self.path.glob("body.*"))
        if len(bodies) != 1:
            raise FixtureError(f"{self.id}: needs exactly one body.<ext>, found "
                               f"{[p.name for p in bodies]}")
        return bodies[0]

    @property
    def body(self) -> bytes:
        return self.body_path.read_bytes()

    @property
    def request(self) -> dict[str, Any]:
        """``request.json`` as written (``{}`` when the folder has none)."""
        path = self.path / REQUEST_FILE
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    @property
    def url(self) -> str:
        return self.request.get("url") or ""

    @property
    def status(self) -> int:
        return int(self.request.get("status", 200))

    @property
    def now_text(self) -> str | None:
        """The fetch time as written; ``None`` when the case has none (``"now": null``)."""
        return self.request.get("now", FROZEN_NOW_TEXT)

    @property
    def now(self) -> datetime | None:
        from govspider.processors import parse_time

        text = self.now_text
        return parse_time(text) if text else None

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self.request.get("meta") or {})

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.request.get("headers") or {})

    @property
    def expected_path(self) -> Path:
        return self.path / EXPECTED_FILE

    @property
    def expected(self) -> dict[str, Any] | None:
        """``expected.json``; ``None`` for a new case not generated yet."""
        path = self.expected_path
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def input(self, body: bytes | None = None) -> Any:
        """The :class:`~govspider.platform.ParseInput` the parser gets (``body`` replaces the
        saved one, for tests that cut or spoil it)."""
        from govspider.platform import ParseInput

        return ParseInput(body=self.body if body is None else body, url=self.url,
                          status=self.status, headers=self.headers, now=self.now,
                          meta=self.meta)

    def parser(self) -> Any:
        """The registered parser (under the crash guard), as ``govspider parse`` runs it."""
        from govspider.plugins import installed_plugins

        return installed_plugins().parser(self.platform, self.kind)

    def parse(self) -> Any:
        """The :class:`~govspider.platform.ParseResult` of the parser on this case."""
        return self.parser()(self.input())

    def output(self) -> dict[str, Any]:
        """What ``govspider parse`` prints for this case, read back as JSON."""
        return json.loads(self.parse().dumps())

    def cli_args(self) -> list[str]:
        """``govspider parse`` arguments for this case (the CLI has no ``meta``, and no
        fetch time means the suite's frozen now)."""
        args = ["parse", self.platform, self.kind, str(self.body_path),
                "--now", self.now_text or FROZEN_NOW_TEXT, "--status", str(self.status)]
        return args + (["--url", self.url] if self.url else [])


def cases(platform: str | None = None, kind: str | None = None) -> list[FixtureCase]:
    """Every case folder (of one platform, and of one kind), sorted by id."""
    found = []
    for body in sorted(FIXTURES.glob("*/*/*/body.*")):
        c = FixtureCase(body.parent)
        if (platform is None or c.platform == platform) and (kind is None or c.kind == kind):
            found.append(c)
    return found


def case(case_id: str) -> FixtureCase:
    """One case by id: ``case("weibo/timeline/page1_sandbox")``."""
    path = FIXTURES / case_id
    if case_id.count("/") != 2 or not path.is_dir():
        raise FixtureError(f"no fixture case {case_id!r} (platform/kind/case under {FIXTURES})")
    return FixtureCase(path)


def body(case_id: str) -> bytes:
    """The saved response of one case."""
    return case(case_id).body


def select(selectors: list[str]) -> list[FixtureCase]:
    """Cases whose id is, or starts with, one of ``PLATFORM[/KIND[/CASE]]`` (all if none)."""
    everything = cases()
    if not selectors:
        return everything
    picked = []
    for c in everything:
        if any(c.id == s.strip("/") or c.id.startswith(s.strip("/") + "/") for s in selectors):
            picked.append(c)
    unknown = [s for s in selectors
               if not any(c.id == s.strip("/") or c.id.startswith(s.strip("/") + "/")
                          for c in everything)]
    if unknown:
        raise FixtureError(f"no fixture case matches {', '.join(unknown)}")
    return picked


def expected_text(output: dict[str, Any]) -> str:
    """How ``expected.json`` is written: the printed object, indented, keys in print order."""
    return json.dumps(output, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fixturecases", description=(
        "Run every parser fixture case and compare with (or, with --update, rewrite) "
        "its expected.json."))
    ap.add_argument("selectors", nargs="*", metavar="PLATFORM[/KIND[/CASE]]")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true",
                      help="rewrite expected.json from the current parsers")
    mode.add_argument("--check", action="store_true",
                      help="only report differing cases; exit 1 if any (the default)")
    args = ap.parse_args(argv)
    try:
        selected = select(args.selectors)
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    differing = []
    for c in selected:
        out = c.output()
        old = c.expected
        semantic = "new" if old is None else ("same" if old == out else "CHANGED")
        text = expected_text(out)
        if args.update:
            if not c.expected_path.exists() or c.expected_path.read_text("utf-8") != text:
                c.expected_path.write_text(text, encoding="utf-8")
                print(f"{c.id}: {semantic}, rewritten ({out['outcome']}, "
                      f"{len(out['items'])} items)")
        elif semantic != "same":
            differing.append(c.id)
            print(f"{c.id}: {semantic}")
    print(f"{len(selected)} cases, {'updated' if args.update else f'{len(differing)} differ'}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
