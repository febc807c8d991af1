"""``SandboxServer``: the sandbox in a subprocess, for tests, the demo and benchmarks.

    with SandboxServer(seed=7, size="small", now="2026-11-20T12:00:00+08:00") as sb:
        run_spider(settings=sb.settings)          # <PLATFORM>_BASE_URL=http://127.0.0.1:PORT/<prefix> ...
        truth = json.loads(sb.ground_truth_path.read_text())
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from govspider.procs import child_dies_with_us


class SandboxError(RuntimeError):
    """The sandbox subprocess did not start (the message carries its log tail)."""


class SandboxServer:
    """Runs ``python -m govspider.sandbox`` on a free port until stopped.

    ``troubles``: ``None``/``"off"`` (clean data), ``"default"``, a dict (see
    :func:`govspider.sandbox.core.load_troubles`) or a YAML file path.
    Attributes once started: ``url``, ``settings`` (base-URL settings and ``GOVSPIDER_NOW``),
    ``world`` (the same world in-process), ``registry_path``, ``ground_truth_path``.
    """

    def __init__(self, seed: int = 7, size: str | dict[str, Any] = "small",
                 now: str | datetime | None = None, troubles: None | str | dict[str, Any] | Path = None,
                 generation: int = 0, host: str = "127.0.0.1", port: int = 0,
                 workdir: str | Path | None = None, startup_timeout: float = 90.0):
        self.seed, self.size, self.generation = seed, size, generation
        self.now = now.isoformat() if isinstance(now, datetime) else now
        self.troubles = troubles
        self.host, self.port = host, port
        self.startup_timeout = startup_timeout
        self._own_dir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="govspider-sandbox-"))
        self.registry_path = self.workdir / "registry.yaml"
        self.ground_truth_path = self.workdir / "ground_truth.json"
        self.log_path = self.workdir / "sandbox.log"
        self.url: str = ""
        self.settings: dict[str, str] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._world: Any = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SandboxServer:
        if self.proc is not None:
            return self
        self.workdir.mkdir(parents=True, exist_ok=True)
        ready = self.workdir / "ready.json"
        ready.unlink(missing_ok=True)
        size = self.size
        if isinstance(size, dict):  # the same world parameters, whatever the platforms
            size = json.dumps(size)
        troubles = self.troubles
        if troubles is None:
            troubles = "off"
        elif isinstance(troubles, dict):
            path = self.workdir / "troubles.yaml"
            path.write_text(yaml.safe_dump(troubles), encoding="utf-8")
            troubles = str(path)
        cmd = [sys.executable, "-m", "govspider.sandbox", "--host", self.host, "--port", str(self.port),
               "--seed", str(self.seed), "--size", str(size), "--generation", str(self.generation),
               "--troubles", str(troubles), "--write-registry", str(self.registry_path),
               "--write-ground-truth", str(self.ground_truth_path), "--ready-file", str(ready)]
        if self.now:
            cmd += ["--now", self.now]
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        # the sandbox dies with this process, even when it is killed with SIGKILL (Linux)
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=child_dies_with_us())  # noqa: PLW1509
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if ready.exists():
                info = json.loads(ready.read_text(encoding="utf-8"))
                self.url, self.settings = info["url"], dict(info["settings"])
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        self.stop()
        raise SandboxError(f"the sandbox did not start (exit {self.proc and self.proc.returncode}): {tail}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None

    def cleanup(self) -> None:
        """Stop, and remove the working directory when it was created here."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # ------------------------------------------------------------------ helpers
    @property
    def world(self) -> Any:
        """The same world as the server's, generated in this process."""
        if self._world is None:
            # imported here: `govspider crawl` imports this module, and a crawl loads no
            # sandbox world
            from govspider.sandbox.world import World

            self._world = World(seed=self.seed, size=self.size, now=self.now, generation=self.generation)
            if self.url:
                self._world.base_url = self.url
        return self._world

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def get(self, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
        """GET ``path`` from the server: (status, body)."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as resp:  # noqa: S310
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def stats(self) -> dict[str, Any]:
        """Counts of the troubles served so far."""
        return json.loads(self.get("/_sandbox/stats")[1])

    def scrapy_args(self) -> list[str]:
        """``-s KEY=VALUE`` arguments for ``scrapy crawl``."""
        return [arg for k, v in self.settings.items() for arg in ("-s", f"{k}={v}")]


