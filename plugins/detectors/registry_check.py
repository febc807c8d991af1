"""开设整合 and 名称规范: accounts against the registry and against each other.

Corpus scope: sees every account at once (``{"account": [...]}``) and ``ctx.registry``.
Rules (all medium, ``renamed`` low): more than one account per unit per platform; a
certification (认证信息) that does not name the unit; an uncertified account; a name not tied to
the unit; a unit's accounts named differently across platforms; a rename since the last crawl.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from govspider.detection import DetectContext
from govspider.items import Finding
from govspider_plugins.detectors import _planted

from ._acctbase import PLATFORM_NAMES, ConfiguredDetector, account_name, common_substring, compact


class AccountRegistryCheck(ConfiguredDetector):
    """Accounts that break the rules on opening and naming government accounts."""

    name = "account_registry"
    indicator = "开设整合、名称规范"
    severity = "medium"
    scorecard = "naming"
    scope = "corpus"
    accepts = frozenset({"account"})
    data_file = "registry_check.yaml"
    description = "one account per unit per platform; certified by the unit; consistent names"
    #: what the sandbox world plants for this detector (govspider.sandbox.cases)
    planted = _planted.ACCOUNT_REGISTRY

    def detect(self, subject: dict[str, list[dict[str, Any]]], ctx: DetectContext) -> Iterator[Finding]:
        accounts = [a for a in subject.get("account", []) if a.get("_id")]
        disabled = set(self.param(ctx, "disabled_rules") or ())
        units: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for account in accounts:
            unit = self.unit_of(account, ctx)
            if unit:
                units[unit].append(account)
        out: list[Finding] = []
        for unit, members in units.items():
            out += self._multiple(unit, members, ctx)
            out += self._inconsistent(unit, members, ctx)
            for account in members:
                out += self._certification(unit, account, ctx)
                out += self._name(unit, account, ctx)
        for account in accounts:
            out += self._renamed(account, ctx)
        for finding in out:
            if finding.rule not in disabled:
                yield finding

    @staticmethod
    def unit_of(account: dict[str, Any], ctx: DetectContext) -> str:
        if account.get("unit"):
            return str(account["unit"])
        entry = ctx.registry.unit_of(str(account["_id"])) if ctx.registry is not None else None
        return entry.unit if entry is not None else ""

    # ------------------------------------------------------------------ rules
    def _multiple(self, unit: str, members: list[dict[str, Any]], ctx: DetectContext) -> list[Finding]:
        """Every account of a unit on a platform beyond the first (the registry's first, else
        the one with most followers) is flagged; if only the first was crawled, it is flagged."""
        declared: dict[str, list[str]] = defaultdict(list)
        if ctx.registry is not None:
            for entry in ctx.registry.accounts:
                if entry.unit == unit:
                    declared[entry.platform].append(entry.account_id)
        by_platform: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for account in members:
            by_platform[str(account.get("platform"))].append(account)
        limit = int(self.param(ctx, "max_accounts_per_platform"))
        out = []
        for platform, group in sorted(by_platform.items()):
            ids = sorted({str(a["_id"]) for a in group} | set(declared.get(platform, [])))
            if len(ids) <= limit:
                continue
            order = declared.get(platform, [])
            ranked = sorted(group, key=lambda a: (
                order.index(str(a["_id"])) if str(a["_id"]) in order else len(order),
                -(a.get("followers") or 0), str(a["_id"])))
            primary_id = order[0] if order else str(ranked[0]["_id"])
            flagged = [a for a in group if str(a["_id"]) != primary_id] or group
            label = PLATFORM_NAMES.get(platform, platform)
            for account in flagged:
                out.append(self.finding(
                    subject=account, rule="multiple_accounts", ctx=ctx, subject_type="account",
                    evidence={"unit": unit, "platform": platform, "account_ids": ids,
                              "primary_account_id": primary_id},
                    message=(f"{unit}在{label}开设了{len(ids)}个账号（含「{account_name(account)}」），"
                             f"不符合“一个单位原则上在同一平台只开设一个账号”的要求。")))
        return out

    def _certification(self, unit: str, account: dict[str, Any], ctx: DetectContext) -> list[Finding]:
        name = account_name(account)
        if account.get("verified") is False:
            return [self.finding(
                subject=account, rule="unverified", ctx=ctx, subject_type="account",
                evidence={"unit": unit, "verified": False},
                message=f"账号「{name}」（{unit}）未进行机构认证。")]
        reason = account.get("verified_reason")
        if account.get("verified") is not True or not reason:
            return []
        if self._names_unit(str(reason), unit, ctx):
            return []
        return [self.finding(
            subject=account, rule="certification_mismatch", ctx=ctx, subject_type="account",
            evidence={"unit": unit, "verified_reason": reason},
            message=f"账号「{name}」的认证信息「{reason}」未体现主办单位「{unit}」。")]

    def _names_unit(self, reason: str, unit: str, ctx: DetectContext) -> bool:
        text = compact(reason)
        names = [unit, *self._aliases(unit, ctx)]
        for candidate in names:
            core = compact(candidate)
            for prefix in self.param(ctx, "unit_prefixes") or ():
                p = compact(prefix)
                if core.startswith(p) and len(core) > len(p):
                    core = core[len(p):]
            if not core:
                continue
            if core in text:
                return True
            if common_substring(core, text) >= float(self.param(ctx, "cert_min_overlap")) * len(core):
                return True
        return False

    @staticmethod
    def _aliases(unit: str, ctx: DetectContext) -> list[str]:
        meta = ctx.registry.units.get(unit, {}) if ctx.registry is not None else {}
        aliases = meta.get("aliases") or []
        return [str(a) for a in aliases] if isinstance(aliases, list) else []

    def _name(self, unit: str, account: dict[str, Any], ctx: DetectContext) -> list[Finding]:
        name = account.get("name")
        if not name:
            return []
        anchors = [unit, *self._aliases(unit, ctx)]
        meta = ctx.registry.units.get(unit, {}) if ctx.registry is not None else {}
        if meta.get("region_name"):
            anchors.append(str(meta["region_name"]))
        shared = max(len(set(compact(name)) & set(compact(a))) for a in anchors)
        if shared >= int(self.param(ctx, "name_min_shared_chars")):
            return []
        return [self.finding(
            subject=account, rule="name_unrelated", ctx=ctx, subject_type="account",
            evidence={"unit": unit, "name": name, "shared_chars": shared},
            message=f"账号名称「{name}」与主办单位「{unit}」及其职能无明显关联，不符合名称规范。")]

    def _inconsistent(self, unit: str, members: list[dict[str, Any]], ctx: DetectContext) -> list[Finding]:
        named = [(a, self._core_name(a.get("name"), ctx)) for a in members if a.get("name")]
        platforms = {str(a.get("platform")) for a, _ in named}
        if len(platforms) < 2:
            return []
        counts = Counter(core for _, core in named)
        if len(counts) < 2:
            return []
        top = counts.most_common()
        reference = top[0][0] if top[0][1] > top[1][1] else None  # a tie: no majority name
        names = sorted({(str(a.get("platform")), str(a.get("name"))) for a, _ in named})
        listed = "、".join(f"{PLATFORM_NAMES.get(p, p)}「{n}」" for p, n in names)
        out = []
        for account, core in named:
            if core == reference:
                continue
            out.append(self.finding(
                subject=account, rule="name_inconsistent", ctx=ctx, subject_type="account",
                evidence={"unit": unit, "names": [{"platform": p, "name": n} for p, n in names],
                          "majority_name": reference},
                message=f"{unit}在各平台的账号名称不一致：{listed}。"))
        return out

    def _core_name(self, name: Any, ctx: DetectContext) -> str:
        core = compact(name)
        for suffix in sorted(self.param(ctx, "platform_suffixes") or (), key=len, reverse=True):
            s = compact(suffix)
            if core.endswith(s) and len(core) > len(s):
                core = core[: -len(s)]
        return core

    def _renamed(self, account: dict[str, Any], ctx: DetectContext) -> list[Finding]:
        extra = account.get("extra") or {}
        previous = extra.get("previous_name") if isinstance(extra, dict) else None
        if not previous or not account.get("name") or compact(previous) == compact(account["name"]):
            return []
        return [self.finding(
            subject=account, rule="renamed", severity="low", ctx=ctx, subject_type="account",
            evidence={"previous_name": previous, "name": account["name"]}, score=0.3,
            message=f"账号名称由「{previous}」变更为「{account['name']}」，请核实变更是否经过备案。")]


DETECTORS = [AccountRegistryCheck()]
