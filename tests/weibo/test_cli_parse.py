"""`govspider parse weibo KIND FILE` prints the fixed output of cli.md, with its exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from govspider.cli import main
from tests.weibo.fixture_cases import CASES_DIR, FIXTURES, load_case, run_case

RESPONSES = FIXTURES / "responses"


@pytest.mark.parametrize("case_name,code", [
    ("timeline_page1_sandbox", 0), ("comments_none", 0), ("timeline_login_wall", 3),
    ("timeline_rate_limited_418", 3)])
def test_parse_prints_the_parser_result(case_name: str, code: int) -> None:
    case = load_case(CASES_DIR / f"{case_name}.json")
    raw = json.loads((CASES_DIR / f"{case_name}.json").read_text(encoding="utf-8"))["inputs"]
    args = ["parse", "weibo", case.kind, str(FIXTURES / raw["file"]), "--now", raw["now"],
            "--status", str(raw["status"])]
    if raw["url"]:
        args += ["--url", raw["url"]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    printed = json.loads(result.stdout)
    assert list(printed) == ["outcome", "error_kind", "items", "next", "requests"]
    assert printed == run_case(case)


def test_longtext_without_url_is_a_one_line_error() -> None:
    result = CliRunner().invoke(main, ["parse", "weibo", "longtext", str(RESPONSES / "longtext.json")])
    assert result.exit_code == 2
    assert "--url" in result.output and "Traceback" not in result.output
