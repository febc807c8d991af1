"""What a platform plugin tells the sandbox world: the ``govspider_sandbox_worlds`` contract.

The generic :class:`govspider.sandbox.world.World` generates units, accounts, posts, comments,
app listings and web pages from a seed. What differs between platforms (how ids look, how a
post is written, what a link looks like) it asks the platform's *sandbox world*, a subclass of
one of the classes below that the plugin returns from ``govspider_sandbox_worlds()``:

* :class:`AccountWorld`: a platform of accounts that publish posts which get comments (one
  class per platform). Every hook has a working default, so a new platform needs little more
  than its name and routes (its label is on its Platform); the built-in ones override what
  makes them look real.
* :class:`ListingWorld`: app stores (one class may stand for several stores).
* :class:`SiteWorld`: government websites.

The world instantiates each class with itself (``cls(world)``) and keeps the instance for its
lifetime, so an instance may cache what it computes. Everything must be deterministic: draw
only from the ``random.Random`` handed in, or from :func:`govspider.sandbox.seeded.rng_for` with a key of your own, and
always make the same draws in the same order, or every later object of the world changes.

Routes (HTTP endpoints and the platform's shapes of the "troubles": login walls, rate limits,
captchas...) stay with the ``govspider_sandbox_routes(world)`` hook; ``base_urls`` of a world
class names the base-URL settings those routes answer under (see
:func:`govspider.sandbox.core.settings_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from random import Random
from typing import TYPE_CHECKING, Any, ClassVar

from govspider.sandbox import text
from govspider.sandbox.entities import WAccount, WApp, WPage, WPost, WUnit, text_account_name
from govspider.sandbox.seeded import (
    ORDINAL_STEP,
    code_index,
    ordinal_base,
    stable_hex,
    uncode_index,
)
from govspider.sandbox.text import Segment

if TYPE_CHECKING:
    from govspider.sandbox.world import PostDraft, World

__all__ = ["PlatformWorld", "AccountWorld", "ListingWorld", "SiteWorld", "code_index",
           "uncode_index", "ordinal_base", "ORDINAL_STEP"]


class PlatformWorld:
    """What every sandbox world class declares."""

    #: the platform name (``platform`` of accounts, the prefix of corpus ids)
    name: ClassVar[str] = ""
    #: position in the world's layout: worlds are generated in ascending order (then name);
    #: changing it changes every generated world
    order: ClassVar[int] = 100
    #: base-URL setting -> path prefix under which the plugin's sandbox routes answer
    base_urls: ClassVar[dict[str, str]] = {}

    def __init__(self, world: World):
        self.world = world

    @property
    def seed(self) -> int:
        return self.world.seed


class AccountWorld(PlatformWorld):
    """A platform of accounts that publish posts which get comments.

    Ids (defaults): an account has a 10-digit numeric id; a post id is ``post_prefix`` + a kind
    digit (``post_kinds``) + the scrambled account index (6 digits) + a per-account ordinal
    (``ordinal_digits``); a comment id is ``comment_prefix`` + the scrambled account index +
    the post's slot (``comment_digits`` each; all nines for a pinned post) + the comment (3) and
    reply (2) numbers. Ids decode back to the indices, so nothing is looked up.
    """

    # ------------------------------------------------------------- accounts
    #: range of the numeric account ids
    id_range: ClassVar[tuple[int, int]] = (1_000_000_000, 9_999_999_999)
    #: posts per day (range)
    post_rate: ClassVar[tuple[float, float]] = (0.6, 3.5)
    #: followers are multiplied by a factor in this range (None: not)
    follower_spread: ClassVar[tuple[float, float] | None] = None
    #: share of accounts with a pinned post
    pinned_rate: ClassVar[float] = 0.0
    #: what the platform calls an account (in the description: ``…官方微博``)
    account_noun: ClassVar[str] = "账号"
    #: appended to the unit's name in the certification text
    verified_suffix: ClassVar[str] = "官方账号"
    #: ``verified_type`` of certified and of other accounts
    verified_types: ClassVar[tuple[int, int]] = (2, 0)
    #: ``World.account`` also finds an account by its numeric ``uid``
    lookup_by_uid: ClassVar[bool] = False
    #: active accounts publish new posts, and posts get new comments, between generations
    grows: ClassVar[bool] = False
    # ------------------------------------------------------------- posts
    #: posts have a title (articles)
    titled: ClassVar[bool] = False
    #: share of long posts; a post longer than ``long_text_limit`` characters is long
    long_rate: ClassVar[float] = 0.0
    long_text_limit: ClassVar[int | None] = None
    #: a post starts with its topic (``#topic#``); or ends with topics as tags
    lead_topic: ClassVar[bool] = False
    trailing_topics: ClassVar[bool] = False
    #: how a topic closes in plain text (``#topic#``; ``#topic`` where tags are open)
    topic_close: ClassVar[str] = "#"
    #: share of posts with a link to a government page
    link_rate: ClassVar[float] = 0.0
    #: share of posts that repost another account's post (see :meth:`repost`)
    repost_rate: ClassVar[float] = 0.0
    #: share of posts deleted whatever the generation, and why
    deletion_rate: ClassVar[float] = 0.0
    deletion_reasons: ClassVar[tuple[str, ...]] = ("该内容已被发布者删除",)
    #: why a post deleted since generation 0 is gone
    deletion_notice: ClassVar[str] = "deleted by author"
    #: client names a post was published from (empty: none)
    sources: ClassVar[tuple[str, ...]] = ()
    #: share of posts nobody comments
    uncommented_rate: ClassVar[float] = 0.0
    # ------------------------------------------------------------- ids
    post_prefix: ClassVar[str] = "1"
    ordinal_digits: ClassVar[int] = 8
    #: kind digit of post ids -> kind (``post``, ``pinned``, ``original`` of a repost)
    post_kinds: ClassVar[dict[str, str]] = {"9": "post", "7": "pinned"}
    comment_prefix: ClassVar[str] = "2"
    comment_digits: ClassVar[int] = 5

    # ------------------------------------------------------------- accounts
    def new_ids(self, r: Random) -> tuple[str, str]:
        """``(platform_id, uid)`` of a new account, drawn from ``r`` (drawn again on a clash)."""
        pid = str(r.randint(*self.id_range))
        return pid, pid

    def account_fields(self, unit: WUnit, index: int, uid: str) -> dict[str, Any]:
        """Platform fields of a new account: any of ``unique_id`` (default: ``uid``),
        ``alias``, ``gh_id``, ``numeric_id``. Must not draw randomness from the account's RNG."""
        return {}

    def avatar_url(self, index: int) -> str:
        return f"https://img.{self.name}.example/avatar/{stable_hex(self.seed, 'av', index)}.jpg"

    def account_url(self, account: WAccount) -> str:
        return f"https://{self.name}.example/u/{account.platform_id}"

    # ------------------------------------------------------------- posts
    def post_url(self, post: WPost) -> str:
        return f"https://{self.name}.example/p/{post.post_id}"

    def post_corpus_id(self, post: WPost) -> str:
        return f"{self.name}:{post.post_id}"

    def schedule(self, account: WAccount, k: int) -> tuple[datetime, dict[str, Any]] | None:
        """The time of the account's ``k``-th post (0 = oldest) and post fields that go with it,
        when the platform has its own schedule; ``None``: the world's. Must not draw from the
        post's RNG."""
        return None

    def compose(self, b: PostDraft, ctx: dict[str, str]) -> tuple[str | None, list[Segment], bool]:
        """``(title, segments, is long)`` of an ordinary post, drawn from ``b.r``."""
        r, acc = b.r, b.acc
        duty = acc.unit.duty
        topics = text.topic_names(duty, acc.unit.short)
        segs: list[Segment] = []
        title = None
        long = self.long_rate > 0 and r.random() < self.long_rate
        count = r.randint(6, 10) if long else r.randint(1, 3)
        if r.random() < 0.7:
            topic = r.choice(topics)
            if self.lead_topic:
                segs.append(Segment("topic", topic))
        else:
            topic = None
        sentences = text.gov_sentences(r, duty, ctx, count)
        segs.append(Segment("text", sentences[0]))
        for s in sentences[1:]:
            segs.append(Segment("text", ("\n" if long and r.random() < 0.4 else "") + s))
        if r.random() < 0.2:
            other = r.choice(b.w.units)
            segs.append(Segment("text", " "))
            segs.append(Segment("mention", text_account_name(other)))
        if self.link_rate > 0 and r.random() < self.link_rate:
            segs.append(Segment("text", " "))
            segs.append(Segment("link", f"https://www.{acc.unit.slug}.gov.cn/art/"
                                        f"{stable_hex(b.w.seed, 'lk', acc.index, b.k, n=8)}.html", "网页链接"))
        end = text.ending(r, ctx)
        if end:
            segs.append(Segment("text", end))
        if r.random() < 0.3:
            segs.append(Segment("emoji", r.choice(text.EMOJI)))
        if self.trailing_topics:
            tags = r.sample(topics, k=min(len(topics), r.randint(1, 3)))
            for t in ([topic] if topic else []) + [t for t in tags if t != topic]:
                segs.append(Segment("text", " "))
                segs.append(Segment("topic", t))
        return title, segs, long

    def repost(self, b: PostDraft, ctx: dict[str, str]) -> tuple[WPost, list[Segment]]:
        """``(original, segments)`` of a repost (only asked when ``repost_rate`` > 0)."""
        raise NotImplementedError(f"{self.name}: repost_rate > 0 needs repost()")

    def media(self, r: Random, h: str) -> list[tuple[str, str]]:
        """``[(kind, url)...]`` of a post (``image`` or ``video``); ``h`` is a stable hex key."""
        return [("image", f"https://img.{self.name}.example/{h}{i}.jpg") for i in range(r.randint(0, 3))]

    def counts(self, r: Random, base: float, likes: int) -> tuple[int | None, int | None]:
        """``(views, favorites)`` of a post, when the platform shows them."""
        return None, None

    def finish_post(self, post: WPost, r: Random) -> None:
        """Give a new post its ids and platform fields (``post.ordinal``, ``post.kind`` are set)."""
        acc = post.account
        kind_digit = next(d for d, kind in self.post_kinds.items() if kind == post.kind)
        post.post_id = self.post_id(acc.index, kind_digit, post.ordinal)

    def post_id(self, acc_index: int, kind_digit: str, k: int) -> str:
        od = self.ordinal_digits
        return (f"{self.post_prefix}{kind_digit}{code_index(acc_index, 6):06d}"
                f"{ordinal_base(acc_index, od) + k * ORDINAL_STEP:0{od}d}")

    def decode_post(self, post_id: str) -> WPost | None:
        """The post with this id, or None (may raise ``ValueError``/``IndexError`` on garbage)."""
        p, od = self.post_prefix, self.ordinal_digits
        if len(post_id) != len(p) + 7 + od or not post_id.startswith(p) or not post_id.isdigit():
            return None
        kind = self.post_kinds.get(post_id[len(p)])
        acc_i = uncode_index(int(post_id[len(p) + 1:len(p) + 7]), 6)
        k, rest = divmod(int(post_id[len(p) + 7:]) - ordinal_base(acc_i, od), ORDINAL_STEP)
        if rest or k < 0 or kind is None:
            return None
        return self.world.post_by_ordinal(acc_i, kind, k, platform=self)

    def render_text(self, segments: Iterable[Segment]) -> str:
        """Plain text of segments as the data model wants it (topics kept literally)."""
        out = []
        for seg in segments:
            if seg.kind == "topic":
                out.append(f"#{seg.value}" + self.topic_close)
            elif seg.kind == "mention":
                out.append(f"@{seg.value}")
            elif seg.kind == "link":
                out.append(seg.extra or seg.value)
            else:
                out.append(seg.value)
        return "".join(out)

    # ------------------------------------------------------------- comments
    @property
    def pin_slot(self) -> int:
        return 10 ** self.comment_digits - 1

    def comment_id(self, post: WPost, j: int, rr: int) -> str:
        """Id of reply ``rr`` (0 = the comment itself) of comment ``j`` under ``post``."""
        d = self.comment_digits
        slot = self.pin_slot if post.pinned else post.ordinal
        return f"{self.comment_prefix}{code_index(post.account.index, d):0{d}d}{slot:0{d}d}{j:03d}{rr:02d}"

    def decode_comment(self, comment_id: str) -> tuple[int, int, int, int] | None:
        """``(account index, post slot, comment, reply)`` of a comment id, or None."""
        p, d = self.comment_prefix, self.comment_digits
        if len(comment_id) != len(p) + 2 * d + 5 or not comment_id.startswith(p):
            return None
        rest = comment_id[len(p):]
        return uncode_index(int(rest[:d]), d), int(rest[d:2 * d]), int(rest[2 * d:2 * d + 3]), int(rest[2 * d + 3:])

    def author_key(self, uid: str) -> str:
        """A platform key of a commenter (``WComment.author_sec_uid``), "" if none."""
        return ""

    def official_author_key(self, account: WAccount) -> str:
        """The same key for the account itself replying."""
        return ""


class ListingWorld(PlatformWorld):
    """App stores: the listings of one or more stores, built in one pass."""

    #: the stores, in order (each a platform name)
    stores: ClassVar[tuple[str, ...]] = ()

    def build(self) -> dict[str, list[WApp]]:
        """Every listing of every store of this world (called once)."""
        return {}

    def search(self, store: str, apps: list[WApp], term: str) -> list[WApp]:
        """The store's search results for ``term`` among its ``apps``."""
        term = (term or "").strip()
        return [a for a in apps if term and term in a.name]

    def registry_apps(self) -> list[tuple[WUnit, dict[str, Any]]]:
        """``(unit, app entry)`` of each official app for the registry, in order."""
        return []


class SiteWorld(PlatformWorld):
    """Government websites: pages under the routes' prefix (``base_urls``' first value)."""

    @property
    def prefix(self) -> str:
        return next(iter(self.base_urls.values()), "")

    def build(self) -> list[WPage]:
        """Every page (``WPage.path`` below the prefix; HTML rendered on use)."""
        return []

    def page_url(self, page: WPage, base_url: str) -> str:
        """The URL a crawler fetches ``page`` at when the sandbox is served at ``base_url``."""
        return base_url.rstrip("/") + self.prefix + page.path

    def page_corpus_id(self, url: str) -> str:
        raise NotImplementedError

    def website(self, unit: WUnit, base_url: str | None) -> str:
        """The unit's website for the registry (relative without ``base_url``)."""
        return (base_url.rstrip("/") + self.prefix if base_url else "") + unit.site_path
