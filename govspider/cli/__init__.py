"""The ``govspider`` command (see ``docs/cli.md``).

Every subcommand has ``--help``; bad input prints one line starting with ``error:`` on stderr
and exits non-zero without writing anything half-done.

Layout: this module holds the group ``main`` and the table of its commands; each command (or
command group) is one module of this package, imported only when it runs or shows its own help
(click's lazy-loading group), so that ``govspider --help`` imports none of them. The shared
parts (settings, corpus connection, ``--now``, registry, one-line failures) are
:mod:`govspider.cli.context`. Command modules import the context and non-CLI modules, never
each other; no module outside this package imports it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NamedTuple

import click

from govspider import __version__
from govspider.procs import Terminated, accept_termination_signals, terminate_like_interrupt

#: exit code of input that got past a command's own checks (``context.EXIT_BAD_INPUT``)
_EXIT_BAD_INPUT = 2


class LazyCommand(NamedTuple):
    """A command of a :class:`LazyGroup`: where it is (``module:attribute``) and its summary
    (the first sentence of its help, as ``govspider --help`` lists it)."""

    target: str
    summary: str

    def load(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(click.Group):
    """A click group whose commands are imported when one runs or is asked for its own help
    (click's documented lazy-loading pattern). The group's own help lists every command from
    its summary, without importing it; commands are listed in the order of the table."""

    def __init__(self, *args: Any, lazy_commands: dict[str, LazyCommand] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, LazyCommand] = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy_commands, *(name for name in self.commands if name not in self.lazy_commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(self.lazy_commands[cmd_name].load(), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.commands.get(name) or click.Command(name, help=self.lazy_commands[name].summary))
                for name in self.list_commands(ctx)]
        rows = [(name, command) for name, command in rows if not command.hidden]
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


class GovspiderGroup(LazyGroup):
    """The ``govspider`` group: prints errors as one line, stops on SIGTERM/SIGHUP as on Ctrl-C."""

    def main(self, args: Any = None, prog_name: Any = None, **extra: Any) -> Any:
        accept_termination_signals()  # a blocked SIGTERM inherited from the starter would stay blocked
        try:
            with terminate_like_interrupt():  # SIGTERM, SIGHUP: stop the children as Ctrl-C does
                rv = super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(130)
        except Terminated as exc:
            click.echo(f"error: stopped by {exc.name}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            message = " ".join(exc.format_message().split())
            click.echo(f"error: {message}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except (RecursionError, UnicodeError, MemoryError) as exc:
            # bad input that got past a command's own checks: still one line, no traceback
            click.echo(f"error: unusable input ({type(exc).__name__}: "
                       f"{' '.join(str(exc).split())[:200]})", err=True)
            sys.exit(_EXIT_BAD_INPUT)
        sys.exit(rv if isinstance(rv, int) else 0)


#: The commands of ``govspider``, in the order ``govspider --help`` lists them. A summary is
#: the first sentence of the command's help (tests/core/test_cli_package.py keeps them equal).
COMMANDS: dict[str, LazyCommand] = {
    "plugins": LazyCommand("govspider.cli.plugins:plugins",
                           "List installed platform and detector plugins with their versions."),
    "parse": LazyCommand("govspider.cli.parse:parse",
                         "Parse one saved response offline and print ONE JSON object."),
    "detect": LazyCommand("govspider.cli.detect:detect",
                          "Run detectors over items (JSON lines, as `parse` prints) and print "
                          "findings as JSON lines."),
    "scan": LazyCommand("govspider.cli.scan:scan",
                        "Run detectors over the stored corpus and upsert their findings."),
    "crawl": LazyCommand("govspider.cli.crawl:crawl",
                         "Run one spider, as `scrapy crawl` would, with the project's pipelines."),
    "accounts": LazyCommand("govspider.cli.accounts:accounts",
                            "Manage the account registry (units, their accounts and official apps)."),
    "metrics": LazyCommand("govspider.cli.metrics:metrics", "Account metrics (follower time series)."),
    "db": LazyCommand("govspider.cli.db:db",
                      "The corpus database: serve the embedded one, migrate, check, document."),
    "sandbox": LazyCommand("govspider.sandbox.cli:sandbox",
                           "Serve a local stand-in of the platforms of the installed plugins "
                           "(social platforms, app stores, government websites), generated from SEED."),
    "report": LazyCommand("govspider.cli.report:report",
                          "Write the supervisor's report from the corpus: scorecards, findings, charts."),
    "score": LazyCommand("govspider.cli.score:score",
                         "Score the stored findings against a ground truth of planted cases (JSON "
                         "or JSON lines)."),
    "demo": LazyCommand("govspider.cli.demo:demo",
                        "The main job on embedded defaults: sandbox -> crawl -> re-crawl -> detect "
                        "-> report."),
    "schedule": LazyCommand("govspider.cli.schedule:schedule",
                            "Scheduled crawls: `schedule run` (SPIDERS with --every/--cron, or "
                            "--config FILE with several jobs, time windows and a job store in the "
                            "corpus) and `schedule status`."),
    "alerts": LazyCommand("govspider.cli.alerts:alerts",
                          "Webhook alerts (generic JSON, WeCom, DingTalk, Feishu): new veto findings "
                          "and unhealthy crawls."),
    "export": LazyCommand("govspider.cli.export:export",
                          "Export a collection of the corpus as JSON lines, CSV, Parquet or Excel."),
    "search": LazyCommand("govspider.cli.search:search",
                          "Full-text search of posts and comments (Chinese, exact substring)."),
}


@click.group(cls=GovspiderGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govspider")
def main() -> None:
    """Crawl, store and audit Chinese government new-media accounts (政务新媒体).

    Start with `govspider demo`: it crawls a local sandbox of the platforms into an embedded
    MongoDB-compatible server, runs every detector and writes a report.
    """
