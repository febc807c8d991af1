"""The command line as a package: `govspider --help` imports no command, every listed summary is
the command's own, and imports go one way (commands -> context, nothing -> govspider.cli)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from govspider.cli import COMMANDS, main
from govspider.items import Post
from govspider.platform import OK, ParseResult

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "govspider" / "cli"


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, inside a function?) of every import of ``path``."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.extend((f"{child.module}.{alias.name}", in_function) for alias in child.names)
                found.append((child.module, in_function))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def test_help_lists_every_command_without_importing_one() -> None:
    code = ("import sys\n"
            "from govspider.cli import main\n"
            "try:\n"
            "    main.main(args=['--help'], prog_name='govspider')\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('MODULES', sorted(m for m in sys.modules if m.startswith(('govspider', 'scrapy', "
            "'pymongo', 'rich', 'matplotlib'))))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    listed = [line.split()[0] for line in res.stdout.split("Commands:\n", 1)[1].splitlines()
              if line.startswith("  ") and not line.startswith("   ")]
    assert listed == list(COMMANDS)
    modules = eval(res.stdout.split("MODULES ", 1)[1])  # noqa: S307 - our own printed list
    assert modules == ["govspider", "govspider.cli", "govspider.procs"], modules


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_summary_is_the_commands_own(name: str) -> None:
    command = COMMANDS[name].load()
    assert command.get_short_help_str(10**6) == COMMANDS[name].summary


def test_a_loaded_command_keeps_its_place_in_the_listing() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["report", "--help"]).exit_code == 0  # loads `report`
    listing = runner.invoke(main, ["--help"]).output.split("Commands:\n", 1)[1]
    assert [line.split()[0] for line in listing.splitlines() if line.strip()] == list(COMMANDS)


def test_imports_go_one_way() -> None:
    commands = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__", "context"}
    for path in PACKAGE.glob("*.py"):
        imported = [m for m, _ in _imports(path)]
        if path.stem == "__main__":
            continue
        # no module of the package imports a command module, nor the group
        assert not [m for m in imported if m.removeprefix("govspider.cli.") in commands
                    and m.startswith("govspider.cli.")], path
        assert "govspider.cli.main" not in imported and "govspider.cli" not in imported, path
        if path.stem == "__init__":  # the group stays light: it imports no command, no context
            assert not [m for m in imported if m.startswith("govspider.cli.")], path
    outside = [p for p in (ROOT / "govspider").rglob("*.py") if PACKAGE not in p.parents]
    for path in outside:
        assert not [m for m, _ in _imports(path) if m == "govspider.cli" or m.startswith("govspider.cli.")
                    ], f"{path} imports govspider.cli"


def test_the_package_imports_at_module_top() -> None:
    for path in PACKAGE.glob("*.py"):
        assert not [m for m, in_function in _imports(path) if in_function], path


def test_parse_serializes_items_and_plain_dicts_as_json() -> None:
    post = Post(_id="weibo:1", platform="weibo", platform_id="1", account_id="weibo:9", text="通报",
                published_at=datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc))
    out = (ParseResult(outcome=OK, items=[post, {"item_type": "raw", "n": 1}],
                                next={"page": 2}, totals={"posts": 3})).to_json()
    assert list(out) == ["outcome", "error_kind", "items", "next", "requests", "totals"]
    assert out["items"][0]["published_at"] == "2026-11-20T12:00:00+08:00"  # China time, as text
    assert out["items"][0]["text"] == "通报" and out["items"][1] == {"item_type": "raw", "n": 1}
    assert out["next"] == {"page": 2} and out["totals"] == {"posts": 3}
    assert json.loads(json.dumps(out, ensure_ascii=False)) == out
