"""The import graph of govspider: the core below every plugin, no arrow back up, no circle.

    python docs/imports.py            # check, then draw docs/imports.svg
    python docs/imports.py --check    # check only (exit 1 with the offending imports)

The graph comes from grimp (the library behind import-linter), which reads every import
statement, those inside functions included. Nodes are the core's subpackages and top-level
modules (``govspider.storage``, ``govspider.items``...) and the plugins' packages; an arrow
goes from the importer to what it imports. ``tests/core/test_imports.py`` runs the same checks.
"""

from __future__ import annotations

import argparse
import graphlib
import sys
from collections import defaultdict
from pathlib import Path

import grimp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
from matplotlib.patches import FancyBboxPatch  # noqa: E402

CORE = "govspider"
PLUGINS = "govspider_plugins"  # the import name of the plugins/ folder (setup.py)
HERE = Path(__file__).resolve().parent


def module_graph() -> grimp.ImportGraph:
    # imports under `if TYPE_CHECKING:` are for type checkers, not arrows at run time
    return grimp.build_graph(CORE, PLUGINS, include_external_packages=False,
                             exclude_type_checking_imports=True)


def node_of(module: str) -> str:
    """A module's node: its package two levels down (``govspider.storage.writer`` ->
    ``govspider.storage``, ``govspider_plugins.weibo.spider`` -> ``govspider_plugins.weibo``)."""
    return ".".join(module.split(".")[:2])


def package_graph(graph: grimp.ImportGraph | None = None) -> dict[str, set[str]]:
    graph = graph or module_graph()
    deps: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        src = node_of(module)
        deps[src]  # noqa: B018 - every node, importing or not
        for imported in graph.find_modules_directly_imported_by(module):
            if node_of(imported) != src:
                deps[src].add(node_of(imported))
    return dict(deps)


def upward_imports(graph: grimp.ImportGraph | None = None) -> list[tuple[str, str]]:
    """(core module, plugin module) pairs: the core importing a plugin."""
    graph = graph or module_graph()
    return sorted((m, d) for m in graph.modules if m.split(".")[0] == CORE
                  for d in graph.find_modules_directly_imported_by(m) if d.split(".")[0] == PLUGINS)


def cycle(deps: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``deps`` (a list of nodes, first = last), ``None`` when acyclic."""
    try:
        tuple(graphlib.TopologicalSorter(deps).static_order())
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


def module_deps(graph: grimp.ImportGraph | None = None) -> dict[str, set[str]]:
    graph = graph or module_graph()
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def problems() -> list[str]:
    graph = module_graph()
    found = [f"the core imports a plugin: {a} -> {b}" for a, b in upward_imports(graph)]
    for what, deps in (("modules", module_deps(graph)), ("packages", package_graph(graph))):
        circle = cycle(deps)
        if circle:
            found.append(f"an import circle between {what}: {' -> '.join(circle)}")
    return found


def layers(deps: dict[str, set[str]]) -> dict[str, int]:
    """Longest-path layering: a node sits one layer above the highest node it imports."""
    level: dict[str, int] = {}
    for node in graphlib.TopologicalSorter(deps).static_order():
        level[node] = 1 + max((level[d] for d in deps.get(node, ())), default=-1)
    return level


def draw(deps: dict[str, set[str]], out: Path) -> None:
    level = layers(deps)
    rows: dict[int, list[str]] = defaultdict(list)
    for node in sorted(level, key=lambda n: (n.split(".")[0] != CORE, n)):
        rows[level[node]].append(node)
    # the plugins in a band of their own above the core
    core_top = max((level[n] for n in level if n.split(".")[0] == CORE), default=0)
    plugin_levels = sorted({level[n] for n in level if n.split(".")[0] != CORE})
    plugin_rows: dict[int, list[str]] = defaultdict(list)
    for lv in sorted(rows):
        for node in rows[lv]:
            if node.split(".")[0] != CORE:  # the plugins' levels, one row each above the core
                plugin_rows[core_top + 1 + plugin_levels.index(lv)].append(node)
    rows = {lv: [n for n in ns if n.split(".")[0] == CORE] for lv, ns in rows.items()}
    for lv, ns in plugin_rows.items():
        rows.setdefault(lv, []).extend(ns)
    width = max(len(ns) for ns in rows.values())
    step = 2.1  # a box is 1.7 wide
    pos: dict[str, tuple[float, float]] = {}
    for lv, ns in rows.items():
        for i, node in enumerate(ns):
            pos[node] = ((i - (len(ns) - 1) / 2) * step, lv * 1.6)
    fig, ax = plt.subplots(figsize=(max(12, width * 1.5), 2 + 1.0 * len(rows)))
    for src, targets in deps.items():
        for dst in targets:
            (x1, y1), (x2, y2) = pos[src], pos[dst]
            ax.annotate("", xy=(x2, y2 + 0.25), xytext=(x1, y1 - 0.25),
                        arrowprops={"arrowstyle": "-|>", "color": "#9aa5b1", "lw": 0.6,
                                    "shrinkA": 0, "shrinkB": 0, "alpha": 0.7})
    for node, (x, y) in pos.items():
        core = node.split(".")[0] == CORE
        ax.add_patch(FancyBboxPatch((x - 0.85, y - 0.25), 1.7, 0.5, boxstyle="round,pad=0.02",
                                    fc="#dbe9f6" if core else "#fde2c8",
                                    ec="#2f6497" if core else "#b35c1e", lw=1))
        label = node.split(".", 1)[1] if "." in node else node
        ax.text(x, y, label, ha="center", va="center", fontsize=7.5)
    top = max(rows) * 1.6
    ax.set_xlim(-width * step / 2 - 0.5, width * step / 2 + 0.5)
    ax.set_ylim(-1, top + 1.4)
    ax.axis("off")
    ax.set_title(f"Imports of govspider: an arrow goes from the importer to what it imports.\n"
                 f"Blue: the core ({CORE}); orange: the plugins ({PLUGINS}). The core imports no "
                 f"plugin and no import circles back (checked by tests/core/test_imports.py).",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Check only; draw nothing.")
    parser.add_argument("--out", type=Path, default=HERE / "imports.svg", help="The drawing.")
    args = parser.parse_args(argv)
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    if found:
        return 1
    if not args.check:
        draw(package_graph(), args.out)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
