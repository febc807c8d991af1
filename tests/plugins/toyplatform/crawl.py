"""Crawl Toy through an in-process sandbox into MongoDB (run as a subprocess by the tests).

    python -m tests.plugins.toyplatform.crawl MONGODB_URI DATABASE WORKDIR [SEED]

Prints one JSON line: the crawl summary, the sandbox URL and the settings it was given.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from pathlib import Path

import yaml
from aiohttp import web

from .testing import install


def serve(app: web.Application) -> str:
    """Serve ``app`` on a free port from a thread of its own; its URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}"


def main(uri: str, database: str, workdir: str, seed: int = 7) -> None:
    install()
    from govspider.crawling import run_crawls
    from govspider.sandbox.core import APP_SETTINGS, build_app
    from govspider.sandbox.world import World

    world = World(seed=seed, size={"units": 3, "posts_per_account": 12})
    app = build_app(world)
    url = serve(app)
    world.base_url = url
    registry = Path(workdir) / "registry.yaml"
    registry.write_text(yaml.safe_dump(world.registry(url), allow_unicode=True), encoding="utf-8")
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "govspider.settings")
    from scrapy.utils.project import get_project_settings

    sandbox_settings = app[APP_SETTINGS](url)
    settings = get_project_settings()
    settings.setdict({**sandbox_settings, "GOVSPIDER_NOW": world.now.isoformat(), "MONGODB_URI": uri,
                      "MONGODB_DATABASE": database, "LOG_LEVEL": "WARNING",
                      "TELNETCONSOLE_ENABLED": False}, priority="cmdline")
    stats = run_crawls(["toy"], settings, {"accounts": str(registry)})
    print(json.dumps({"stats": stats, "url": url, "settings": sandbox_settings}, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], *(int(a) for a in sys.argv[4:5]))
