"""Toy in the sandbox world: the defaults of ``AccountWorld``, plus its own ids and links."""

from __future__ import annotations

from random import Random

from govspider.sandbox.entities import WAccount, WPost
from govspider.sandbox.platforms import AccountWorld

from . import NAME


class ToyWorld(AccountWorld):
    """Toy accounts: ``toy`` + 8 digits; posts and comments with the default numeric ids."""

    name = NAME
    order = 95  # after the built-in platforms
    base_urls = {"TOY_BASE_URL": "/toy"}
    post_rate = (0.5, 2.0)
    pinned_rate = 0.2
    account_noun = "玩具号"
    post_prefix = "8"
    comment_prefix = "9"

    def new_ids(self, r: Random) -> tuple[str, str]:
        number = r.randint(10_000_000, 99_999_999)
        return f"toy{number}", str(number)

    def account_url(self, account: WAccount) -> str:
        return f"https://toy.example/@{account.platform_id}"

    def post_url(self, post: WPost) -> str:
        return f"https://toy.example/p/{post.post_id}"
