"""The demo keeps its sandbox on a stable port, so page ids stay the same between runs; its
crawls archive responses; its second pass says what it changed."""

from __future__ import annotations

import io
import socket
from datetime import datetime, timezone
from typing import Any

from rich.console import Console

from govspider.cli.demo import _changed, _changes, _changes_line, _port, crawl_settings

T0, T1 = datetime(2026, 11, 20, 4, tzinfo=timezone.utc), datetime(2026, 11, 21, 4, tzinfo=timezone.utc)


def test_stable_port_or_a_free_one_with_a_note() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        taken = s.getsockname()[1]
        s.listen()
        assert _port(taken, console) == 0  # taken: let the sandbox pick a free port
        assert "page ids" in out.getvalue()
    assert _port(taken, console) == taken  # free again: the stable port is used


def test_every_demo_crawl_archives_its_responses() -> None:
    sandbox = {"GOVSPIDER_NOW": "2026-11-20T12:00:00+08:00", "X_BASE_URL": "http://127.0.0.1:1/x"}
    settings = crawl_settings(sandbox)
    assert settings["GOVSPIDER_ARCHIVE_RESPONSES"] is True
    assert settings.items() >= sandbox.items()  # the sandbox's URLs and clock, untouched


def version(post_id: str, content: str, deleted: bool, seen_at: datetime) -> dict[str, Any]:
    return {"_id": f"{post_id}|{content}|{int(deleted)}", "post_id": post_id,
            "content_hash": content, "deleted": deleted, "seen_at": seen_at}


def test_the_second_pass_says_what_it_changed(db: Any) -> None:
    db.posts.insert_many([{"_id": f"a:{n}", "platform": "a", "deleted": False} for n in range(3)]
                         + [{"_id": "b:1", "platform": "b", "deleted": False}])
    db.comments.insert_many([{"_id": "a:c1", "platform": "a"}])
    before = _changes(db)
    # platform a: a new post, an edit, a deletion and two new comments; b: nothing
    db.posts.insert_one({"_id": "a:3", "platform": "a", "deleted": False})
    db.posts.update_one({"_id": "a:2"}, {"$set": {"deleted": True}})
    db.comments.insert_many([{"_id": "a:c2", "platform": "a"}, {"_id": "a:c3", "platform": "a"}])
    db.post_versions.insert_many([
        version("a:1", "h1", False, T0), version("a:1", "h2", False, T1),
        version("a:2", "h3", False, T0), version("a:2", "h3", True, T1)])
    changes = _changed(before, _changes(db), ["b", "a"])
    assert list(changes) == ["b", "a"]  # in crawl order
    assert changes["a"] == {"posts": 1, "edited": 1, "deleted": 1, "comments": 2}
    assert changes["b"] == {"posts": 0, "edited": 0, "deleted": 0, "comments": 0}
    assert _changes_line(changes) == ("b no change seen; "
                                      "a 1 new post, 1 edited, 1 deleted, 2 new comments")
