"""Planted cases in the world: gathered from the detectors, handed to accounts, scored against.

The detectors declare the cases they want in their ``planted`` attribute (see
:mod:`govspider.sandbox.cases`). An account carries at most one account case (a planted case or
a hard negative), chosen deterministically from the seed; the post and comment builders of
``world.py`` generate what the case says. ``ground_truth()`` lists every planted subject with
``label: true`` and every hard negative with ``label: false`` under the corpus ``_id`` the
crawlers will store and the name of the detector that declared it, so detector findings can be
scored against it. Subjects not listed are ordinary generated content, presumed clean.

This module also writes the world's registry (``govspider accounts import`` format).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from govspider.sandbox.cases import ACCOUNT_SUBJECTS, Planted
from govspider.sandbox.seeded import rng_for

if TYPE_CHECKING:
    from govspider.plugins import InstalledPlugins
    from govspider.sandbox.entities import WAccount, WComment, WPost
    from govspider.sandbox.world import World

#: account cases per 1000 units in big worlds (at least one each)
RATE_PER_1000 = 4


def collect(registry: InstalledPlugins) -> list[Planted]:
    """Every case the registry's detectors declare, ``detector`` filled in, in placement order
    (``order``, then case name). Two cases of one name are an error."""
    seen: dict[str, str] = {}
    out: list[Planted] = []
    for detector in registry.detectors.values():
        for case in getattr(detector, "planted", ()) or ():
            if not isinstance(case, Planted):
                raise TypeError(f"detector {detector.name!r}: planted cases must be "
                                f"govspider.sandbox.cases.Planted, not {type(case).__name__}")
            if case.case in seen:
                raise ValueError(f"planted case {case.case!r} is declared by {seen[case.case]!r} "
                                 f"and {detector.name!r}")
            seen[case.case] = detector.name
            out.append(replace(case, detector=detector.name))
    return sorted(out, key=lambda c: (c.order, c.case))


def cases_for(world: World, subject: str) -> list[Planted]:
    """The world's cases about ``subject`` (``app``, ``page``...), in order."""
    return [c for c in world.cases if c.subject == subject]


@dataclass
class Plan:
    """Which (unit index, platform) carries which case, and the extra (second) accounts."""

    traits: dict[tuple[int, str], Planted] = field(default_factory=dict)
    extra_accounts: list[tuple[int, str, Planted]] = field(default_factory=list)


def assign(world: World) -> Plan:
    """Choose the accounts that carry each account case."""
    r = rng_for(world.seed, "plant")
    n_units = len(world.units)
    slots = [(u.index, p) for u in world.units for p in world.platforms]
    r.shuffle(slots)
    used: set[tuple[int, str]] = set()
    plan = Plan()
    per_case = max(1, round(n_units * RATE_PER_1000 / 1000))

    def take(case: Planted) -> None:
        for platform in (*case.platforms, *world.platforms):
            for slot in slots:
                if slot[1] == platform and slot not in used:
                    used.add(slot)
                    plan.traits[slot] = case
                    return

    def second(case: Planted) -> None:
        """A second account of a unit whose account on the platform is ordinary."""
        platform = case.platforms[0]
        for slot in slots:
            if slot[1] == platform and slot not in used:
                used.add(slot)
                plan.extra_accounts.append((slot[0], platform, case))
                return

    for case in world.cases:
        if case.subject not in ACCOUNT_SUBJECTS:
            continue
        for _ in range(per_case):
            (second if case.second_account else take)(case)
    return plan


def jump_date(world: World, acc: WAccount) -> datetime:
    """When the follower jump of an account with a ``follower_jump`` case happens."""
    days = rng_for(world.seed, "jump", acc.index).uniform(15, 45)
    return (world.now - timedelta(days=days)).replace(hour=12, minute=0, second=0, microsecond=0)


# --------------------------------------------------------------------------- registry
def registry(world: World, base_url: str | None = None) -> dict[str, Any]:
    """The registry dict (``govspider.registry`` YAML format) of the world's units; websites
    are relative without the sandbox's ``base_url``."""
    sites = next(iter(world.site_worlds), None)
    units: list[dict[str, Any]] = []
    by_unit: dict[int, dict[str, Any]] = {}
    for unit in world.units:
        entry: dict[str, Any] = {
            "name": unit.name, "region": unit.region, "region_name": unit.region_name,
            "level": unit.level, "duty": unit.duty,
            "website": sites.website(unit, base_url) if sites is not None else "",
            "accounts": [], "apps": []}
        by_unit[unit.index] = entry
        units.append(entry)
    for acc in world.accounts():
        by_unit[acc.unit.index]["accounts"].append(
            {"platform": acc.platform, "platform_id": acc.platform_id, "name": acc.name})
    for lw in world.listing_worlds:
        for unit, app_entry in lw.registry_apps():
            by_unit[unit.index]["apps"].append(app_entry)
    return {"version": 1, "units": units}


# --------------------------------------------------------------------------- ground truth
class _Facts(dict):
    """What note and rule templates may name; ``days`` and ``jump_date`` computed on use."""

    def __init__(self, world: World, account: WAccount | None = None, **facts: Any):
        super().__init__(account=account, **facts)
        self.world = world

    def __missing__(self, key: str) -> Any:
        acc = self.get("account")
        if key == "days" and acc is not None:
            last = self.world.last_post_time(acc)
            return (self.world.now - last).days if last else None
        if key == "jump_date" and acc is not None:
            return jump_date(self.world, acc).date()
        raise KeyError(key)


def _fill(template: str | None, facts: _Facts) -> str | None:
    return template.format_map(facts) if template else template


def ground_truth(world: World, base_url: str) -> list[dict[str, Any]]:
    """Every planted case (``label: true``) and hard negative (``label: false``)."""
    out: list[dict[str, Any]] = []

    def add(detector: str, subject_type: str, subject_id: str, label: bool, rule: str | None,
            note: str, **extra: Any) -> None:
        row = {"detector": detector, "subject_type": subject_type, "subject_id": subject_id,
               "label": label, "rule": rule, "note": note}
        row.update(extra)
        out.append(row)

    def row(case: Planted, subject_type: str, subject_id: str, facts: _Facts, **extra: Any) -> None:
        add(case.detector, subject_type, subject_id, case.label, _fill(case.rule, facts),
            _fill(case.note, facts) or "", **extra)

    for acc in world.accounts():
        case = acc.case
        if case is None:
            continue
        aid = acc.corpus_id
        if case.subject == "account":
            facts = _Facts(world, acc)
            if case.second_account:
                twin = next(a for a in world.accounts(acc.platform) if a.unit is acc.unit and a is not acc)
                facts["twin"] = twin
                row(case, "account", aid, facts, account_id=aid, twin=twin.corpus_id)
            else:
                row(case, "account", aid, facts, account_id=aid)
        elif case.subject == "post":
            for text in case.posts:
                post = world.post_at(acc, text.index)
                if post is not None:
                    evidence = {"evidence": text.evidence(post.text)} if text.evidence else {}
                    row(case, "post", post.corpus_id, _Facts(world, acc, post=post), account_id=aid,
                        **evidence)
        elif case.subject == "comment" and case.thread is not None:
            post = world.post_at(acc, case.thread.index)
            reply = _first_reply(world, post)
            if post is not None and reply is not None:
                row(case, "comment", reply.corpus_id, _Facts(world, acc, post=post, reply=reply),
                    account_id=aid, post_id=post.corpus_id)
        if case.burst is not None:
            by_name = {t.name: t for t in case.burst.posts}
            for post in world.posts(acc, 0, case.burst.size):
                name = post.planted[0]
                for detector in by_name[name].also:
                    add(detector, "post", post.corpus_id, True, name, post.text, account_id=aid)
    app_cases = {c.case: c for c in cases_for(world, "app")}
    for store in world.stores:
        for app in world.apps(store):
            case = app_cases.get(app.kind)
            if case is not None:
                row(case, "app", app.corpus_id, _Facts(world, app=app), store=store)
    page_cases = {c.case: c for c in cases_for(world, "page")}
    for page in world.pages():
        declared = [page_cases[k] for k in page.kinds if k in page_cases]
        site = world.site_world_of(page)
        if not declared or site is None:
            continue
        url = site.page_url(page, base_url)
        case = next((c for c in declared if c.label), declared[0])
        facts = _Facts(world, page=page, kinds=",".join(page.kinds), kinds_text=", ".join(page.kinds))
        row(case, "page", site.page_corpus_id(url), facts, url=url)
    return out


def _first_reply(world: World, post: WPost | None) -> WComment | None:
    if post is None:
        return None
    first = world.comments(post, 0, 1)
    return first[0].replies[0] if first and first[0].replies else None
