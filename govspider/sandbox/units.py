"""Invented regions and government units of the sandbox world.

Place names are invented (combinations of characters that are no real place); region codes
follow the 6-digit administrative-division format (province ``PP0000``, city ``PPCC00``,
county ``PPCCDD``). Nothing here depends on the seed except the order of name combinations.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pypinyin import lazy_pinyin

#: Invented provinces (name without 省, 2-digit code prefix).
PROVINCES: tuple[str, ...] = (
    "东川", "南岭", "西江", "北原", "中平", "海宁", "云泽", "青岚", "嘉禾", "安澜",
    "临川", "泰和", "丰州", "霞浦", "明川", "清河", "长宁", "永丰", "华阳", "江屿",
)
_FIRST = "临云青安宁泰丰嘉兴和永长清明华静远新德平昌鹤松兰溪桐柳梅湘沅汀"
_SECOND = "江溪阳宁川州水源山桥原林城乡浦陵台湖泉峰谷亭塘岗屿坪渡岚里津"

CITIES_PER_PROVINCE = 12
COUNTIES_PER_CITY = 4


@dataclass(frozen=True)
class Duty:
    """A duty family: what a unit does, how its offices and accounts are named."""

    key: str
    organ: dict[str, str]  #: level -> organ name appended to the region name
    account: str  #: account name pattern, ``{r}`` = short region name
    app: tuple[str, ...] = ()  #: official app name patterns (empty: no app)
    developer: str = "{full}人民政府办公室"
    category: str = "政务"


DUTIES: dict[str, Duty] = {d.key: d for d in (
    Duty("government", {"province": "人民政府办公厅", "city": "人民政府办公室", "county": "人民政府办公室"},
         "{r}发布", app=("{r}政务通", "i{r}", "{r}通办"), developer="{full}政务服务数据管理局"),
    Duty("police", {"province": "公安厅", "city": "公安局", "county": "公安局"},
         "平安{r}", app=("{r}警民通",), developer="{full}公安局"),
    Duty("traffic", {"province": "公安厅交通管理局", "city": "公安局交通警察支队", "county": "公安局交通警察大队"},
         "{r}交警", app=("{r}交警",), developer="{full}公安局交通警察支队"),
    Duty("health", {"province": "卫生健康委员会", "city": "卫生健康委员会", "county": "卫生健康局"},
         "健康{r}", app=("{r}健康码", "健康{r}"), developer="{full}卫生健康委员会"),
    Duty("tax", {"province": "税务局", "city": "税务局", "county": "税务局"}, "{r}税务"),
    Duty("culture", {"province": "文化和旅游厅", "city": "文化广电旅游局", "county": "文化和旅游局"},
         "{r}文旅", app=("游{r}",), developer="{full}文化广电旅游局", category="旅游"),
    Duty("education", {"province": "教育厅", "city": "教育局", "county": "教育局"}, "{r}教育"),
    Duty("emergency", {"province": "应急管理厅", "city": "应急管理局", "county": "应急管理局"}, "{r}应急"),
    Duty("market", {"province": "市场监督管理局", "city": "市场监督管理局", "county": "市场监督管理局"},
         "{r}市场监管"),
    Duty("environment", {"province": "生态环境厅", "city": "生态环境局", "county": "生态环境分局"},
         "{r}生态环境"),
)}

#: Duties of a region's units in order of precedence (the first N are used).
_DUTY_ORDER = {
    "province": ("government", "police", "health", "culture", "emergency", "education", "market",
                 "environment", "traffic", "tax"),
    "city": ("government", "traffic", "police", "health", "culture", "tax", "market", "education",
             "emergency", "environment"),
    "county": ("government", "police", "health", "education", "culture", "emergency", "market",
               "traffic", "tax", "environment"),
}


@dataclass(frozen=True)
class Region:
    """An invented administrative region."""

    index: int
    code: str
    name: str  #: full own name, e.g. 临江市
    short: str  #: without suffix, e.g. 临江
    level: str  #: province | city | county
    province: str  #: province short name (IP属地)
    parent: str  #: full name of the parent region ("" for a province)
    slug: str  #: pinyin of the short name, for packages and domains


def _combo(i: int, salt: int) -> str:
    n = len(_FIRST) * len(_SECOND)
    j = (i * 389 + salt * 97) % n  # 389 is coprime with n: a permutation of all combinations
    name = _FIRST[j // len(_SECOND)] + _SECOND[j % len(_SECOND)]
    if i >= n:
        name += "东西南北中"[(i // n) % 5]
    return name


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).replace("ü", "v")


@functools.lru_cache(maxsize=4096)
def region(index: int, salt: int = 0) -> Region:
    """The ``index``-th region of the world tree: province, its cities, each city's counties."""
    per_city = 1 + COUNTIES_PER_CITY
    per_prov = 1 + CITIES_PER_PROVINCE * per_city
    p, rest = divmod(index, per_prov)
    pshort = PROVINCES[p % len(PROVINCES)] + ("" if p < len(PROVINCES) else str(p // len(PROVINCES)))
    pcode = 11 + p if p < 89 else 11 + p % 89
    if rest == 0:
        return Region(index, f"{pcode:02d}0000", pshort + "省", pshort, "province", pshort, "",
                      _pinyin(pshort))
    c, d = divmod(rest - 1, per_city)
    city_o = index - p - 1 - d  # ordinal among non-province regions: unique names
    cshort = _combo(city_o, salt)
    if d == 0:
        return Region(index, f"{pcode:02d}{c + 1:02d}00", cshort + "市", cshort, "city", pshort,
                      pshort + "省", _pinyin(cshort))
    kshort = _combo(index - p - 1, salt)
    suffix = "县" if d % 2 else "区"
    return Region(index, f"{pcode:02d}{c + 1:02d}{d:02d}", kshort + suffix, kshort, "county", pshort,
                  cshort + "市", _pinyin(kshort))


def duties_for(reg: Region, count: int, rotate: int = 0) -> list[str]:
    """The duty keys of the ``count`` units in ``reg`` (government first, then a rotation)."""
    order = _DUTY_ORDER[reg.level]
    rest = list(order[1:])
    k = rotate % len(rest)
    rest = rest[k:] + rest[:k]
    return [order[0], *rest][:count]


def unit_name(reg: Region, duty: str) -> str:
    organ = DUTIES[duty].organ[reg.level]
    if duty == "tax":
        return f"国家税务总局{reg.name}{organ}"
    return reg.name + organ
