"""``govspider sandbox``: serve the generated world of the platforms on one local port."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click
import yaml
from aiohttp import web

from govspider.sandbox.core import APP_SETTINGS, build_app
from govspider.sandbox.world import World

SIZE_HELP = ("small | medium | large | ACCOUNTSxPOSTS (e.g. 10000x100) | a JSON object of world "
             "parameters (e.g. '{\"units\": 4, \"posts_per_account\": 20}')")


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8900, show_default=True, type=int,
              help="Port to listen on (0 = a free port; the URL is printed).")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the generated world.")
@click.option("--size", default="medium", show_default=True, help=SIZE_HELP)
@click.option("--now", "now", default=None, metavar="ISO",
              help="The world's present, e.g. 2026-11-20T12:00:00+08:00 (default: that instant).")
@click.option("--generation", default=0, show_default=True, type=int,
              help="0 = the world; 1 = the same world later (some posts edited or deleted).")
@click.option("--troubles", default="off", show_default=True, metavar="off|default|FILE.yaml",
              help="Login walls, rate limits, captchas, empty bodies, truncated/slow answers.")
@click.option("--write-registry", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the world's account registry (YAML) here.")
@click.option("--write-ground-truth", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the planted cases and hard negatives (JSON) here.")
@click.option("--ready-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write {url, settings, pid} as JSON here once the server accepts connections.")
def sandbox(host: str, port: int, seed: int, size: str, now: str | None, generation: int,
            troubles: str, write_registry: Path | None, write_ground_truth: Path | None,
            ready_file: Path | None) -> None:
    """Serve a local stand-in of the platforms of the installed plugins (social platforms, app
    stores, government websites), generated from SEED. Spiders reach it through base-URL
    settings (printed)."""
    if troubles not in ("off", "default") and not Path(troubles).is_file():
        _fail(f"--troubles {troubles!r}: expected off, default or an existing YAML file")
    try:
        params: str | dict[str, Any] = json.loads(size) if size.lstrip().startswith("{") else size
        world = World(seed=seed, size=params, now=now, generation=generation)
    except ValueError as exc:
        _fail(str(exc))
    try:
        signum = asyncio.run(_serve(world, host, port, troubles, write_registry, write_ground_truth,
                                    ready_file))
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", code=1)
    except ValueError as exc:
        _fail(str(exc))
    if signum in (signal.SIGTERM, signal.SIGHUP):  # stopped, but not by the operator's Ctrl-C
        click.echo(f"sandbox: stopped by {signal.Signals(signum).name}", err=True)
        sys.exit(128 + signum)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


async def _serve(world: Any, host: str, port: int, troubles: str, write_registry: Path | None,
                 write_ground_truth: Path | None, ready_file: Path | None) -> int:
    """Serve until SIGINT, SIGTERM or SIGHUP; return the signal number."""
    app = build_app(world, troubles=troubles)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024, reuse_address=True)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    url = f"http://{shown}:{bound}"
    world.base_url = url
    settings = app[APP_SETTINGS](url) | {"GOVSPIDER_NOW": world.now.isoformat()}
    if write_registry:
        _write(write_registry, yaml.safe_dump(world.registry(url), allow_unicode=True, sort_keys=False))
    if write_ground_truth:
        _write(write_ground_truth, json.dumps(world.ground_truth(url), ensure_ascii=False, indent=1))
    click.echo(f"sandbox: {world!r}")
    click.echo(f"sandbox: serving {url}  (troubles: {troubles})")
    click.echo("settings: " + " ".join(f"-s {k}={v}" for k, v in settings.items()))
    if write_registry:
        click.echo(f"registry: {write_registry}")
    if write_ground_truth:
        click.echo(f"ground truth: {write_ground_truth}")
    # the handlers first, then the ready file: whoever starts the sandbox may stop it the moment
    # it says it is ready, and a SIGTERM before the handler would kill it uncleanly
    stop = asyncio.Event()
    received: list[int] = []
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        received.append(signum)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if sig == signal.SIGHUP and signal.getsignal(sig) is signal.SIG_IGN:
            continue  # nohup: SIGHUP stays ignored
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-POSIX
            pass
    if ready_file:
        _write(ready_file, json.dumps({"url": url, "settings": settings, "pid": os.getpid()}))
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    return received[0] if received else 0


def main() -> None:  # pragma: no cover - entry point
    from govspider.procs import accept_termination_signals

    accept_termination_signals()  # as `govspider` does: SIGTERM must reach a sandbox started by a thread that blocked it
    sandbox(prog_name="govspider sandbox")
