"""The imported account registry, kept in the corpus (``registry`` collection)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from govspider.registry import AccountRegistry


def import_registry(db: Database[dict[str, Any]], registry: AccountRegistry) -> dict[str, int]:
    """Upsert one ``registry`` document per unit and a stub ``accounts`` document per account.

    Stubs carry ``unit``, ``region`` / ``region_name`` (:func:`govspider.registry.region_fields`)
    and the registry name; a crawl fills in the rest.
    """
    now = datetime.now(timezone.utc)
    data = registry.to_dict()
    units = [UpdateOne({"_id": u["name"]}, {"$set": u | {"imported_at": now}}, upsert=True)
             for u in data["units"]]
    if units:
        db["registry"].bulk_write(units, ordered=False)
    stubs = []
    for a in registry.accounts:
        fields = {"platform": a.platform, "platform_id": a.platform_id, "unit": a.unit,
                  **a.region_fields()}
        on_insert: dict[str, Any] = {"first_seen_at": now}
        if a.name:
            on_insert["name"] = a.name
        stubs.append(UpdateOne({"_id": a.account_id}, {"$set": fields, "$setOnInsert": on_insert},
                               upsert=True))
    if stubs:
        db["accounts"].bulk_write(stubs, ordered=False)
    return {"units": len(units), "accounts": len(stubs), "apps": len(registry.apps)}


def load_registry(db: Database[dict[str, Any]]) -> AccountRegistry | None:
    """The imported registry, or ``None`` when nothing was imported."""
    units = [{k: v for k, v in d.items() if k not in ("_id", "imported_at")}
             for d in db["registry"].find()]
    if not units:
        return None
    return AccountRegistry.from_dict({"units": units}, "the imported registry")
