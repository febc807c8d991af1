"""``govspider accounts``: the account registry (units, their accounts and official apps)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from govspider.cli.context import Failure, check_storable, connect, load_registry
from govspider.registry import AccountRegistry
from govspider.storage.registry_store import import_registry

#: The fields ``import_registry`` writes on an account document.
_STUB_FIELDS = ("platform", "platform_id", "unit", "region", "region_name", "first_seen_at", "name")


@click.group()
def accounts() -> None:
    """Manage the account registry (units, their accounts and official apps)."""


@accounts.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def accounts_import(file: str) -> None:
    """Load the account registry (YAML or CSV) into the corpus.

    All or nothing: the whole file is checked before anything is written, and an import that
    fails or is interrupted (Ctrl-C, SIGTERM) half way is undone.
    """
    reg = load_registry(file)
    assert reg is not None  # a path is given
    for i, unit in enumerate(reg.to_dict()["units"]):
        check_storable(unit | {"imported_at": datetime.now()}, f"{file}: units[{i}]")
    with connect() as conn:
        counts = import_all_or_nothing(conn.db, reg)
    click.echo(f"imported {counts['units']} units, {counts['accounts']} accounts, "
               f"{counts['apps']} apps from {file}")


def _in_chunks(collection: Any, ids: list[str], projection: Any = None) -> dict[str, Any]:
    found = {}
    for i in range(0, len(ids), 1000):
        for doc in collection.find({"_id": {"$in": ids[i:i + 1000]}}, projection):
            found[doc["_id"]] = doc
    return found


def import_all_or_nothing(db: Any, reg: AccountRegistry) -> dict[str, int]:
    """``import_registry`` that leaves the corpus as it was when it does not complete."""
    unit_ids = [u["name"] for u in reg.to_dict()["units"]]
    account_ids = list(dict.fromkeys(a.account_id for a in reg.accounts))
    units_before = _in_chunks(db["registry"], unit_ids)
    accounts_before = _in_chunks(db["accounts"], account_ids, dict.fromkeys(_STUB_FIELDS, 1))

    def undo() -> None:
        for uid in unit_ids:
            if uid in units_before:
                db["registry"].replace_one({"_id": uid}, units_before[uid])
            else:
                db["registry"].delete_one({"_id": uid})
        for aid in account_ids:
            old = accounts_before.get(aid)
            if old is None:
                db["accounts"].delete_one({"_id": aid})
                continue
            kept = {k: old[k] for k in _STUB_FIELDS if k in old}
            gone = {k: "" for k in _STUB_FIELDS if k not in old}
            db["accounts"].update_one({"_id": aid}, {"$set": kept, **({"$unset": gone} if gone else {})}
                                      if kept else {"$unset": gone})

    # Ctrl-C or SIGTERM while writing waits for the write to end, then undoes it
    received: list[int] = []
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda signum, frame: received.append(signum))
    try:
        try:
            counts = import_registry(db, reg)
        except BaseException as exc:
            failure = (Failure("interrupted: nothing imported") if isinstance(exc, KeyboardInterrupt)
                       else Failure(f"the import failed ({type(exc).__name__}: "
                                    f"{' '.join(str(exc).split())[:160]}); nothing imported"))
            failure.exit_code = 130 if isinstance(exc, KeyboardInterrupt) else 1
            _undo_or_say(undo)
            raise failure from None
        if received:
            _undo_or_say(undo)
            interrupted = Failure("interrupted: nothing imported")
            interrupted.exit_code = 130
            raise interrupted
        return counts
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _undo_or_say(undo: Callable[[], None]) -> None:
    try:
        undo()
    except Exception as exc:  # noqa: BLE001 - the database went away while undoing
        raise Failure(f"the import failed half way and could not be undone "
                      f"({type(exc).__name__}); run it again to complete it") from None
