"""What the installed plugins declare that the report needs: labels and detector roles.

The report names no platform and no detector. A platform's label is its plugin's
:attr:`~govspider.platform.Platform.label`; a detector's label is its
:attr:`~govspider.detection.Detector.indicator`, and the detector says which scorecard column
counts its findings (:attr:`~govspider.detection.Detector.scorecard`), whether they describe
the state at the monitoring time (``time_dependent``) and whether their evidence is masked
(``masks_evidence``). A finding of a detector that is not installed any more still shows: under
its stored ``indicator`` or its detector name, counted under "other".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from govspider.plugins import InstalledPlugins, installed_plugins

#: the scorecard value of detectors whose findings fill the table of counterfeit apps
APPS = "apps"


@dataclass(frozen=True)
class Catalog:
    """Platform and detector declarations, by name."""

    #: platform name -> label
    platforms: Mapping[str, str] = field(default_factory=dict)
    #: detector name -> label
    detectors: Mapping[str, str] = field(default_factory=dict)
    #: detector name -> scorecard column key (``""``: other)
    columns: Mapping[str, str] = field(default_factory=dict)
    #: detectors whose findings describe the state at the monitoring time
    time_dependent: frozenset[str] = frozenset()
    #: detectors whose evidence the report masks
    masked: frozenset[str] = frozenset()

    @classmethod
    def from_plugins(cls, plugins: InstalledPlugins | None = None) -> Catalog:
        """The declarations of ``plugins`` (default: every installed plugin)."""
        reg = plugins if plugins is not None else installed_plugins()
        dets = reg.detectors.values()
        return cls(
            platforms={p.name: p.label or p.name for p in reg.platforms.values()},
            detectors={d.name: d.label for d in dets},
            columns={d.name: d.scorecard for d in dets},
            time_dependent=frozenset(d.name for d in dets if d.time_dependent),
            masked=frozenset(d.name for d in dets if d.masks_evidence))

    def platform(self, name: str | None) -> str:
        """The label of a platform (its name when no installed plugin declares it)."""
        return self.platforms.get(name or "", name or "")

    def detector(self, name: str | None) -> str:
        """The label of a detector (its name when it is not installed)."""
        return self.detectors.get(name or "", name or "")

    def column(self, detector: str | None) -> str:
        """The scorecard column a detector's findings count in (``""``: other)."""
        return self.columns.get(detector or "", "")

    def is_app_finding(self, finding: Mapping[str, object]) -> bool:
        """Whether a finding belongs in the table of counterfeit apps."""
        return self.column(str(finding.get("detector") or "")) == APPS
