"""Built-in detectors of govspider.

Every public submodule of this package (a name not starting with ``_``, other than ``eval``)
exposes ``DETECTORS = [...]``; this plugin returns them all, in module-name order. A new detector
family is a new module here: nothing else to register.
"""

from __future__ import annotations

import importlib
import pkgutil

from govspider.hookspecs import hookimpl

__version__ = "1.0"

#: tools of the package (evaluation, training, the real-incident set), not detectors: a crawl
#: never imports them
NOT_DETECTOR_MODULES = frozenset({"eval", "train", "pipeline_cv", "realcases"})


def detector_modules() -> list[str]:
    """Names of the submodules that contribute detectors."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
                  if not m.name.startswith("_") and m.name not in NOT_DETECTOR_MODULES
                  and not m.ispkg)


def all_detectors() -> list:
    """Detector instances from every detector module (imported lazily, once)."""
    out = []
    for name in detector_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        out.extend(getattr(module, "DETECTORS", []))
    return out


@hookimpl
def govspider_detectors() -> list:
    return all_detectors()
