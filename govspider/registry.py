"""The account registry: which units own which accounts and official apps.

The canonical form is YAML::

    version: 1
    units:
      - name: 某市公安局            # the host organisation (unit)
        region: "440300"           # administrative division code
        region_name: 某市
        level: city                # province | city | county
        accounts:
          - {platform: PLATFORM, platform_id: "6123409876", name: 某市公安}
          - {platform: PLATFORM, platform_id: "MS4wLjABAAAA..."}
        apps:
          - name: 某市政务通
            abbreviations: [政务通]
            developer: 某市政务服务数据管理局
            package: cn.gov.example.app     # Android package
            bundle_id: cn.gov.example.app   # iOS bundle id
            itunes_id: "1234567890"

A flat CSV is accepted too, one account or app per row, with the header
``unit,region,level,platform,platform_id,name,abbreviations,developer,package,bundle_id,itunes_id``
and optional ``region_name`` and ``website`` (the unit's site, checked for injected content); ``platform`` is
``app`` for an app row; abbreviations are separated by ``|``.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

CSV_FIELDS = ("unit", "region", "level", "platform", "platform_id", "name", "abbreviations",
              "developer", "package", "bundle_id", "itunes_id", "website", "region_name")
LEVELS = ("province", "city", "county", "")


class RegistryError(ValueError):
    """The registry file is unreadable or inconsistent (the message names the place)."""


#: Values a registry may hold beyond its known keys are stored as they are (MongoDB/BSON):
#: at most this many of them per file, nested at most this deep.
MAX_VALUES = 200_000
MAX_DEPTH = 32
_INT64 = 2**63


def storable(value: Any, where: str, budget: list[int] | None = None, depth: int = 0) -> Any:
    """``value`` as MongoDB can store it: dates become ISO strings; a value BSON cannot hold
    (an integer beyond 64 bits, a key that is not a string, a set, NaN...) or a structure
    nested too deeply or too large (YAML aliases) is a :class:`RegistryError` naming it."""
    budget = budget if budget is not None else [MAX_VALUES]
    budget[0] -= 1
    if budget[0] < 0:
        raise RegistryError(f"{where}: too many values (more than {MAX_VALUES}; YAML aliases?)")
    if depth > MAX_DEPTH:
        raise RegistryError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise RegistryError(f"{where}: the number {str(value)[:24]} is too large to store "
                                f"(quote it to keep it as text)")
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise RegistryError(f"{where}: {value!r} is not a storable number")
        return value
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [storable(v, f"{where}[{i}]", budget, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k or k.startswith("$") or "\0" in k:
                raise RegistryError(f"{where}: key {k!r} is not a text key MongoDB can store")
            out[k] = storable(v, f"{where}.{k}", budget, depth + 1)
        return out
    raise RegistryError(f"{where}: a {type(value).__name__} value cannot be stored")


def _text(value: Any, where: str) -> str:
    """A text field of the registry (numbers are read as their digits)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RegistryError(f"{where}: expected text, got {type(value).__name__}")
    return str(value)


def _items(value: Any, where: str) -> list[Any]:
    """A list field of the registry (absent or empty is an empty list)."""
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise RegistryError(f"{where}: expected a list, got {type(value).__name__}")
    return value


#: A GB/T 2260 administrative division code: six digits.
REGION_CODE = re.compile(r"[1-9]\d{5}")


def region_fields(region: Any, region_name: Any = "") -> dict[str, str]:
    """``region`` and ``region_name`` as an account stores them (``docs/data-model.md``):
    ``region`` only when it is a GB/T 2260 code; a registry ``region`` that is a name and not
    a code becomes the ``region_name`` (unless the registry names the region itself)."""
    code = str(region or "").strip()
    name = str(region_name or "").strip()
    out: dict[str, str] = {}
    if REGION_CODE.fullmatch(code):
        out["region"] = code
    elif code and not name:
        name = code
    if name:
        out["region_name"] = name
    return out


@dataclass(frozen=True)
class RegistryAccount:
    """One account a unit declares."""

    unit: str
    platform: str
    platform_id: str
    name: str = ""
    region: str = ""
    level: str = ""
    region_name: str = ""

    @property
    def account_id(self) -> str:
        return f"{self.platform}:{self.platform_id}"

    def region_fields(self) -> dict[str, str]:
        """The account's ``region`` and ``region_name`` (see :func:`region_fields`)."""
        return region_fields(self.region, self.region_name)


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
            raw = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise RegistryError(f"cannot read registry {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise RegistryError(f"{path}: not UTF-8 text (byte {exc.start}: a binary file?)") from None
        if "\0" in raw:
            raise RegistryError(f"{path}: contains NUL characters (a binary file?)")
        if path.suffix.lower() == ".csv":
            return cls.from_csv(raw, str(path))
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise RegistryError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
        except RecursionError:
            raise RegistryError(f"{path}: nested too deeply to be a registry") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, where: str = "registry") -> AccountRegistry:
        if not isinstance(data, dict) or not isinstance(data.get("units"), list):
            raise RegistryError(f"{where}: expected a mapping with a 'units' list")
        reg = cls()
        budget = [MAX_VALUES]
        for i, unit in enumerate(data["units"]):
            here = f"{where}: units[{i}]"
            if not isinstance(unit, dict) or not unit.get("name"):
                raise RegistryError(f"{here}: a unit needs a 'name'")
            name = _text(unit["name"], f"{here}.name")
            region = _text(unit.get("region", ""), f"{here}.region")
            region_name = _text(unit.get("region_name") or "", f"{here}.region_name")
            level = _text(unit.get("level", ""), f"{here}.level")
            if level not in LEVELS:
                raise RegistryError(f"{here}: level {level!r} is not one of {LEVELS[:-1]}")
            reg.units[name] = storable(
                {k: v for k, v in unit.items() if k not in ("accounts", "apps")}, here, budget)
            for j, acc in enumerate(_items(unit.get("accounts"), f"{here}.accounts")):
                if not isinstance(acc, dict) or not acc.get("platform") or not acc.get("platform_id"):
                    raise RegistryError(f"{here}.accounts[{j}]: needs 'platform' and 'platform_id'")
                at = f"{here}.accounts[{j}]"
                reg.accounts.append(RegistryAccount(
                    unit=name, platform=_text(acc["platform"], f"{at}.platform"),
                    platform_id=_text(acc["platform_id"], f"{at}.platform_id"),
                    name=_text(acc.get("name") or "", f"{at}.name"), region=region, level=level,
                    region_name=region_name))
            for j, app in enumerate(_items(unit.get("apps"), f"{here}.apps")):
                if not isinstance(app, dict) or not app.get("name"):
                    raise RegistryError(f"{here}.apps[{j}]: an app needs a 'name'")
                at = f"{here}.apps[{j}]"
                abbreviations = app.get("abbreviations") or []
                if isinstance(abbreviations, str):
                    abbreviations = [abbreviations]
                reg.apps.append(RegistryApp(
                    unit=name, name=_text(app["name"], f"{at}.name"),
                    abbreviations=tuple(_text(a, f"{at}.abbreviations")
                                        for a in _items(abbreviations, f"{at}.abbreviations")),
                    **{k: _text(app.get(k) or "", f"{at}.{k}")
                       for k in ("developer", "package", "bundle_id", "itunes_id")},
                    region=region))
        return reg

    @classmethod
    def from_csv(cls, raw: str, where: str = "registry.csv") -> AccountRegistry:
        try:
            return cls._from_csv(raw, where)
        except csv.Error as exc:
            raise RegistryError(f"{where}: not a valid CSV file ({exc})") from None

    @classmethod
    def _from_csv(cls, raw: str, where: str) -> AccountRegistry:
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
            for key in ("website", "region_name"):
                if row.get(key):
                    u[key] = row[key]
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
