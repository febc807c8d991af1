"""App listings in the sandbox world: official government apps, lookalikes and unrelated apps.

Lookalikes imitate an official app with the techniques supervisors meet: a suffix or prefix
("-查询助手", "掌上…"), the name in traditional characters, a homophone character, a copied
icon. They come from invented ``…科技有限公司`` developers with other packages. Unrelated apps
share a word (the place name) but imitate nothing: hard negatives for the counterfeit checks.
The four stores are built in one pass (:class:`AppStoresWorld`).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import opencc

from govspider.sandbox.entities import WApp, WUnit
from govspider.sandbox.platforms import ListingWorld
from govspider.sandbox.seeded import rng_for, stable_hex
from govspider.sandbox.units import DUTIES

if TYPE_CHECKING:
    from govspider.sandbox.world import World

STORES = ("itunes", "myapp", "huawei", "xiaomi")
#: a character -> homophones (same toneless pinyin)
HOMOPHONES = {
    "通": "同桶", "政": "正证", "务": "物雾", "警": "井景", "民": "敏", "健": "建剑", "康": "慷",
    "码": "马玛", "游": "油悠", "办": "半伴", "江": "疆姜", "安": "岸", "平": "苹", "临": "林淋",
    "云": "芸", "青": "清轻", "宁": "凝", "泰": "太", "丰": "峰风", "嘉": "佳家", "兴": "星",
    "和": "合", "永": "勇", "长": "常", "清": "青", "明": "名", "华": "化", "溪": "希", "阳": "洋",
    "川": "穿", "州": "洲舟", "水": "税", "山": "衫", "城": "成", "湖": "壶", "交": "教", "东": "冬",
}
_COMPANY_A = ("鑫", "汇", "创", "智", "联", "达", "盛", "优", "易", "捷", "瑞", "恒")
_COMPANY_B = ("软件", "网络科技", "信息技术", "科技", "互联网科技")
_UNRELATED = ("{r}天气", "{r}生活圈", "{r}同城", "{r}美食攻略", "{r}二手房")


@functools.lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def traditional(name: str) -> str:
    return _s2t().convert(name)


def homophone(name: str, pick: int) -> str | None:
    spots = [i for i, ch in enumerate(name) if ch in HOMOPHONES]
    if not spots:
        return None
    i = spots[pick % len(spots)]
    alts = HOMOPHONES[name[i]]
    return name[:i] + alts[pick % len(alts)] + name[i + 1:]


def build_apps(world: World) -> dict[str, list[WApp]]:
    """Every store's listings (small: all official apps plus lookalikes, materialised once)."""
    out: dict[str, list[WApp]] = {s: [] for s in STORES}
    official: list[tuple[WUnit, str, int]] = []
    for unit in world.units:
        duty = DUTIES[unit.duty]
        if not duty.app:
            continue
        r = rng_for(world.seed, "appunit", unit.index)
        if unit.duty == "government" or r.random() < 0.45:
            official.append((unit, duty.app[r.randrange(len(duty.app))].format(r=unit.short), len(official)))
    techniques = ("traditional", "homophone", "suffix", "copied_icon", "prefix")
    taken: set[str] = set()

    def unique(package: str, unit: WUnit) -> str:
        """Packages are ids (myapp, xiaomi): two places may share a pinyin, so disambiguate."""
        candidate, n = package, 0
        while candidate in taken:
            n += 1
            candidate = f"{package}{unit.region[-4:]}" + (str(n) if n > 1 else "")
        taken.add(candidate)
        return candidate

    for unit, name, i in official:
        r = rng_for(world.seed, "app", unit.index)
        dev = DUTIES[unit.duty].developer.format(full=unit.region_name)
        package = unique(f"cn.gov.{unit.slug}.{unit.duty[:4]}", unit)
        key = f"official:{unit.index}"
        base = _make_base(world, r, unit, name, dev, package, key, "official", None, None)
        for store in STORES:
            if store == "huawei" and r.random() < 0.15:
                continue
            out[store].append(_listing(world, store, base, unit.index * 10))
        # lookalikes: the first apps get one technique each, then about half of the rest
        if i < len(techniques):
            chosen = [techniques[i]]
        elif r.random() < 0.5:
            chosen = [techniques[r.randrange(len(techniques))]]
        else:
            chosen = []
        for t_i, technique in enumerate(chosen):
            fake_name = _fake_name(technique, name, r)
            if fake_name is None:
                fake_name, technique = name + "-查询助手", "suffix"
            company = unit.short + r.choice(_COMPANY_A) + r.choice(_COMPANY_A) + r.choice(_COMPANY_B) + "有限公司"
            fpkg = unique(f"com.{r.choice(('xinhui', 'chuangzhi', 'yida', 'ruijie', 'hengsheng'))}{r.randint(10, 99)}.{unit.slug}", unit)
            icon_key, variant = (key, 1) if technique == "copied_icon" else (f"fake:{unit.index}:{t_i}", 0)
            fake = _make_base(world, r, unit, fake_name, company, fpkg, icon_key, "lookalike", name, technique,
                              variant=variant)
            stores = [s for s in STORES if r.random() < 0.6] or ["myapp"]
            for store in stores:
                out[store].append(_listing(world, store, fake, unit.index * 10 + 1 + t_i))
        # an unrelated app that shares the place name
        if r.random() < 0.5 or i == 0:
            uname = r.choice(_UNRELATED).format(r=unit.short)
            company = r.choice(("星河", "蓝海", "远景")) + r.choice(_COMPANY_B) + "有限公司"
            other = _make_base(world, r, unit, uname, company, unique(f"com.{unit.slug}.life{r.randint(1, 9)}", unit),
                               f"other:{unit.index}", "unrelated", None, None)
            for store in ("itunes", "myapp", "xiaomi"):
                out[store].append(_listing(world, store, other, unit.index * 10 + 9))
    return out


def _fake_name(technique: str, name: str, r) -> str | None:  # noqa: ANN001
    if technique == "traditional":
        t = traditional(name)
        return t if t != name else None
    if technique == "homophone":
        return homophone(name, r.randrange(10))
    if technique == "suffix":
        return name + r.choice(("-查询助手", "-办事指南", "助手", "Pro"))
    if technique == "prefix":
        return r.choice(("掌上", "智慧", "新版")) + name
    if technique == "copied_icon":
        return name + r.choice(("官方版", "极速版", "(最新)"))
    return None


def _make_base(world: World, r, unit: WUnit, name: str, developer: str, package: str, icon_key: str,  # noqa: ANN001
               kind: str, imitates: str | None, technique: str | None, variant: int = 0) -> dict:
    released = world.now - timedelta(days=r.randint(200, 2500))
    updated = world.now - timedelta(days=r.randint(3, 180))
    official = kind == "official"
    if official:
        desc = (f"{name}是{developer}推出的官方政务服务应用，提供政务服务事项查询、在线办理、"
                f"办件进度查询、政策解读等服务。")
    elif kind == "lookalike":
        desc = f"{name}，一站式便民查询工具，社保、公积金、违章查询，随时随地轻松办。本应用非政府官方应用。" if r.random() < 0.3 \
            else f"{name}：便民生活服务平台，办事指南、生活缴费、本地资讯一手掌握。"
    else:
        desc = f"{name}：本地生活资讯与服务。"
    return {
        "name": name, "developer": developer, "package": package, "icon_key": icon_key, "variant": variant,
        "kind": kind, "imitates": imitates, "technique": technique, "unit": unit,
        "released": released.replace(microsecond=0), "updated": updated.replace(microsecond=0),
        "version": f"{r.randint(1, 6)}.{r.randint(0, 9)}.{r.randint(0, 20)}",
        "rating": round(r.uniform(2.5, 4.9), 5), "rating_count": r.randint(5, 80_000),
        "downloads": (r.randint(50, 3000) * 10_000) if official else r.randint(1, 500) * 1000,
        "category": DUTIES[unit.duty].category if official else r.choice(("工具", "生活", "政务")),
        "description": desc, "size": r.randint(15, 180) * 1_048_576,
        "developer_id": str(1_000_000_000 + int(r.random() * 10**9)),
    }


def _listing(world: World, store: str, b: dict, serial: int) -> WApp:
    h = int(stable_hex(world.seed, "appid", store, b["package"], n=12), 16)
    numeric = ""
    if store == "itunes":
        app_id = str(1_400_000_000 + h % 500_000_000)
    elif store == "huawei":
        app_id = f"C{100_000_000 + h % 900_000_000}"
    else:
        app_id = b["package"]
        numeric = str(50_000_000 + h % 9_000_000) if store == "myapp" else str(1_000_000 + h % 8_000_000)
    return WApp(
        store=store, app_id=app_id, numeric_id=numeric, package=b["package"], name=b["name"],
        developer=b["developer"], developer_id=b["developer_id"], version=b["version"],
        updated_at=b["updated"], released_at=b["released"],
        rating=None if store == "xiaomi" and b["rating_count"] < 10 else b["rating"],
        rating_count=b["rating_count"], downloads=None if store in ("itunes", "xiaomi") else b["downloads"],
        category=b["category"], description=b["description"], icon_url=f"/icons/{store}/{app_id}.png",
        official=b["kind"] == "official", imitates=b["imitates"], unit=b["unit"], icon_key=b["icon_key"],
        icon_variant=b["variant"], kind=b["kind"], technique=b["technique"], size_bytes=b["size"])


def _norm(s: str) -> str:
    return traditional_to_simple(s).lower()


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def traditional_to_simple(s: str) -> str:
    return _t2s().convert(s)


def search(apps: list[WApp], term: str) -> list[WApp]:
    """Store search: names containing the term first, then names sharing characters with it."""
    term = (term or "").strip()
    if not term:
        return []
    t = _norm(term)
    exact, partial = [], []
    for app in apps:
        n = _norm(app.name)
        if t in n or n in t:
            exact.append(app)
        else:
            shared = len(set(t) & set(n))
            if shared >= max(2, len(set(t)) - 1):
                partial.append((shared, app))
    exact.sort(key=lambda a: (not a.official, len(a.name)))
    partial.sort(key=lambda p: -p[0])
    return exact + [a for _, a in partial]


class AppStoresWorld(ListingWorld):
    """The listings of the four stores."""

    name = "appstores"
    order = 40
    stores = STORES
    base_urls = {f"{store.upper()}_BASE_URL": f"/{store}" for store in STORES}

    def build(self) -> dict[str, list[WApp]]:
        return build_apps(self.world)

    def search(self, store: str, apps: list[WApp], term: str) -> list[WApp]:
        return search(apps, term)

    def registry_apps(self) -> list[tuple[WUnit, dict[str, Any]]]:
        """Each official app once per unit and name; ``itunes_id`` when the App Store has it."""
        w = self.world
        out: list[tuple[WUnit, dict[str, Any]]] = []
        seen: set[tuple[int, str]] = set()
        for store in self.stores:
            for app in w.apps(store):
                if not app.official or app.unit is None or (app.unit.index, app.name) in seen:
                    continue
                seen.add((app.unit.index, app.name))
                itunes = next((a for a in w.apps("itunes") if a.official and a.package == app.package), None)
                entry: dict[str, Any] = {"name": app.name, "abbreviations": app_abbreviations(app.name, app.unit.short),
                                         "developer": app.developer, "package": app.package, "bundle_id": app.package}
                if itunes is not None:
                    entry["itunes_id"] = itunes.app_id
                out.append((app.unit, entry))
        return out


def app_abbreviations(name: str, short: str) -> list[str]:
    rest = name.replace(short, "", 1)
    generic = {"健康码", "警民通"}
    return [rest] if rest != name and len(rest) >= 3 and rest not in generic else []


__all__ = ["AppStoresWorld", "STORES", "build_apps", "search", "traditional", "homophone"]
