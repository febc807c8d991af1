"""Issue 16: every dependency is imported at module top, and no import fallback guards a hard one.

An import inside a function hides the order in which modules load; a ``try``/``except
ImportError`` around a library every install has hides a broken install. A *hard* dependency
is a distribution of ``[project].dependencies`` in pyproject.toml or one of their own
requirements (tldextract comes with Scrapy, twisted too), or the standard library.

A function-level import of one of these is allowed only with a reason on its line::

    from twisted.internet import reactor  # import-here: <why it cannot be at module top>

The reasons in use: twisted's reactor (importing it at module level installs the default
reactor before Scrapy installs the asyncio one), and libraries outside ``[project].dependencies``
(the dev extra's scikit-learn and jsonschema).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib")  # Python 3.11 on; 3.10 has no TOML reader

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("govspider", "plugins")
ALLOW = re.compile(r"#\s*import-here:\s*\S")
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def _dist(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def hard_distributions() -> frozenset[str]:
    """The distributions every install of govspider has: the dependencies and theirs."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    seen: set[str] = set()
    todo = [Requirement(d) for d in deps]
    while todo:
        req = todo.pop()
        name = _dist(req.name)
        if name in seen or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        try:
            todo.extend(Requirement(r) for r in importlib.metadata.requires(req.name) or ())
        except importlib.metadata.PackageNotFoundError:
            pass  # test_the_dependencies_resolve_to_modules says which
    return frozenset(seen)


@cache
def hard_modules() -> frozenset[str]:
    """Top-level import names of the hard dependencies, the standard library's included."""
    dists = hard_distributions()
    found = {module for module, owners in importlib.metadata.packages_distributions().items()
             if any(_dist(d) in dists for d in owners)}
    return frozenset(found | set(sys.stdlib_module_names))


def _top(module: str | None) -> str:
    return (module or "").split(".")[0]


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """Top-level names of what an import statement loads (relative imports: none, ours)."""
    if isinstance(node, ast.Import):
        return [_top(alias.name) for alias in node.names]
    return [] if node.level else [_top(node.module)]


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in IMPORT_ERRORS for k in kinds)


def _dynamic_import(node: ast.AST) -> str | None:
    """``importlib.import_module("x")`` / ``__import__("x")`` with a literal name: ``x``."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return node.args[0].value if name in ("import_module", "__import__") else None


def problems(source: str, where: str, hard: frozenset[str] | None = None) -> list[str]:
    """What breaks the rule in one module's source (``where:line: what``)."""
    hard = hard_modules() if hard is None else hard
    lines = source.splitlines()
    found: list[str] = []

    def allowed(node: ast.stmt) -> bool:
        return any(ALLOW.search(line) for line in lines[node.lineno - 1:node.end_lineno])

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                names = sorted({n for n in _imported(child) if n in hard})
                if names and not allowed(child):
                    found.append(f"{where}:{child.lineno}: {', '.join(names)} imported inside a "
                                 "function (move it to the module top, or say why on the line: "
                                 "# import-here: <reason>)")
            if isinstance(child, ast.Try) and any(_catches_import_error(h) for h in child.handlers):
                guarded: set[str] = set()
                for stmt in child.body:
                    for sub in ast.walk(stmt):
                        if isinstance(sub, (ast.Import, ast.ImportFrom)):
                            guarded.update(_imported(sub))
                        elif (name := _dynamic_import(sub)) is not None:
                            guarded.add(_top(name))
                names = sorted(guarded & hard)
                if names:
                    found.append(f"{where}:{child.lineno}: try/except ImportError around "
                                 f"{', '.join(names)}, which every install has")
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(ast.parse(source, filename=where), False)
    return found


def sources() -> Iterator[Path]:
    for folder in FOLDERS:
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_the_dependencies_resolve_to_modules() -> None:
    """The check knows the hard dependencies (else it would pass for want of names)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    owners = importlib.metadata.packages_distributions()
    by_dist: dict[str, set[str]] = {}
    for module, dists in owners.items():
        for d in dists:
            by_dist.setdefault(_dist(d), set()).add(module)
    missing = [d for d in deps if not by_dist.get(_dist(Requirement(d).name))]
    assert not missing, f"not installed: {missing}"
    assert {"scrapy", "twisted", "tldextract", "yaml", "PIL", "pypinyin", "ahocorasick_rs",
            "os", "signal"} <= hard_modules()
    assert "sklearn" not in hard_modules()  # the dev extra's


def test_no_function_level_import_of_a_hard_dependency_and_no_fallback() -> None:
    found = [p for path in sources()
             for p in problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("source", "expected"), [
    ("def f():\n    import yaml\n", ["m.py:2: yaml imported inside a function"]),
    ("def f():\n    from os import path\n", ["m.py:2: os imported inside a function"]),
    ("async def f():\n    import yaml.constructor as c\n", ["m.py:2: yaml imported"]),
    ("class A:\n    def f(self):\n        from yaml import (\n            safe_load,\n        )\n",
     ["m.py:3: yaml imported"]),
    ("def f():\n    def g():\n        import yaml\n", ["m.py:3: yaml imported"]),
    ("def f():\n    import yaml  # import-here: why\n", []),
    ("def f():\n    from yaml import (  # import-here: why\n        safe_load,\n    )\n", []),
    ("def f():\n    import yaml  # import-here:\n", ["m.py:2: yaml imported"]),  # no reason
    ("def f():\n    import sklearn\n    from . import sibling\n    from govspider import x\n", []),
    ("import yaml\n\n\ndef f():\n    return yaml\n", []),
    ("try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
     ["m.py:1: try/except ImportError around yaml"]),
    ("def f():\n    try:\n        import yaml  # import-here: x\n"
     "    except (OSError, ModuleNotFoundError):\n        return\n",
     ["m.py:2: try/except ImportError around yaml"]),
    ("try:\n    m = importlib.import_module('yaml')\nexcept ImportError:\n    m = None\n",
     ["m.py:1: try/except ImportError around yaml"]),
    ("try:\n    import sklearn\nexcept ImportError:\n    sklearn = None\n", []),
    ("try:\n    m = importlib.import_module(name)\nexcept ImportError:\n    m = None\n", []),
])
def test_the_check_catches_what_it_should(source: str, expected: list[str]) -> None:
    found = problems(source, "m.py", hard=frozenset({"yaml", "os"}))
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), (line, start)
