"""The ``govspider`` command (see ``docs/cli.md``).

Every subcommand has ``--help``; bad input prints one line starting with ``error:`` on stderr
and exits non-zero without writing anything half-done.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from govspider import __version__

EXIT_CRAWL_UNHEALTHY = 1
EXIT_BAD_INPUT = 2
EXIT_PARSE_ERROR = 3


class Failure(click.ClickException):
    """A user-facing failure: printed as one ``error:`` line."""

    exit_code = EXIT_BAD_INPUT


class CheckFailed(Failure):
    """A check ran and found what it checks for (exit 1)."""

    exit_code = 1


class CrawlUnhealthy(Failure):
    """A crawl ran but failed its health checks."""

    exit_code = EXIT_CRAWL_UNHEALTHY


class GovspiderGroup(click.Group):
    """A click group that prints errors as one line and lists commands in a fixed order."""

    def main(self, args: Any = None, prog_name: Any = None, **extra: Any) -> Any:
        from govspider.procs import Terminated, terminate_like_interrupt

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
            sys.exit(EXIT_BAD_INPUT)
        sys.exit(rv if isinstance(rv, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def _now_option(value: str | None) -> datetime | None:
    from govspider.processors import parse_time

    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise Failure(f"--now: not an ISO 8601 time: {value!r}") from None


def _settings(overrides: dict[str, Any] | None = None) -> Any:
    """The project's Scrapy settings (scrapy.cfg or govspider.settings), plus overrides."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govspider.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def _connect(settings: Any = None, **kwargs: Any) -> Any:
    from govspider.storage import connect
    from govspider.storage.embedded import EmbeddedServerError
    from govspider.storage.schema import SchemaVersionError

    try:
        return connect(settings if settings is not None else _settings(), **kwargs)
    except (EmbeddedServerError, SchemaVersionError, ValueError) as exc:
        raise Failure(str(exc)) from None
    except Exception as exc:  # pymongo: server selection, auth...
        raise Failure(f"cannot reach MongoDB: {str(exc).splitlines()[0][:200]}") from None


def _registry_path(path: str | None) -> Any:
    from govspider.registry import AccountRegistry, RegistryError

    if not path:
        return None
    try:
        return AccountRegistry.load(path)
    except RegistryError as exc:
        raise Failure(str(exc)) from None


@click.group(cls=GovspiderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govspider")
def main() -> None:
    """Crawl, store and audit Chinese government new-media accounts (政务新媒体).

    Start with `govspider demo`: it crawls a local sandbox of the platforms into an embedded
    MongoDB-compatible server, runs every detector and writes a report.
    """


# ------------------------------------------------------------------------------ plugins
@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def plugins(as_json: bool) -> None:
    """List installed platform and detector plugins with their versions."""
    from govspider.plugins import BROKEN, PluginError, registry

    try:
        reg = registry()
    except PluginError as exc:
        raise Failure(str(exc)) from None
    rows = [{"plugin": i.name, "distribution": i.distribution, "version": i.version,
             "platforms": list(i.platforms), "detectors": list(i.detectors)} for i in reg.info()]
    broken = [{"plugin": name, "error": why} for name, why in sorted(BROKEN.items())]
    if as_json:
        click.echo(json.dumps({"plugins": rows, "broken": broken}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['plugin']:<12} {row['version']:<8} ({row['distribution']})")
        for name in row["platforms"]:
            platform = reg.platforms[name]
            kinds = ", ".join(sorted(platform.parsers))
            spiders = ", ".join(s.name for s in platform.spiders) or "-"
            click.echo(f"    platform {name:<10} parsers: {kinds}; spiders: {spiders}")
        for name in row["detectors"]:
            det = reg.detectors[name]
            click.echo(f"    detector {name:<22} v{det.version} {det.indicator} [{det.severity}, {det.scope}]")
    for row in broken:
        click.echo(f"{row['plugin']:<12} BROKEN: {row['error']}")


# ------------------------------------------------------------------------------ parse
@main.command()
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
    from govspider.items import Item
    from govspider.platform import ERROR, ParseInput
    from govspider.plugins import registry
    from govspider.processors import CST

    try:
        parser = registry().parser(platform, kind)
    except KeyError as exc:
        raise Failure(str(exc.args[0])) from None
    try:
        body = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {file}: {exc.strerror}") from None
    fetched = _now_option(now) or datetime.now(CST)
    try:
        result = parser(ParseInput(body=body, url=url or "", status=status, now=fetched))
    except ValueError as exc:  # the parser needs something the file does not say (e.g. --url)
        raise Failure(str(exc)) from None
    out = result.to_dict()
    out["items"] = [i.to_json() if isinstance(i, Item) else i for i in result.items]
    click.echo(json.dumps(out, ensure_ascii=False))
    if result.outcome == ERROR:
        sys.exit(EXIT_PARSE_ERROR)


# ------------------------------------------------------------------------------ detect / scan
def read_text(file: str, what: str = "") -> str:
    """A UTF-8 text file (``-``: standard input) as text; one-line :class:`Failure` for an
    unreadable, binary or non-UTF-8 file."""
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise Failure(f"cannot read {file}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Failure(f"{file}: not UTF-8 text (byte {exc.start}: a binary file?)") from None
    if "\0" in text:
        raise Failure(f"{file}: contains NUL characters (a binary file?)")
    return text


def json_line(line: str, where: str) -> Any:
    """One JSON value of a JSON-lines file; one-line :class:`Failure` when it is not JSON,
    nested too deeply, or holds text that is not valid Unicode (a lone surrogate)."""
    try:
        value = json.loads(line)
    except RecursionError:
        raise Failure(f"{where}: JSON nested too deeply") from None
    except ValueError as exc:
        raise Failure(f"{where}: not JSON ({getattr(exc, 'msg', exc)})") from None
    _check_unicode(value, where)
    return value


def _check_unicode(value: Any, where: str) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise Failure(f"{where}: a lone surrogate (\\u{ord(v[_bad_at(v)]):04x}) is not "
                              f"valid text") from None
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _bad_at(text: str) -> int:
    return next(i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF)


def _read_items(stream: Any, source: str) -> list[dict[str, Any]]:
    """JSON lines of items (or of `parse` outputs, whose items are taken)."""
    from govspider.items import item_from_dict

    items = []
    for n, line in enumerate(stream, start=1):
        line = line.strip()
        if not line:
            continue
        obj = json_line(line, f"{source}:{n}")
        rows = obj.get("items", []) if isinstance(obj, dict) and "outcome" in obj else [obj]
        if not isinstance(rows, list):
            raise Failure(f"{source}:{n}: 'items' is not a list")
        for row in rows:
            try:
                items.append(item_from_dict(row).to_dict())
            except (TypeError, ValueError, AttributeError) as exc:
                raise Failure(f"{source}:{n}: not an item ({exc})") from None
    return items


def _detectors(names: str | None) -> list[Any]:
    from govspider.pipelines.detect import select_detectors

    try:
        return select_detectors([n.strip() for n in names.split(",") if n.strip()] if names else None)
    except ValueError as exc:
        raise Failure(str(exc)) from None


@main.command()
@click.argument("file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--detectors", help="Comma-separated detector names (default: all installed).")
@click.option("--registry", "registry_file", type=click.Path(dir_okay=False),
              help="Account registry (YAML/CSV) for detectors that compare with it.")
@click.option("--now", help="Monitoring time point, ISO 8601 (default: now).")
def detect(file: str, detectors: str | None, registry_file: str | None, now: str | None) -> None:
    """Run detectors over items (JSON lines, as `parse` prints) and print findings as JSON lines.

    No database is needed.
    """
    from govspider.detection import DetectContext, run_detectors
    from govspider.processors import CST

    chosen = _detectors(detectors)
    reg = _registry_path(registry_file)
    text = read_text(file)
    items = _read_items(text.splitlines(), "stdin" if file == "-" else file)
    ctx = DetectContext(now=_now_option(now) or datetime.now(CST),
                        settings=_settings().copy_to_dict(), registry=reg)
    for finding in run_detectors(chosen, items, ctx):
        click.echo(json.dumps(finding.to_json(), ensure_ascii=False))


@main.command()
@click.option("--detectors", help="Comma-separated detector names (default: all installed).")
@click.option("--registry", "registry_file", type=click.Path(dir_okay=False),
              help="Account registry (default: GOVSPIDER_REGISTRY, else the imported one).")
@click.option("--now", help="Monitoring time point, ISO 8601 (default: now).")
def scan(detectors: str | None, registry_file: str | None, now: str | None) -> None:
    """Run detectors over the stored corpus and upsert their findings."""
    from govspider.processors import CST
    from govspider.scan import scan_corpus

    chosen = _detectors(detectors)
    settings = _settings()
    receivers = _alert_receivers(settings)
    reg = _registry_path(registry_file or settings.get("GOVSPIDER_REGISTRY"))
    with _connect(settings) as conn:
        summary = scan_corpus(conn.db, chosen, now=_now_option(now) or datetime.now(CST),
                              settings=settings.copy_to_dict(), registry=reg,
                              progress=lambda msg: click.echo(msg, err=True))
    click.echo(json.dumps(summary, ensure_ascii=False))
    if receivers:
        from govspider.alerts import alert_new_vetoes

        with _connect(settings) as conn:
            sent = alert_new_vetoes(conn.db, receivers)
        if sent["findings"]:
            click.echo(f"alerts: {sent['findings']} new veto findings sent to "
                       f"{', '.join(sent['delivered']) or 'no receiver'}"
                       + (f"; failed: {'; '.join(map(str, sent['failed']))}" if sent["failed"] else ""),
                       err=True)


def _alert_receivers(settings: Any) -> list[Any]:
    """The configured alert receivers (GOVSPIDER_ALERTS); a bad configuration is a one-line
    error before any work."""
    from govspider.alerts import receivers_from

    try:
        return receivers_from(settings)
    except ValueError as exc:
        raise Failure(str(exc)) from None


def _alert_unhealthy(settings: Any, stats: dict[str, Any], bad: dict[str, list[str]]) -> None:
    """Tell the receivers that want it about each unhealthy crawl (never fails the command
    further: the crawl's own exit code says it failed)."""
    receivers = _alert_receivers(settings)
    if not receivers:
        return
    from govspider.alerts import dispatch, unhealthy_alert

    for name, failed in bad.items():
        alert = unhealthy_alert(name, list(failed), stats[name].get("finish_reason"),
                                stats[name].get("govspider/crawl_id"))
        for result in dispatch(alert, receivers):
            if not result.ok:
                click.echo(f"alert to {result.receiver} failed: {result.error}", err=True)


# ------------------------------------------------------------------------------ crawl
def _split_pairs(pairs: tuple[str, ...], flag: str) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise Failure(f"{flag} expects NAME=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key] = value
    return out


@main.command(context_settings={"ignore_unknown_options": False})
@click.argument("spider")
@click.option("-a", "args", multiple=True, metavar="NAME=VALUE", help="Spider argument (accounts=FILE, full=1, since=DATE).")
@click.option("-s", "sets", multiple=True, metavar="NAME=VALUE", help="Scrapy setting.")
@click.option("--sandbox", is_flag=True, help="Crawl a local sandbox of the platforms started for this run.")
@click.option("--seed", default=7, show_default=True, help="Sandbox seed (with --sandbox).")
@click.option("--size", default="small", show_default=True, help="Sandbox size (with --sandbox).")
def crawl(spider: str, args: tuple[str, ...], sets: tuple[str, ...], sandbox: bool, seed: int,
          size: str) -> None:
    """Run one spider, as `scrapy crawl` would, with the project's pipelines.

    Prints a JSON summary of the crawl. Exits 1 when the crawl failed its health checks (no
    response understood, platform errors given up after every retry, ERROR log lines, a finish
    reason other than "finished"...), so a scheduler or a shell script notices; the summary
    and the run's crawl_runs document say which.
    """
    from govspider.crawling import run_crawls, unhealthy

    spider_args = _split_pairs(args, "-a")
    overrides: dict[str, Any] = _split_pairs(sets, "-s")
    settings = _settings(overrides)
    _alert_receivers(settings)  # a bad alert configuration fails before the crawl
    from govspider.spiderloader import PluginSpiderLoader

    known = PluginSpiderLoader(settings).list()
    if spider not in known:
        raise Failure(f"unknown spider {spider!r} (available: {', '.join(sorted(known)) or 'none'})")
    if "accounts" in spider_args:
        _registry_path(spider_args["accounts"])  # fail early, in one line
    check = getattr(PluginSpiderLoader(settings).load(spider), "check_arguments", None)
    if check is not None:  # a spider's own arguments (e.g. web's urls=FILE), also in one line
        try:
            check(settings, spider_args)
        except ValueError as exc:
            raise Failure(str(exc)) from None
    if sandbox:
        from govspider.sandbox.server import SandboxServer

        with SandboxServer(seed=seed, size=size) as server:
            spider_args.setdefault("accounts", str(server.registry_path))
            settings.setdict(server.settings, priority="cmdline")
            stats = run_crawls([spider], settings, spider_args)
    else:
        stats = run_crawls([spider], settings, spider_args)
    click.echo(json.dumps(stats, ensure_ascii=False, default=str))
    bad = unhealthy(stats)
    if bad:
        _alert_unhealthy(settings, stats, bad)
    for name, failed in bad.items():
        reason = stats[name].get("finish_reason")
        raise CrawlUnhealthy(f"the {name} crawl failed its health checks ({'; '.join(failed)}; "
                             f"finish reason: {reason}); see its log and crawl_runs")


def _check_storable(doc: dict[str, Any], where: str) -> None:
    """One-line :class:`Failure` when MongoDB (BSON) cannot store ``doc`` (an integer beyond
    64 bits, a key that is not text...): checked before anything is written."""
    import bson

    try:
        bson.encode(doc)
    except (bson.errors.InvalidDocument, OverflowError, TypeError, ValueError) as exc:
        raise Failure(f"{where}: a value cannot be stored ({' '.join(str(exc).split())[:160]})"
                      ) from None


# ------------------------------------------------------------------------------ accounts
@main.group()
def accounts() -> None:
    """Manage the account registry (units, their accounts and official apps)."""


@accounts.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def accounts_import(file: str) -> None:
    """Load the account registry (YAML or CSV) into the corpus.

    All or nothing: the whole file is checked before anything is written, and an import that
    fails or is interrupted (Ctrl-C, SIGTERM) half way is undone.
    """
    reg = _registry_path(file)
    for i, unit in enumerate(reg.to_dict()["units"]):
        _check_storable(unit | {"imported_at": datetime.now()}, f"{file}: units[{i}]")
    with _connect() as conn:
        counts = _import_all_or_nothing(conn.db, reg)
    click.echo(f"imported {counts['units']} units, {counts['accounts']} accounts, "
               f"{counts['apps']} apps from {file}")


#: The fields ``import_registry`` writes on an account document.
_STUB_FIELDS = ("platform", "platform_id", "unit", "region", "region_name", "first_seen_at", "name")


def _in_chunks(collection: Any, ids: list[str], projection: Any = None) -> dict[str, Any]:
    found = {}
    for i in range(0, len(ids), 1000):
        for doc in collection.find({"_id": {"$in": ids[i:i + 1000]}}, projection):
            found[doc["_id"]] = doc
    return found


def _import_all_or_nothing(db: Any, reg: Any) -> dict[str, int]:
    """``import_registry`` that leaves the corpus as it was when it does not complete."""
    import signal
    import threading

    from govspider.storage.registry_store import import_registry

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


def _undo_or_say(undo: Any) -> None:
    try:
        undo()
    except Exception as exc:  # noqa: BLE001 - the database went away while undoing
        raise Failure(f"the import failed half way and could not be undone "
                      f"({type(exc).__name__}); run it again to complete it") from None


# ------------------------------------------------------------------------------ metrics
@main.group()
def metrics() -> None:
    """Account metrics (follower time series)."""


@metrics.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def metrics_import(file: str) -> None:
    """Import earlier follower observations (JSON lines of account_metrics items).

    For history recorded before govspider, or by another tool: each line is
    {"account_id": "weibo:...", "at": ISO 8601, "followers": N, ...}. Nothing is written when
    a line is bad.
    """
    from govspider.items import AccountMetrics, item_from_dict
    from govspider.storage import CorpusWriter

    lines = read_text(file).splitlines()
    points = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row = json_line(line, f"{file}:{n}")
        if not isinstance(row, dict):
            raise Failure(f"{file}:{n}: an account_metrics row is a JSON object")
        try:
            row.setdefault("item_type", "account_metrics")
            point = item_from_dict(row)
        except (ValueError, TypeError, AttributeError) as exc:
            raise Failure(f"{file}:{n}: not an account_metrics row ({exc})") from None
        if not isinstance(point, AccountMetrics) or not isinstance(point.at, datetime) \
                or not isinstance(point.account_id, str) or not point.account_id:
            raise Failure(f"{file}:{n}: an account_metrics row needs 'account_id' (text) and "
                          f"'at' (an ISO 8601 time)")
        point._id = point._id or f"{point.account_id}@{point.at.isoformat()}"
        _check_storable(point.to_dict(), f"{file}:{n}")
        points.append(point)
    with _connect() as conn:
        stats = CorpusWriter(conn.db, crawl_id="import").write(points)
    click.echo(f"imported {stats.total()} metric points from {file}")


# ------------------------------------------------------------------------------ db
@main.group()
def db() -> None:
    """The corpus database: serve the embedded one, migrate, check, document."""


@db.command("serve")
@click.option("--port", default=27017, show_default=True, help="TCP port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True)
def db_serve(port: int, host: str) -> None:
    """Serve the embedded corpus on a MongoDB port for mongosh / Compass / pymongo."""
    import time

    from govspider.storage.embedded import EmbeddedServer, EmbeddedServerError

    settings = _settings()
    if os.environ.get("MONGODB_URI"):
        raise Failure("MONGODB_URI is set: the corpus is already served by that MongoDB")
    server = EmbeddedServer(settings.get("GOVSPIDER_DATA_DIR"), port=port, host=host)
    try:
        uri = server.start()
    except EmbeddedServerError as exc:
        raise Failure(str(exc)) from None
    if not server.owned and server.port != port:
        click.echo(f"note: this data directory is already served on port {server.port}", err=True)
    click.echo(f"Serving {Path(settings.get('GOVSPIDER_DATA_DIR')).resolve()} at {uri}")
    click.echo(f"  mongosh '{uri}'   # then: use govspider; db.posts.findOne()")
    click.echo("Press Ctrl-C to stop.")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:  # SIGTERM and SIGHUP raise Terminated: exit 143 / 129
        pass
    finally:
        server.stop()


@db.command("migrate")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def db_migrate(dry_run: bool) -> None:
    """Bring the corpus to the current schema version (see docs/data-model.md).

    Idempotent: a second run changes nothing. Each step prints the documents it looked at and
    changed, by field (`-name`: removed). The validators are applied at the end.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from govspider.storage.migrate import migrate
    from govspider.storage.schema import (
        SCHEMA_VERSION,
        SchemaVersionError,
        check_not_newer,
        check_validation,
        stored_version,
    )

    settings = _settings()
    try:
        validation = check_validation(settings.get("GOVSPIDER_SCHEMA_VALIDATION") or "warn")
    except ValueError as exc:
        raise Failure(str(exc)) from None
    console = Console(stderr=True)
    with _connect(settings, indexes=False) as conn:
        version = stored_version(conn.db)
        if version is None:
            click.echo(f"database {conn.db.name!r} holds no corpus: nothing to migrate")
            return
        try:
            check_not_newer(conn.db, version)
        except SchemaVersionError as exc:
            raise Failure(str(exc)) from None
        with Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                      console=console, transient=True) as bar:
            def progress(step: str, total: int) -> Any:
                task = bar.add_task(step, total=max(total, 1))
                return lambda n: bar.advance(task, n)

            result = migrate(conn.db, dry_run=dry_run, progress=progress,
                             base_url=settings.get("WEB_BASE_URL") or "", validation=validation)
    for step in result.results:
        click.echo(step.line(dry_run))
    if dry_run:
        click.echo(f"dry run: schema version {version} -> {SCHEMA_VERSION}, "
                   f"{result.changed:,} documents would change; nothing written")
    elif version < SCHEMA_VERSION or result.changed:
        click.echo(f"schema version {version} -> {SCHEMA_VERSION}: "
                   f"{result.changed:,} documents changed; validators applied")
    else:
        click.echo(f"already at schema version {SCHEMA_VERSION}: nothing to change")


@db.command("dictionary")
@click.option("--out", type=click.Path(dir_okay=False), help="Write it to FILE (default: print).")
@click.option("--check", is_flag=True,
              help="Exit 1 when --out FILE differs from what the code generates.")
@click.option("--json", "as_json", is_flag=True, help="Print the validators ($jsonSchema) as JSON.")
def db_dictionary(out: str | None, check: bool, as_json: bool) -> None:
    """The data dictionary (docs/data-dictionary.md), generated from the item classes, the
    storage records and the platforms' field declarations."""
    from govspider.datamodel import render_markdown, validators

    if check and not out:
        raise Failure("--check needs --out FILE")
    text = (json.dumps(validators(), ensure_ascii=False, indent=1) + "\n") if as_json \
        else render_markdown()
    if not out:
        click.echo(text, nl=False)
        return
    path = Path(out)
    if check:
        try:
            current = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise Failure(f"cannot read {out}: {exc.strerror}") from None
        if current != text:
            raise CheckFailed(f"{out} differs from the generated dictionary: run "
                                 f"`govspider db dictionary --out {out}`")
        click.echo(f"{out} is up to date")
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"wrote {out}")


@db.command("check")
@click.option("--limit", default=20, show_default=True, help="Problems shown per collection.")
def db_check(limit: int) -> None:
    """Check every stored document against the data dictionary (fields, platforms' keys,
    required fields); exit 1 when some document breaks it."""
    from collections import Counter

    from govspider.datamodel import check_document, collections
    from govspider.storage.schema import SCHEMA_VERSION, stored_version

    bad = 0
    with _connect(indexes=False) as conn:  # a check writes nothing
        version = stored_version(conn.db)
        click.echo(f"schema version {version if version is not None else '-'} "
                   f"(this govspider writes {SCHEMA_VERSION})")
        names = set(conn.db.list_collection_names())
        for name in collections():
            if name not in names:
                continue
            problems: Counter[str] = Counter()
            checked = 0
            for doc in conn.db[name].find():
                checked += 1
                problems.update(check_document(name, doc))
            bad += sum(problems.values())
            click.echo(f"{name}: {checked:,} documents, "
                       f"{sum(problems.values()):,} problems")
            for problem, n in problems.most_common(limit):
                click.echo(f"  {n:,} x {problem}")
    if bad:
        raise CheckFailed(f"{bad:,} problems: the corpus does not follow the data dictionary "
                             "(an older corpus: `govspider db migrate`)")


def _add_optional_commands() -> None:
    """Commands whose modules are optional or heavy are imported lazily."""
    from govspider.commands import register

    register(main)


_add_optional_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
