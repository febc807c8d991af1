"""Planted cases: what a detector asks the sandbox world to contain.

A detector declares the cases it wants in its ``planted`` attribute, a tuple of
:class:`Planted`; the sandbox (``govspider.sandbox.planted``) gathers the declarations of every
installed detector, hands each account case to accounts of the world, generates what the case
says and lists it in the world's ground truth under the declaring detector's name. The sandbox
itself names no detector and no case.

A case is about one *subject*:

* ``account``: the account as a whole (it went silent, its followers jumped, it is not
  certified, it is a second account of its unit...);
* ``post``: the posts at given positions of its timeline (:attr:`Planted.posts`);
* ``comment``: the official reply under a planted comment (:attr:`Planted.thread`);
* ``app``: every app listing of a kind the store worlds generate (:attr:`Planted.case` is the
  kind: ``official``, ``lookalike``, ``unrelated`` for the built-in stores);
* ``page``: every web page carrying a kind of injected content the site world knows how to
  render (:attr:`Planted.case` is the kind's name).

Positive cases (``label=True``) are what the detector must find; hard negatives
(``label=False``) look alike but must not be flagged.

Content functions receive a ``random.Random`` and a :class:`Scene`; they must draw from it
deterministically (the world is a function of its seed). This module is light on purpose:
detectors import it, and it imports nothing of the sandbox but its text pools.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from govspider.sandbox import text

#: subjects a case may be about
SUBJECTS = ("account", "post", "comment", "app", "page")
#: subjects planted on accounts of the world
ACCOUNT_SUBJECTS = ("account", "post", "comment")


@dataclass(frozen=True)
class Scene:
    """Where a planted text appears: its unit, account and date."""

    short: str  #: the region's short name (临江)
    full: str  #: the region's full name (临江市)
    org: str  #: the unit's full name
    region: str  #: the region's 6-digit code
    year: str  #: the year of the post
    date: str  #: the date of the post, as ``11月3日``
    account: str  #: the account's name

    @staticmethod
    def person_name(r: Random) -> str:
        """An invented person name drawn from ``r``."""
        return text.person_name(r)


#: ``(r, scene) -> (title, text)``: a planted post (the title is kept where posts have one)
PostWriter = Callable[[Random, Scene], "tuple[str | None, str]"]
#: ``(r, scene) -> (comment, is a question, [(reply, is official)...])``: a planted thread
ThreadWriter = Callable[[Random, Scene], "tuple[str, bool, list[tuple[str, bool]]]"]


@dataclass(frozen=True)
class Text:
    """A planted post."""

    name: str  #: what the post is (``WPost.planted``; the rule of burst posts)
    write: PostWriter
    index: int = 0  #: its position in the timeline (0 = the newest post)
    #: ``text -> [evidence...]`` listed with the ground-truth row (None: no ``evidence`` key)
    evidence: Callable[[str], list[str]] | None = None
    #: further detectors that must flag this post (burst posts), each listed in the ground truth
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Burst:
    """The newest ``size`` posts written within the last days, with little engagement (an
    account taken over), cycling through ``posts``."""

    size: int
    posts: tuple[Text, ...]
    engagement: float = 0.05  #: likes factor of the burst posts


@dataclass(frozen=True)
class Thread:
    """A planted first comment under the post at ``index``, with its replies."""

    name: str  #: ``WComment.planted`` of the comment and of the official reply
    write: ThreadWriter
    index: int = 1
    min_comments: int = 3  #: the post has at least this many comments


@dataclass(frozen=True)
class Digression:
    """Posts about something else than the account's duty: a ``share`` of the posts is one of
    ``texts`` (sometimes with an emoji)."""

    share: float
    texts: tuple[str, ...]
    emoji_rate: float = 0.4


@dataclass(frozen=True)
class Planted:
    """One planted case (or hard negative) a detector wants in the sandbox world.

    ``note`` and ``rule`` are ``str.format`` templates filled from the subject: ``{account}``,
    ``{days}`` (days since its newest post), ``{jump_date}`` (of a follower jump), ``{post}``,
    ``{reply}``, ``{twin}`` (the other account of a second account); for apps ``{app}``; for
    pages ``{page}``, ``{kinds}`` (its kinds, comma-separated) and ``{kinds_text}``.
    """

    case: str  #: unique name of the case across detectors (a page kind for ``page`` cases)
    subject: str = "account"
    label: bool = True
    rule: str | None = None
    note: str = ""
    #: platforms preferred for an account case, in order; others are used when they are taken
    platforms: tuple[str, ...] = ()
    #: accounts are handed out in ascending ``order`` (then case name); changing it changes the
    #: generated world
    order: int = 100
    # ----------------------------------------------------------- what the world does
    silence: tuple[float, float] | None = None  #: days since the newest post (range)
    cadence: tuple[float, float] | None = None  #: posts per day (range)
    certified: bool = True  #: False: the account is not certified
    follower_jump: tuple[float, float] | None = None  #: followers multiplied 15-45 days ago
    viral: bool = False  #: with the jump, the posts of those days are very popular
    unanswered: bool = False  #: many questions under the posts, never an official reply
    digression: Digression | None = None
    posts: tuple[Text, ...] = ()
    burst: Burst | None = None
    thread: Thread | None = None
    #: a second account of the unit on the first of ``platforms`` (never another platform)
    second_account: bool = False
    #: the declaring detector (filled in by the sandbox)
    detector: str = ""

    def __post_init__(self) -> None:
        if self.subject not in SUBJECTS:
            raise ValueError(f"planted case {self.case!r}: unknown subject {self.subject!r}")
        if self.subject == "post" and not self.posts:
            raise ValueError(f"planted case {self.case!r}: a post case needs posts")
        if self.subject == "comment" and self.thread is None:
            raise ValueError(f"planted case {self.case!r}: a comment case needs a thread")
        if self.second_account and not self.platforms:
            raise ValueError(f"planted case {self.case!r}: a second account needs a platform")

    @property
    def keeps_positions(self) -> bool:
        """Planted posts stay where they are (no new posts on top between generations)."""
        return bool(self.posts or self.burst or self.thread)

    def post_at(self, kind: str, index: int) -> Text | None:
        """The planted post at ``index`` of the timeline (``kind`` ``post``), if any."""
        if kind != "post":
            return None
        if self.burst is not None:
            if 0 <= index < self.burst.size:
                return self.burst.posts[index % len(self.burst.posts)]
            return None
        return next((p for p in self.posts if p.index == index), None)

    def in_burst(self, index: int) -> bool:
        return self.burst is not None and 0 <= index < self.burst.size
