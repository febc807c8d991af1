"""The import structure of issue 16: the core below every plugin, no import circle.

The checks live in ``docs/imports.py`` (which also draws ``docs/imports.svg``); grimp reads
every import statement, those inside functions included.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("govspider_imports_doc", ROOT / "docs" / "imports.py")
assert _spec and _spec.loader
imports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(imports)


def test_the_core_imports_no_plugin() -> None:
    assert imports.upward_imports() == []


def test_no_import_circle_between_modules_or_packages() -> None:
    graph = imports.module_graph()
    assert imports.cycle(imports.module_deps(graph)) is None
    assert imports.cycle(imports.package_graph(graph)) is None


def test_the_checks_catch_a_circle_and_an_upward_import() -> None:
    assert imports.cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert imports.cycle({"a": {"b"}, "b": set()}) is None
    deps = {"govspider.x": {"govspider.y"}, "govspider.y": set(), f"{imports.PLUGINS}.p": {"govspider.x"}}
    level = imports.layers(deps)
    assert level["govspider.y"] < level["govspider.x"] < level[f"{imports.PLUGINS}.p"]


def test_the_plugins_import_only_the_core_and_themselves_or_the_detectors() -> None:
    """A platform plugin may use the core and shared detector code, never another platform."""
    deps = imports.package_graph()
    platforms = {n for n in deps if n.startswith(imports.PLUGINS + ".") and not n.endswith(".detectors")}
    for node in platforms:
        assert not (deps[node] & (platforms - {node})), (node, deps[node] & platforms)
