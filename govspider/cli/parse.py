"""``govspider parse``: one saved response through a platform's parser, offline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from govspider.cli.context import EXIT_PARSE_ERROR, Failure, resolve_now
from govspider.platform import ERROR, ParseInput
from govspider.plugins import installed_plugins


@click.command()
@click.argument("platform")
@click.argument("kind")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", help="The URL the response came from (follow-up requests are built on it).")
@click.option("--now", help="Fetch time, ISO 8601, for relative times such as 3分钟前.")
@click.option("--status", type=int, default=200, show_default=True, help="HTTP status of the response.")
def parse(platform: str, kind: str, file: str, url: str | None, now: str | None, status: int) -> None:
    """Parse one saved response offline and print ONE JSON object.

    Exit code 0 for every outcome but `error`, 3 for `error`, 2 for bad arguments.
    """
    try:
        parser = installed_plugins().parser(platform, kind)
    except KeyError as exc:
        raise Failure(str(exc.args[0])) from None
    try:
        body = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {file}: {exc.strerror}") from None
    fetched = resolve_now(now)
    try:
        result = parser(ParseInput(body=body, url=url or "", status=status, now=fetched))
    except ValueError as exc:  # the parser needs something the file does not say (e.g. --url)
        raise Failure(str(exc)) from None
    click.echo(result.dumps())
    if result.outcome == ERROR:
        sys.exit(EXIT_PARSE_ERROR)
