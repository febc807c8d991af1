"""Rewrite the ``expected`` part of the Weibo parser fixtures from the current parsers.

Run after a deliberate parser change, then REVIEW the diff (``git diff tests/fixtures/weibo``):
the fixtures are the parsers' contract. Usage::

    .venv/bin/python tests/weibo/regen_fixtures.py [CASE ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from tests.weibo.fixture_cases import CASES_DIR, load_case, run_case  # noqa: E402


def main(names: list[str]) -> None:
    paths = sorted(CASES_DIR.glob("*.json"))
    for path in paths:
        if names and path.stem not in names:
            continue
        case = load_case(path)
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["expected"] = run_case(case)
        path.write_text(json.dumps(raw, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"{path.name}: {raw['expected']['outcome']}, {len(raw['expected']['items'])} items")


if __name__ == "__main__":
    main(sys.argv[1:])
