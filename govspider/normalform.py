"""The corpus's normal form: one rule per field (``docs/data-model.md``), applied to every item
a crawl stores (:class:`govspider.pipelines.normalize.NormalizePipeline`) and to a version-1
corpus brought up to date (:mod:`govspider.storage.migrate`).

* posts: ``deleted`` is always a boolean; a post with a ``text`` has ``topics``, ``mentions``,
  ``links`` and ``media`` lists (``[]`` when it has none); ``monitored`` tells whether its
  account is monitored (in the crawl's registry or already in ``accounts``), so the originals
  of reposts by other accounts carry ``monitored: false``;
* accounts: ``unit``, ``region`` (a GB/T 2260 code) and ``region_name`` come from the
  registry (:func:`govspider.registry.region_fields`).
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from govspider.items import Post
from govspider.registry import RegistryAccount

#: The list fields a post with a text always holds.
LIST_FIELDS: tuple[str, ...] = tuple(
    name for name in Post.stored_with["text"] if name != "account_id")


def normalize_post(doc: dict[str, Any], monitored: Container[str]) -> dict[str, Any]:
    """Apply the post rules to a post's fields (an item's ``__dict__`` or a stored document),
    in place; returns the fields it set."""
    changed: dict[str, Any] = {}
    if not isinstance(doc.get("deleted"), bool):
        changed["deleted"] = bool(doc.get("deleted"))
    if doc.get("text") is not None:
        changed.update((name, []) for name in LIST_FIELDS if doc.get(name) is None)
    is_monitored = doc.get("account_id") in monitored
    if doc.get("monitored") is not is_monitored:
        changed["monitored"] = is_monitored
    doc.update(changed)
    return changed


def normalize_account(doc: dict[str, Any], entry: RegistryAccount | None) -> dict[str, Any]:
    """Apply the account rules (what the registry says of it), in place; returns the fields
    it set."""
    if entry is None:
        return {}
    wanted: dict[str, Any] = {"unit": doc.get("unit") or entry.unit or None,
                              **entry.region_fields()}
    changed = {k: v for k, v in wanted.items() if v is not None and doc.get(k) != v}
    doc.update(changed)
    return changed
