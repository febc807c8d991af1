"""`govspider parse weibo KIND FILE` prints the fixed output of cli.md, with its exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from govspider.cli import main
from tests.fixturecases import case


@pytest.mark.parametrize("case_id,code", [
    ("weibo/timeline/page1_sandbox", 0), ("weibo/comments/none", 0),
    ("weibo/timeline/login_wall", 3), ("weibo/timeline/rate_limited_418", 3)])
def test_parse_prints_the_parser_result(case_id: str, code: int) -> None:
    fixture = case(case_id)
    result = CliRunner().invoke(main, fixture.cli_args())
    assert result.exit_code == code, result.output
    printed = json.loads(result.stdout)
    assert list(printed) == ["outcome", "error_kind", "items", "next", "requests"]
    assert printed == fixture.output() == fixture.expected
    assert result.stdout == fixture.parse().dumps() + "\n"


def test_longtext_without_url_is_a_one_line_error() -> None:
    body = case("weibo/longtext/ok").body_path
    result = CliRunner().invoke(main, ["parse", "weibo", "longtext", str(body)])
    assert result.exit_code == 2
    assert "--url" in result.output and "Traceback" not in result.output
