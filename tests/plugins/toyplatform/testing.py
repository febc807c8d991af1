"""Registering the Toy plugin in a test: in one registry, in this process's registry, or as an
installed distribution that subprocesses discover."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from govspider import plugins

NAME = "toyplatform"
#: the repository (where ``tests.plugins.toyplatform`` is importable from)
ROOT = Path(__file__).resolve().parents[3]
DISTRIBUTION = "govspider_toyplatform-0.1.0"


def toy_registry() -> plugins.InstalledPlugins:
    """The installed plugins plus Toy, leaving the process-wide registry alone."""
    pm = plugins.new_manager()
    pm.register(sys.modules[__package__], name=NAME)
    return plugins.InstalledPlugins(pm)


def install() -> None:
    """Make :func:`govspider.plugins.installed_plugins` of this process include Toy (a crawl subprocess:
    call before anything asks the registry)."""
    original = plugins.new_manager

    def new_manager(load_entry_points: bool = True):  # noqa: ANN202
        pm = original(load_entry_points)
        if not pm.has_plugin(NAME):
            pm.register(sys.modules[__package__], name=NAME)
        return pm

    plugins.new_manager = new_manager  # type: ignore[assignment]
    plugins.installed_plugins.cache_clear()


def installed_env(directory: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """An environment in which Toy is installed, for a subprocess and every subprocess it starts.

    Writes a distribution's metadata (``<DISTRIBUTION>.dist-info``) into ``directory``, with
    Toy under the ``govspider`` entry-point group, as ``pip install`` of a package whose
    pyproject declares ``[project.entry-points.govspider]`` would; ``importlib.metadata``
    finds it on ``PYTHONPATH``, so :func:`govspider.plugins.installed_plugins` of those
    processes includes Toy with nothing of govspider patched. Returns ``env`` (default: this
    process's environment) with ``directory`` and the repository first on ``PYTHONPATH``.
    """
    info = Path(directory) / f"{DISTRIBUTION}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    name, _, version = DISTRIBUTION.partition("-")
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{plugins.ENTRY_POINT_GROUP}]\n{NAME} = {__package__}\n",
                                           encoding="utf-8")
    out = dict(os.environ if env is None else env)
    path = [str(directory), str(ROOT), *filter(None, out.get("PYTHONPATH", "").split(os.pathsep))]
    out["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path))
    return out
