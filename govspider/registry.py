"""The account registry: which units own which accounts and official apps.

The canonical form is YAML::

    version: 1
    units:
      - name: 某市公安局            # the host organisation (unit)
        region: "440300"           # administrative division code
        region_name: 某市
        level: city                # province | city | county
        accounts:
          - {platform: weibo, platform_id: "6123409876", name: 某市公安}
          - {platform: douyin, platform_id: "MS4wLjABAAAA..."}
        apps:
          - name: 某市政务通
            abbreviations: [政务通]
            developer: 某市政务服务数据管理局
            package: cn.gov.example.app     # Android package
            bundle_id: cn.gov.example.app   # iOS bundle id
            itunes_id: "1234567890"

A flat CSV is accepted too, one account or app per row, with the header
``unit,region,level,platform,platform_id,name,abbreviations,developer,package,bundle_id,itunes_id``
and an optional ``website`` (the unit's site, checked for injected content); ``platform`` is
``app`` for an app row; abbreviations are separated by ``|``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CSV_FIELDS = ("unit", "region", "level", "platform", "platform_id", "name", "abbreviations",
              "developer", "package", "bundle_id", "itunes_id", "website")
LEVELS = ("province", "city", "county", "")


class RegistryError(ValueError):
    """The registry file is unreadable or inconsistent (the message names the place)."""


@dataclass(frozen=True)
class RegistryAccount:
    """One account a unit declares."""

    unit: str
    platform: str
    platform_id: str
    name: str = ""
    region: str = ""
    level: str = ""

    @property
    def account_id(self) -> str:
        return f"{self.platform}:{self.platform_id}"


@dataclass(frozen=True)
class RegistryApp:
    """One official app a unit declares."""

    unit: str
    name: str
    abbreviations: tuple[str, ...] = ()
    developer: str = ""
    package: str = ""
    bundle_id: str = ""
    itunes_id: str = ""
    region: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The name and its abbreviations: the search terms for app stores."""
        return tuple(dict.fromkeys((self.name, *self.abbreviations)))


@dataclass
class AccountRegistry:
    """Every unit's accounts and apps."""

    accounts: list[RegistryAccount] = field(default_factory=list)
    apps: list[RegistryApp] = field(default_factory=list)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_platform(self, platform: str) -> list[RegistryAccount]:
        return [a for a in self.accounts if a.platform == platform]

    def unit_of(self, account_id: str) -> RegistryAccount | None:
        for a in self.accounts:
            if a.account_id == account_id:
                return a
        return None

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path) -> AccountRegistry:
        """Read a YAML or CSV registry; :class:`RegistryError` with the reason on bad input."""
        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise RegistryError(f"cannot read registry {path}: {exc.strerror}") from None
        if path.suffix.lower() == ".csv":
            return cls.from_csv(raw, str(path))
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise RegistryError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, where: str = "registry") -> AccountRegistry:
        if not isinstance(data, dict) or not isinstance(data.get("units"), list):
            raise RegistryError(f"{where}: expected a mapping with a 'units' list")
        reg = cls()
        for i, unit in enumerate(data["units"]):
            here = f"{where}: units[{i}]"
            if not isinstance(unit, dict) or not unit.get("name"):
                raise RegistryError(f"{here}: a unit needs a 'name'")
            name = str(unit["name"])
            region, level = str(unit.get("region", "")), str(unit.get("level", ""))
            if level not in LEVELS:
                raise RegistryError(f"{here}: level {level!r} is not one of {LEVELS[:-1]}")
            reg.units[name] = {k: v for k, v in unit.items() if k not in ("accounts", "apps")}
            for j, acc in enumerate(unit.get("accounts") or []):
                if not isinstance(acc, dict) or not acc.get("platform") or not acc.get("platform_id"):
                    raise RegistryError(f"{here}.accounts[{j}]: needs 'platform' and 'platform_id'")
                reg.accounts.append(RegistryAccount(
                    unit=name, platform=str(acc["platform"]), platform_id=str(acc["platform_id"]),
                    name=str(acc.get("name", "")), region=region, level=level))
            for j, app in enumerate(unit.get("apps") or []):
                if not isinstance(app, dict) or not app.get("name"):
                    raise RegistryError(f"{here}.apps[{j}]: an app needs a 'name'")
                reg.apps.append(RegistryApp(
                    unit=name, name=str(app["name"]),
                    abbreviations=tuple(str(a) for a in app.get("abbreviations") or ()),
                    developer=str(app.get("developer", "")), package=str(app.get("package", "")),
                    bundle_id=str(app.get("bundle_id", "")),
                    itunes_id=str(app.get("itunes_id", "")), region=region))
        return reg

    @classmethod
    def from_csv(cls, raw: str, where: str = "registry.csv") -> AccountRegistry:
        reader = csv.DictReader(raw.splitlines())
        missing = {"unit", "platform", "name"} - set(reader.fieldnames or ())
        if missing:
            raise RegistryError(f"{where}: missing columns {', '.join(sorted(missing))}")
        units: dict[str, dict[str, Any]] = {}
        for line, row in enumerate(reader, start=2):
            unit = (row.get("unit") or "").strip()
            if not unit:
                raise RegistryError(f"{where}:{line}: empty 'unit'")
            u = units.setdefault(unit, {"name": unit, "region": row.get("region") or "",
                                        "level": row.get("level") or "",
                                        "accounts": [], "apps": []})
            if row.get("website"):
                u["website"] = row["website"]
            if row["platform"] == "app":
                u["apps"].append({k: row.get(k) or "" for k in
                                  ("name", "developer", "package", "bundle_id", "itunes_id")}
                                 | {"abbreviations": [a for a in (row.get("abbreviations") or "").split("|") if a]})
            else:
                if not row.get("platform_id"):
                    raise RegistryError(f"{where}:{line}: an account row needs 'platform_id'")
                u["accounts"].append({"platform": row["platform"], "platform_id": row["platform_id"],
                                      "name": row.get("name") or ""})
        return cls.from_dict({"units": list(units.values())}, where)

    def to_dict(self) -> dict[str, Any]:
        units: dict[str, dict[str, Any]] = {}
        for name, meta in self.units.items():
            units[name] = dict(meta) | {"accounts": [], "apps": []}
        for a in self.accounts:
            units.setdefault(a.unit, {"name": a.unit, "accounts": [], "apps": []})["accounts"].append(
                {"platform": a.platform, "platform_id": a.platform_id, "name": a.name})
        for p in self.apps:
            entry = {"name": p.name, "abbreviations": list(p.abbreviations), "developer": p.developer,
                     "package": p.package, "bundle_id": p.bundle_id, "itunes_id": p.itunes_id}
            units.setdefault(p.unit, {"name": p.unit, "accounts": [], "apps": []})["apps"].append(
                {k: v for k, v in entry.items() if v})
        return {"version": 1, "units": list(units.values())}
