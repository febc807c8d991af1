"""The sandbox world: units, accounts, posts, comments, apps and pages, generated from a seed.

Only the small parts are materialised (units, accounts, apps, pages). Posts, comments and
follower series are generated on demand from ``(seed, kind, indices)`` with a fresh
``random.Random`` per object, so a world of 10,000 accounts and a million posts costs only its
account list in memory. Post and comment ids encode the indices they were generated from, so
``World.post(platform, id)`` decodes instead of looking anything up.

The world names no platform and no detector. The platforms come from the installed plugins'
``govspider_sandbox_worlds()`` hook (see :mod:`govspider.sandbox.platforms`): each says how its
ids, posts, media and links look. The planted cases come from the detectors' ``planted``
declarations (see :mod:`govspider.sandbox.cases` and :mod:`govspider.sandbox.planted`).
"""

from __future__ import annotations

import functools
import logging
import math
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from govspider.plugins import InstalledPlugins, installed_plugins
from govspider.processors import CST
from govspider.sandbox import icons, planted, text
from govspider.sandbox.cases import Scene
from govspider.sandbox.entities import (
    Segment,
    WAccount,
    WApp,
    WComment,
    WPage,
    WPost,
    WUnit,
    text_account_name,
)
from govspider.sandbox.platforms import AccountWorld, ListingWorld, PlatformWorld, SiteWorld
from govspider.sandbox.seeded import rng_for, stable_hex
from govspider.sandbox.units import DUTIES, Region, duties_for, region, unit_name

if TYPE_CHECKING:
    from govspider.sandbox.cases import Planted

__all__ = ["World", "WUnit", "WAccount", "WPost", "WComment", "WApp", "WPage", "Segment", "SIZES",
           "rng_for", "stable_hex", "text_account_name"]

logger = logging.getLogger(__name__)

#: size presets: units, posts per account, units per region
SIZES: dict[str, dict[str, int]] = {
    "small": {"units": 12, "posts_per_account": 40, "units_per_region": 4},
    "medium": {"units": 40, "posts_per_account": 120, "units_per_region": 4},
    "large": {"units": 3334, "posts_per_account": 100, "units_per_region": 4},
}
MAX_COMMENTS = 40


# ---------------------------------------------------------------------------- the world
class World:
    """A deterministic world generated from ``seed``; see the module docstring.

    ``plugins``: the plugin registry whose platforms and detectors make the world (default: the
    installed plugins, :func:`govspider.plugins.installed_plugins`).
    """

    def __init__(self, seed: int = 7, size: str | dict[str, Any] = "small",
                 now: datetime | str | None = None, generation: int = 0,
                 plugins: InstalledPlugins | None = None):
        self.plugins = plugins or installed_plugins()
        self.seed = int(seed)
        self._worlds = _instantiate(self, self.plugins)
        self._account_worlds: dict[str, AccountWorld] = {
            w.name: w for w in self._worlds if isinstance(w, AccountWorld)}
        self.platforms: tuple[str, ...] = tuple(self._account_worlds)
        self._listing_worlds: list[ListingWorld] = [w for w in self._worlds if isinstance(w, ListingWorld)]
        self.stores: tuple[str, ...] = tuple(s for w in self._listing_worlds for s in w.stores)
        self._site_worlds: list[SiteWorld] = [w for w in self._worlds if isinstance(w, SiteWorld)]
        self.size_name, params = _size_params(size, len(self.platforms))
        self.n_units: int = params["units"]
        self.posts_per_account: int = params["posts_per_account"]
        self.units_per_region: int = params.get("units_per_region", 4)
        if now is None:
            now = datetime(2026, 11, 20, 12, 0, tzinfo=CST)
        elif isinstance(now, str):
            now = datetime.fromisoformat(now)
        if now.tzinfo is None:
            now = now.replace(tzinfo=CST)
        self.now: datetime = now.astimezone(CST)
        self.generation = int(generation)
        #: where the sandbox serves this world (page URLs of the ground truth are below it)
        self.base_url = "http://127.0.0.1"
        self.cases = planted.collect(self.plugins)
        self.units: list[WUnit] = self._build_units()
        self._accounts: list[WAccount] = []
        self._by_id: dict[tuple[str, str], WAccount] = {}
        self._by_uid: dict[tuple[str, str], WAccount] = {}
        self._build_accounts()
        self._post_cache = functools.lru_cache(maxsize=2048)(self._build_post)
        self._comments_cache = functools.lru_cache(maxsize=256)(self._build_comments)
        self._apps: dict[str, list[WApp]] | None = None
        self._pages: dict[str, WPage] | None = None
        self._page_site: dict[str, SiteWorld] = {}

    def __repr__(self) -> str:
        return (f"World(seed={self.seed}, size={self.size_name!r}, units={len(self.units)}, "
                f"accounts={len(self._accounts)}, now={self.now.isoformat()}, generation={self.generation})")

    # ------------------------------------------------------------------ platforms
    def platform_world(self, platform: str) -> PlatformWorld | None:
        """The sandbox world of a platform (an account platform, a store or the sites)."""
        for w in self._worlds:
            if w.name == platform or platform in getattr(w, "stores", ()):
                return w
        return None

    @property
    def sandbox_worlds(self) -> list[PlatformWorld]:
        """Every platform's sandbox world, in layout order."""
        return list(self._worlds)

    @property
    def listing_worlds(self) -> list[ListingWorld]:
        """The sandbox worlds of app stores, in layout order."""
        return list(self._listing_worlds)

    @property
    def site_worlds(self) -> list[SiteWorld]:
        """The sandbox worlds of websites, in layout order."""
        return list(self._site_worlds)

    def labels(self) -> dict[str, str]:
        """Platform (and store) name -> its name for people: the platforms' own
        :attr:`govspider.platform.Platform.label`, as the report shows them."""
        names = {w.name for w in self._worlds if w.name}
        names |= {s for w in self._worlds for s in getattr(w, "stores", ())}
        platforms = self.plugins.platforms
        return {n: (platforms[n].label or n) if n in platforms else n for n in sorted(names)}

    # ------------------------------------------------------------------ units & accounts
    def _build_units(self) -> list[WUnit]:
        units: list[WUnit] = []
        per = self.units_per_region
        r_index = 0
        while len(units) < self.n_units:
            reg: Region = region(r_index, self.seed % 7)
            for j, duty in enumerate(duties_for(reg, per, rotate=r_index + self.seed)):
                if len(units) >= self.n_units:
                    break
                units.append(WUnit(
                    index=len(units), code=f"{reg.code}{j + 1:02d}", name=unit_name(reg, duty),
                    region=reg.code, region_name=reg.name, level=reg.level, duty=duty,
                    short=reg.short, province=reg.province, slug=reg.slug, parent=reg.parent))
            r_index += 1
        return units

    def _build_accounts(self) -> None:
        plan = planted.assign(self)
        for unit in self.units:
            for platform in self.platforms:
                self._add_account(unit, platform, plan.traits.get((unit.index, platform)))
        for unit_index, platform, case in plan.extra_accounts:
            self._add_account(self.units[unit_index], platform, case)

    def _add_account(self, unit: WUnit, platform: str, case: Planted | None) -> WAccount:
        pw = self._account_worlds[platform]
        traits = frozenset({case.case}) if case is not None else frozenset()
        index = len(self._accounts)
        r = rng_for(self.seed, "account", index)
        duty = DUTIES[unit.duty]
        name = duty.account.format(r=unit.short)
        if case is not None and case.second_account:
            name = unit.short + rng_for(self.seed, "dupname", index).choice(("政务", "在线", "微发布", "之窗"))
        # ids (unique within the world: retry on a collision)
        while True:
            pid, uid = pw.new_ids(r)
            if (platform, pid) not in self._by_id:
                break
        verified = case is None or case.certified
        level_scale = {"province": 8.0, "city": 1.0, "county": 0.12}[unit.level]
        base_followers = int(level_scale * r.lognormvariate(math.log(60_000), 0.9)) + 300
        if pw.follower_spread:
            base_followers = int(base_followers * r.uniform(*pw.follower_spread))
        n_posts = max(6, int(self.posts_per_account * r.uniform(0.7, 1.3)))
        rate = r.uniform(*pw.post_rate)
        gap = timedelta(days=r.uniform(0.05, 2.5))
        if case is not None and case.silence:
            gap = timedelta(days=r.uniform(*case.silence))
            if case.cadence:
                rate = r.uniform(*case.cadence)
        last = (self.now - gap).replace(microsecond=0)
        first = (last - timedelta(days=n_posts / rate)).replace(microsecond=0)
        created = (first - timedelta(days=r.uniform(30, 1500))).replace(microsecond=0)
        extra = pw.account_fields(unit, index, uid)
        avatar = pw.avatar_url(index)
        engagement = max(1.0, base_followers * r.uniform(0.0006, 0.003))
        followers = base_followers
        if case is not None and case.follower_jump:
            followers = int(base_followers * r.uniform(*case.follower_jump))
        has_pinned = pw.pinned_rate > 0 and r.random() < pw.pinned_rate
        acc = WAccount(
            index=index, platform=platform, platform_id=pid, uid=uid,
            unique_id=extra.get("unique_id", uid),
            name=name, unit=unit, verified=verified,
            verified_type=pw.verified_types[0 if verified else 1],
            verified_reason=(unit.name + pw.verified_suffix) if verified else "",
            description=r.choice((f"{unit.name}官方{pw.account_noun}",
                                  f"发布{unit.region_name}{duty.organ[unit.level]}权威信息，服务群众。",
                                  f"欢迎关注{name}！政策发布、办事指南、便民服务。")),
            avatar_url=avatar, followers=followers, following=r.randint(20, 600),
            post_count=n_posts + (1 if has_pinned else 0),
            total_likes=int(engagement * n_posts * r.uniform(0.8, 1.2)),
            ip_region=unit.province, traits=traits, alias=extra.get("alias"), gh_id=extra.get("gh_id"),
            created_at=created, n_posts=n_posts, period_start=first, period_end=last, has_pinned=has_pinned,
            engagement=engagement, base_followers=base_followers, numeric_id=extra.get("numeric_id", 0),
            home=pw, case=case)
        if self.generation >= 1 and pw.grows and gap < timedelta(days=3) \
                and not (case is not None and case.keeps_positions):  # planted posts keep their positions
            # one generation later: an active account has published a few more posts
            added = rng_for(self.seed, "gen-new", index).choice((0, 1, 1, 2, 3))
            if added:
                acc.base_posts, acc.n_posts = n_posts, n_posts + added
                acc.post_count += added
        self._accounts.append(acc)
        self._by_id[(platform, pid)] = acc
        self._by_uid[(platform, uid)] = acc
        return acc

    def accounts(self, platform: str | None = None) -> list[WAccount]:
        """All accounts, or those of one platform, in a stable order."""
        if platform is None:
            return list(self._accounts)
        return [a for a in self._accounts if a.platform == platform]

    def account(self, platform: str, platform_id: str) -> WAccount | None:
        """The account with this id (the platform's ``platform_id``), or None.

        Platforms whose world says ``lookup_by_uid`` also accept the numeric ``uid``.
        """
        acc = self._by_id.get((platform, str(platform_id)))
        pw = self._account_worlds.get(platform)
        if acc is None and pw is not None and pw.lookup_by_uid:
            acc = self._by_uid.get((platform, str(platform_id)))
        return acc

    def account_by_index(self, index: int) -> WAccount | None:
        return self._accounts[index] if 0 <= index < len(self._accounts) else None

    def units_of_account(self, account: WAccount) -> WUnit:
        return account.unit

    # ------------------------------------------------------------------ time model
    def _time_at(self, account: WAccount, frac: float) -> datetime:
        """Map ``frac`` in [0, 1] over the account's active period, within 07:00-22:00."""
        first, last = account.period_start, account.period_end
        assert first is not None and last is not None
        span = (last - first).total_seconds()
        t = first + timedelta(seconds=span * frac)
        day = t.replace(hour=0, minute=0, second=0, microsecond=0)
        day_frac = (t - day).total_seconds() / 86400
        t = day + timedelta(seconds=int(3600 * (7 + 15 * day_frac)))
        return min(t, self.now - timedelta(minutes=5)).replace(microsecond=0)

    time_at = _time_at

    # ------------------------------------------------------------------ posts
    def post_count(self, account: WAccount) -> int:
        """The length of the ``posts()`` sequence (pinned posts are not in it)."""
        return account.n_posts

    def shown_post_count(self, account: WAccount) -> int:
        """The post count the platform displays (``statuses_count``): ``account.post_count``,
        less the posts deleted since generation 0 (they count no more on the platform)."""
        if self.generation < 1:
            return account.post_count
        return account.post_count - sum(1 for p in self.posts(account, 0, 60) if p.deleted_since)

    def posts(self, account: WAccount, start: int = 0, count: int = 20) -> list[WPost]:
        """Posts newest first by index (0 = newest non-pinned)."""
        n = account.n_posts
        stop = min(n, max(0, start) + max(0, count))
        return [self._post_cache(account.index, "post", n - 1 - i) for i in range(max(0, start), stop)]

    def post_at(self, account: WAccount, index: int) -> WPost | None:
        if 0 <= index < account.n_posts:
            return self._post_cache(account.index, "post", account.n_posts - 1 - index)
        return None

    def last_post_time(self, account: WAccount) -> datetime | None:
        """Publication time of the newest non-pinned post."""
        newest = self.post_at(account, 0)
        return newest.created_at if newest else None

    def pinned(self, account: WAccount) -> list[WPost]:
        """The account's pinned posts (0 or 1, older than most of page 1)."""
        if not account.has_pinned:
            return []
        return [self._post_cache(account.index, "pinned", 0)]

    def post(self, platform: str, post_id: str) -> WPost | None:
        """Decode a post id of ``platform`` (whatever forms its sandbox world accepts)."""
        pw = self._account_worlds.get(platform)
        if pw is None:
            return None
        try:
            return pw.decode_post(str(post_id))
        except (ValueError, IndexError):
            return None

    def post_by_ordinal(self, acc_index: int, kind: str, k: int,
                        platform: AccountWorld | None = None) -> WPost | None:
        """The ``k``-th post (0 = oldest) of ``kind`` (``post``, ``pinned``, or ``original``:
        the original the ``k``-th post reposts) of the account at ``acc_index``; None when there
        is no such post (or the account is not of ``platform``)."""
        acc = self.account_by_index(acc_index)
        if acc is None or (platform is not None and acc.home is not platform):
            return None
        if kind == "post" and not 0 <= k < acc.n_posts:
            return None
        if kind == "pinned" and (k != 0 or not acc.has_pinned):
            return None
        if kind == "original":
            reposter = self._post_cache(acc_index, "post", k) if 0 <= k < acc.n_posts else None
            return reposter.repost_of if reposter else None
        if kind not in ("post", "pinned"):
            return None
        return self._post_cache(acc_index, kind, k)

    def _build_post(self, acc_index: int, kind: str, k: int) -> WPost:
        acc = self._accounts[acc_index]
        return PostDraft(self, acc, kind, k).build()

    # ------------------------------------------------------------------ comments
    def comment_count(self, post: WPost) -> int:
        """Top-level comments under ``post``."""
        return len(self._comments_cache(post.platform, post.post_id))

    def comments(self, post: WPost, start: int = 0, count: int = 20) -> list[WComment]:
        """Top-level comments, oldest first, each with its ``replies``."""
        allc = self._comments_cache(post.platform, post.post_id)
        return list(allc[max(0, start):max(0, start) + max(0, count)])

    def comment(self, platform: str, comment_id: str) -> WComment | None:
        """Decode a comment id back to the comment (or reply)."""
        pw = self._account_worlds.get(platform)
        if pw is None:
            return None
        try:
            decoded = pw.decode_comment(str(comment_id))
        except ValueError:
            return None
        if decoded is None:
            return None
        acc_i, slot, j, rr = decoded
        acc = self.account_by_index(acc_i)
        if acc is None or acc.platform != platform:
            return None
        if slot == pw.pin_slot:
            if not acc.has_pinned:
                return None
            post = self._post_cache(acc_i, "pinned", 0)
        elif slot < acc.n_posts:
            post = self._post_cache(acc_i, "post", slot)
        else:
            return None
        allc = self._comments_cache(post.platform, post.post_id)
        if j >= len(allc):
            return None
        top = allc[j]
        if rr == 0:
            return top
        return top.replies[rr - 1] if rr <= len(top.replies) else None

    def _build_comments(self, platform: str, post_id: str) -> tuple[WComment, ...]:
        post = self.post(platform, post_id)
        if post is None:
            return ()
        return tuple(_build_comments(self, post))

    # ------------------------------------------------------------------ follower series
    def follower_series(self, account: WAccount) -> list[tuple[date, int]]:
        """Daily followers from the first post (at most a year back) to ``now``."""
        return _follower_series(self, account)

    # ------------------------------------------------------------------ apps, pages
    def _ensure_apps(self) -> dict[str, list[WApp]]:
        if self._apps is None:
            apps: dict[str, list[WApp]] = {}
            self._store_world: dict[str, ListingWorld] = {}
            for lw in self._listing_worlds:
                built = lw.build()
                for store in lw.stores:
                    apps[store] = list(built.get(store, []))
                    self._store_world[store] = lw
            self._apps = apps
            self._app_index: dict[tuple[str, str], WApp] = {}
            for store, listing in self._apps.items():
                for a in listing:
                    for key in (a.numeric_id, a.package, a.app_id):  # app_id wins on a clash
                        if key:
                            self._app_index[(store, key)] = a
        return self._apps

    def apps(self, store: str) -> list[WApp]:
        return list(self._ensure_apps().get(store, []))

    def app(self, store: str, app_id: str) -> WApp | None:
        """A listing by its store id (also by package or numeric id), or None."""
        self._ensure_apps()
        return self._app_index.get((store, str(app_id)))

    def search_apps(self, store: str, term: str) -> list[WApp]:
        apps = self._ensure_apps().get(store, [])
        lw = self._store_world.get(store)
        return lw.search(store, apps, term) if lw is not None else []

    def icon_png(self, store: str, app_id: str) -> bytes | None:
        app = self.app(store, app_id)
        if app is None:
            return None
        return icons.icon_png(self.seed, app.icon_key, app.icon_variant)

    def _ensure_pages(self) -> dict[str, WPage]:
        if self._pages is None:
            pages: dict[str, WPage] = {}
            for sw in self._site_worlds:
                for p in sw.build():
                    pages[p.path] = p
                    self._page_site[p.path] = sw
            self._pages = pages
        return self._pages

    def pages(self) -> list[WPage]:
        return list(self._ensure_pages().values())

    def page(self, path: str) -> WPage | None:
        return self._ensure_pages().get(path)

    def site_world_of(self, page: WPage) -> SiteWorld | None:
        self._ensure_pages()
        return self._page_site.get(page.path)

    # ------------------------------------------------------------------ registry, truth
    def registry(self, base_url: str | None = None) -> dict[str, Any]:
        """The world's registry as ``govspider accounts import`` reads it (YAML-able dict);
        websites are relative unless the sandbox's ``base_url`` is given."""
        return planted.registry(self, base_url)

    def ground_truth(self, base_url: str | None = None) -> list[dict[str, Any]]:
        """Planted cases (``label: true``) and hard negatives (``label: false``) for a sandbox
        served at ``base_url`` (default: :attr:`base_url`)."""
        return planted.ground_truth(self, base_url or self.base_url)


# ---------------------------------------------------------------------------- helpers
def sandbox_world_classes(registry: InstalledPlugins) -> list[type[PlatformWorld]]:
    """The sandbox world classes of every plugin, in layout order (a broken plugin is logged
    and skipped)."""
    classes: list[type[PlatformWorld]] = []
    for impl in registry.pm.hook.govspider_sandbox_worlds.get_hookimpls():
        try:
            classes.extend(impl.function() or [])
        except Exception as exc:  # one broken plugin must not take the sandbox down
            logger.error("sandbox worlds of plugin %r failed: %s: %s", impl.plugin_name,
                         exc.__class__.__name__, exc)
    names: set[str] = set()
    for cls in classes:
        for name in (cls.name, *getattr(cls, "stores", ())):
            if name and name in names:
                raise ValueError(f"two sandbox worlds claim the platform name {name!r}")
            names.add(name)
    return sorted(classes, key=lambda c: (c.order, c.name))


def _instantiate(world: World, registry: InstalledPlugins) -> list[PlatformWorld]:
    return [cls(world) for cls in sandbox_world_classes(registry)]


def _size_params(size: str | dict[str, Any], n_platforms: int) -> tuple[str, dict[str, int]]:
    per_unit = max(1, n_platforms)
    if isinstance(size, dict):
        params = dict(SIZES["small"])
        if "accounts" in size and "units" not in size:
            params["units"] = max(1, math.ceil(int(size["accounts"]) / per_unit))
        params.update({k: int(v) for k, v in size.items() if k in params})
        return "custom", params
    if size in SIZES:
        return size, dict(SIZES[size])
    if isinstance(size, str) and "x" in size:
        n_acc, _, n_posts = size.partition("x")
        try:
            accounts, posts = int(n_acc), int(n_posts)
        except ValueError:
            raise ValueError(f"size {size!r}: expected small|medium|large|ACCOUNTSxPOSTS") from None
        return size, {"units": max(1, math.ceil(accounts / per_unit)),
                      "posts_per_account": max(1, posts), "units_per_region": 4}
    raise ValueError(f"size {size!r}: expected small|medium|large|ACCOUNTSxPOSTS")


def scene_of(acc: WAccount, ctx: dict[str, str]) -> Scene:
    """The :class:`~govspider.sandbox.cases.Scene` of planted content of ``acc``."""
    return Scene(short=ctx["r"], full=ctx["full"], org=ctx["org"], region=acc.unit.region,
                 year=ctx["year"], date=ctx["date"], account=acc.name)


class PostDraft:
    """Builds one post from its indices (all randomness from a per-post RNG).

    ``w`` (the world), ``acc``, ``kind``, ``k`` (the ordinal) and ``r`` (the post's RNG) are
    what a platform's ``compose``/``repost`` hooks use.
    """

    def __init__(self, world: World, acc: WAccount, kind: str, k: int):
        self.w, self.acc, self.kind, self.k = world, acc, kind, k
        self.r = rng_for(world.seed, "post", acc.index, kind, k)

    def build(self) -> WPost:
        w, acc, r, k = self.w, self.acc, self.r, self.k
        pw = acc.home
        assert pw is not None
        case = acc.case
        n = acc.n_posts
        n0 = acc.base_posts or n  # generation 0's posts; ordinals from n0 on are new ones
        unit = acc.unit
        index = n - 1 - k if self.kind == "post" else -1
        index0 = n0 - 1 - k if self.kind == "post" else -1  # position in generation 0
        fields: dict[str, Any] = {}
        # --- time
        if self.kind == "pinned":
            created = w._time_at(acc, r.uniform(0.2, 0.6))
        elif (slot := pw.schedule(acc, k)) is not None:
            created, fields = slot
        elif k >= n0:  # a post published after generation 0: between its newest post and now
            r.random()
            last = w._time_at(acc, 1.0)
            step = (w.now - timedelta(minutes=10) - last) / (n - n0 + 1)
            created = (last + step * (k - n0 + 1)).replace(microsecond=0)
        else:
            jitter = r.random()
            created = w._time_at(acc, 1.0 if k == n0 - 1 else (k + 0.15 + 0.7 * jitter) / n0)
        plant = case.post_at(self.kind, index) if case is not None else None
        in_burst = case is not None and case.in_burst(index)
        if in_burst:
            created = (w.now - timedelta(hours=2 + index * 5 + r.uniform(0, 3))).replace(microsecond=0)
        ctx = {"r": unit.short, "full": unit.region_name, "org": unit.name, "year": str(created.year),
               "date": f"{created.month}月{created.day}日"}
        # --- content
        title = None
        is_long = False
        repost_of = None
        if plant is not None:
            planted_title, body = plant.write(r, scene_of(acc, ctx))
            title = planted_title if pw.titled else None
            segments = [Segment("text", body)]
        elif case is not None and case.digression is not None and r.random() < case.digression.share:
            segments = [Segment("text", r.choice(case.digression.texts))]
            if r.random() < case.digression.emoji_rate:
                segments.append(Segment("emoji", r.choice(text.EMOJI)))
            if pw.titled:
                title = segments[0].value[:18].rstrip("，。！")
        else:
            title, segments, is_long = pw.compose(self, ctx)
            if pw.repost_rate > 0 and self.kind == "post" and r.random() < pw.repost_rate:
                repost_of, segments = pw.repost(self, ctx)
                is_long = False
        text_plain = pw.render_text(segments)
        if pw.long_text_limit is not None:
            is_long = len(text_plain) > pw.long_text_limit
        # --- generation edits / deletions
        deleted, reason, edited, original_text, since = False, None, None, None, False
        gr = rng_for(w.seed, "gen", acc.index, self.kind, k)
        roll = gr.random()
        if pw.deletion_rate > 0 and self.kind == "post" and plant is None and roll < pw.deletion_rate:
            deleted = True
            reason = gr.choice(pw.deletion_reasons)
        elif w.generation >= 1 and self.kind == "post" and 0 <= index0 < 40 and plant is None:
            if roll < 0.06:
                original_text = text_plain
                segments = segments + [Segment("text", "（更正：" + gr.choice(
                    ("时间以最新通知为准", "活动地点调整", "咨询电话已更新", "部分表述已修改")) + "）")]
                text_plain = pw.render_text(segments)
                edited = text_plain
            elif roll < 0.10:
                deleted, since = True, True
                reason = pw.deletion_notice
        # --- media
        media = pw.media(r, stable_hex(w.seed, "media", acc.index, self.kind, k, n=24))
        # --- counts
        base = acc.engagement * r.lognormvariate(0, 0.8)
        if case is not None and case.viral and abs((created - planted.jump_date(w, acc)).days) <= 1:
            base *= 60
        if in_burst:
            assert case is not None and case.burst is not None
            base *= case.burst.engagement
        likes = int(base)
        reposts = int(base * r.uniform(0.05, 0.4))
        views, favorites = pw.counts(r, base, likes)
        post = WPost(
            platform=acc.platform, post_id="", account=acc, index=index, created_at=created,
            title=title, segments=segments, text=text_plain, is_long=is_long,
            pinned=self.kind == "pinned", repost_of=repost_of, media=media, likes=likes,
            comments_count=0, reposts=reposts, views=views, favorites=favorites,
            source=r.choice(pw.sources) if pw.sources else "", ip_region=unit.province,
            deleted=deleted, deleted_reason=reason, deleted_since=since, edited_text=edited,
            original_text=original_text, ordinal=k, kind=self.kind,
            planted=(plant.name,) if plant is not None else (), **fields)
        pw.finish_post(post, r)
        if post.is_video:
            post.video_ms = r.randint(8_000, 240_000)
        post.comments_count = _comment_total(w, post)
        return post


def _comment_total(world: World, post: WPost) -> int:
    """How many top-level comments a post has (cheap: no comment is generated)."""
    if post.kind == "original" or post.deleted:
        return 0
    acc = post.account
    pw = acc.home
    assert pw is not None
    case = acc.case
    r = rng_for(world.seed, "comments", acc.index, post.kind, post.ordinal)
    if pw.uncommented_rate > 0 and r.random() < pw.uncommented_rate:
        n = 0
    else:
        n = int(min(MAX_COMMENTS, post.likes * r.uniform(0.01, 0.08)))
    if case is not None and case.unanswered:
        n = max(n, 6)
    if _thread_post(acc, post):
        assert case is not None and case.thread is not None
        n = max(n, case.thread.min_comments)
    if world.generation >= 1 and pw.grows and (
            post.kind == "pinned" or post.ordinal < (acc.base_posts or acc.n_posts)):
        n += _new_comments(world, post)
    return n


def _thread_post(acc: WAccount, post: WPost) -> bool:
    """Whether ``post`` carries the account's planted thread."""
    case = acc.case
    return (case is not None and case.thread is not None and post.kind == "post"
            and post.index == case.thread.index)


def _new_comments(world: World, post: WPost) -> int:
    """Comments a generation-0 post received since: likely while it is young."""
    age = (world.now - post.created_at).total_seconds() / 86400
    r = rng_for(world.seed, "gen-comments", post.account.index, post.kind, post.ordinal)
    if age < 0 or r.random() >= 0.8 * math.exp(-age / 3):
        return 0
    return r.randint(1, 4)


def _build_comments(world: World, post: WPost) -> list[WComment]:
    acc = post.account
    pw = acc.home
    assert pw is not None
    n = post.comments_count
    no_reply = acc.case is not None and acc.case.unanswered
    thread = acc.case.thread if acc.case is not None and _thread_post(acc, post) else None
    ctx = {"r": acc.unit.short, "full": acc.unit.region_name, "org": acc.unit.name,
           "year": str(post.created_at.year), "date": f"{post.created_at.month}月{post.created_at.day}日"}
    horizon = world.now - timedelta(minutes=1)
    out: list[WComment] = []
    for j in range(n):
        cr = rng_for(world.seed, "comment", acc.index, post.kind, post.ordinal, j)
        created = post.created_at + timedelta(seconds=int(60 * (cr.expovariate(1 / 600) + 1)))
        if created > horizon:
            created = max(horizon - timedelta(minutes=n - j), post.created_at + timedelta(seconds=10 + j))
        body, question = text.public_comment(cr, ctx, question_rate=0.6 if no_reply else 0.3)
        author = str(cr.randint(1_000_000_000, 7_999_999_999))
        c = WComment(
            comment_id=pw.comment_id(post, j, 0), post=post, author_id=author,
            author_name=text.nickname(cr), text=body, created_at=created,
            likes=int(cr.expovariate(1 / 3)), is_official=False,
            ip_region=cr.choice(("东川", "南岭", acc.unit.province, acc.unit.province, "西江", "北原")),
            is_question=question, author_sec_uid=pw.author_key(author))
        replies: list[tuple[str, bool]] = []
        plant = thread if j == 0 else None
        if plant is not None:
            c.text, c.is_question, replies = plant.write(cr, scene_of(acc, ctx))
            c.planted = (plant.name,)
        elif not no_reply and (question and cr.random() < 0.8 or (not question and "管" in body and cr.random() < 0.5)):
            replies = [(text.official_reply(cr), True)]
        if not no_reply and plant is None and cr.random() < 0.1:
            replies.append((text.user_reply(cr), False))
        t = created
        for rr, (reply_text, official) in enumerate(replies, start=1):
            t = t + timedelta(seconds=int(60 * cr.uniform(20, 2000)))
            if t > horizon and plant is not None:  # a planted reply must exist: squeeze it in before now
                t = max(created + timedelta(seconds=30 * rr), horizon - timedelta(seconds=30 * (3 - min(rr, 2))))
            elif t > horizon:
                break
            if official:
                rid, rname, rsec = acc.uid, acc.name, pw.official_author_key(acc)
            else:
                rid = str(cr.randint(1_000_000_000, 7_999_999_999))
                rname, rsec = text.nickname(cr), pw.author_key(rid)
            c.replies.append(WComment(
                comment_id=pw.comment_id(post, j, rr), post=post, author_id=rid,
                author_name=rname, text=reply_text, created_at=t, likes=int(cr.expovariate(1 / 2)),
                is_official=official, ip_region=acc.ip_region if official else cr.choice(("东川", "南岭")),
                reply_to=c, author_sec_uid=rsec,
                planted=c.planted if official and plant is not None else ()))
        out.append(c)
    return out


def _follower_series(world: World, acc: WAccount) -> list[tuple[date, int]]:
    r = rng_for(world.seed, "followers", acc.index)
    end = world.now.date()
    assert acc.period_start is not None
    start = max(acc.period_start.date(), end - timedelta(days=365))
    days = (end - start).days + 1
    jumps = acc.case is not None and acc.case.follower_jump is not None
    jump_day = planted.jump_date(world, acc).date() if jumps else None
    final = acc.base_followers if jump_day is not None else acc.followers
    f0 = final * r.uniform(0.55, 0.85)
    out: list[tuple[date, int]] = []
    jumped = 0.0
    for d in range(days):
        day = start + timedelta(days=d)
        frac = d / max(1, days - 1)
        value = f0 + (final - f0) * frac + r.gauss(0, final * 0.001)
        if jump_day is not None and day >= jump_day:
            jumped = acc.followers - final
        out.append((day, max(0, int(value + jumped))))
    if out:
        out[-1] = (out[-1][0], acc.followers)
    return out
