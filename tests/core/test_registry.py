"""The account registry: YAML and CSV forms, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from govspider.registry import AccountRegistry, RegistryError

YAML = """
version: 1
units:
  - name: 某市公安局
    region: "990100"
    level: city
    accounts:
      - {platform: weibo, platform_id: "6100000001", name: 某市公安}
      - {platform: douyin, platform_id: MS4wLjABAAAAinvented01}
    apps:
      - {name: 某市警务通, abbreviations: [警务通], developer: 某市公安局, package: cn.gov.example.police}
"""

CSV = """unit,region,level,platform,platform_id,name,abbreviations,developer,package,bundle_id,itunes_id
某市公安局,990100,city,weibo,6100000001,某市公安,,,,,
某市公安局,990100,city,app,,某市警务通,警务通|掌上警务,某市公安局,cn.gov.example.police,,
"""


def test_yaml_and_csv(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(YAML, encoding="utf-8")
    (tmp_path / "r.csv").write_text(CSV, encoding="utf-8")
    y = AccountRegistry.load(tmp_path / "r.yaml")
    c = AccountRegistry.load(tmp_path / "r.csv")
    assert [a.account_id for a in y.for_platform("weibo")] == ["weibo:6100000001"]
    assert y.accounts[0].unit == "某市公安局" and y.accounts[0].level == "city"
    assert c.apps[0].names == ("某市警务通", "警务通", "掌上警务")
    assert AccountRegistry.from_dict(y.to_dict()).accounts == y.accounts


@pytest.mark.parametrize(("text", "suffix", "message"), [
    ("units: [{name: 某局, accounts: [{platform: weibo}]}]", ".yaml", "needs 'platform' and 'platform_id'"),
    ("units: [{name: 某局, level: town}]", ".yaml", "level 'town'"),
    ("a: [", ".yaml", "not valid YAML"),
    ("- 1", ".yaml", "expected a mapping"),
    ("unit,platform\n某局,weibo\n", ".csv", "missing columns name"),
    ("unit,platform,name,platform_id\n某局,weibo,x,\n", ".csv", ":2: an account row needs"),
])
def test_bad_registry_is_one_clear_error(tmp_path: Path, text: str, suffix: str, message: str) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        AccountRegistry.load(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read registry"):
        AccountRegistry.load(tmp_path / "nope.yaml")
