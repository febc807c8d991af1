"""The embedded MongoDB-compatible server (SecantusDB), run as its own process.

SecantusDB is GPL-2.0, so govspider never imports it: it runs the ``secantusd-py`` command of
the ``embedded`` extra and talks to it through pymongo over TCP, like any MongoDB.

One server serves one data directory. Its pid and port are written next to the data, so a second
govspider process on the same directory reuses the running server instead of failing on the
WiredTiger lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

COMMAND = "secantusd-py"


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be found or started."""


def find_command() -> str:
    """The ``secantusd-py`` executable next to this interpreter, or on ``PATH``."""
    local = Path(sys.executable).parent / COMMAND
    if local.exists():
        return str(local)
    found = shutil.which(COMMAND)
    if not found:
        raise EmbeddedServerError(
            "the embedded MongoDB-compatible server is not installed: "
            "pip install 'govspider[embedded]', or set MONGODB_URI to use your own MongoDB")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _answers(host: str, port: int, timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


class EmbeddedServer:
    """Start (or reuse) the embedded server for ``data_dir``; :meth:`stop` stops what it started."""

    def __init__(self, data_dir: str | Path, port: int = 0, host: str = "127.0.0.1",
                 startup_timeout: float = 60.0):
        self.data_dir = Path(data_dir).resolve()
        self.storage = self.data_dir / "mongo"
        self.state_file = self.data_dir / "mongo.json"
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.owned = False

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def start(self) -> str:
        """Start the server, or attach to the one already serving this directory."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "mongo.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            running = self._running()
            if running:
                self.host, self.port = running
                logger.info("Using the embedded server already running on %s:%s", *running)
                return self.uri
            self._spawn()
        return self.uri

    def _running(self) -> tuple[str, int] | None:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        if _alive(int(state["pid"])) and _answers(state["host"], int(state["port"])):
            return state["host"], int(state["port"])
        return None

    def _spawn(self) -> None:
        if not self.port:
            self.port = free_port(self.host)
        log_path = self.data_dir / "mongo.log"
        cmd = [find_command(), "--host", self.host, "--port", str(self.port),
               "--storage-path", str(self.storage), "--log-level", "WARNING", "--standalone"]
        logger.info("Starting the embedded MongoDB-compatible server: %s", " ".join(cmd))
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-400:].strip().splitlines()[-1:] or [""]
                raise EmbeddedServerError(
                    f"the embedded server exited with code {self.process.returncode}: {tail[0]} "
                    f"(log: {log_path})")
            if _answers(self.host, self.port, 0.5):
                break
            time.sleep(0.1)
        else:
            self.stop()
            raise EmbeddedServerError(f"the embedded server did not answer within "
                                      f"{self.startup_timeout:.0f}s (log: {log_path})")
        self.owned = True
        self.state_file.write_text(json.dumps(
            {"pid": self.process.pid, "host": self.host, "port": self.port}))

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server if this object started it (data stays on disk)."""
        proc, self.process = self.process, None
        if proc is None or not self.owned:
            return
        self.owned = False
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                logger.warning("The embedded server did not stop within %ss; killing it", timeout)
                proc.kill()
                proc.wait(5)
        with contextlib.suppress(OSError):
            self.state_file.unlink()

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
