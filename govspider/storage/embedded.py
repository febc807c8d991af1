"""The embedded MongoDB-compatible server (SecantusDB), run as its own process.

SecantusDB is GPL-2.0, so govspider never imports it: it runs the ``secantusd-py`` command of
the ``embedded`` extra and talks to it through pymongo over TCP, like any MongoDB.

One server serves one data directory. Its pid and port are written next to the data
(``mongo.json``), so a second govspider process on the same directory reuses the running server
instead of failing on the WiredTiger lock. Every govspider process using the server holds a lease
(``mongo.users/PID.TOKEN``); the server runs under a small supervisor
(:mod:`govspider.storage._supervisor`) that stops it when the last lease is released or its
process is gone, so neither a finishing crawl stops the server under another one, nor a killed
govspider process (even by SIGKILL) leaves the server running.
"""

from __future__ import annotations

import atexit
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
import uuid
from pathlib import Path

from govspider.storage._supervisor import alive, live_leases

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


_alive = alive


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _answers(host: str, port: int, timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


class EmbeddedServer:
    """Start (or attach to) the embedded server for ``data_dir``; :meth:`stop` detaches.

    The server stops when the last govspider process using it detaches (or dies).
    """

    def __init__(self, data_dir: str | Path, port: int = 0, host: str = "127.0.0.1",
                 startup_timeout: float = 60.0):
        self.data_dir = Path(data_dir).resolve()
        self.storage = self.data_dir / "mongo"
        self.state_file = self.data_dir / "mongo.json"
        self.leases = self.data_dir / "mongo.users"
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        #: the supervisor process, when this object started the server
        self.process: subprocess.Popen[bytes] | None = None
        #: True when this object started the server (False when it attached to a running one)
        self.owned = False
        self.lease: Path | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def _lock(self) -> contextlib.AbstractContextManager[object]:
        @contextlib.contextmanager
        def locked():  # type: ignore[no-untyped-def]
            with open(self.data_dir / "mongo.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                yield lock
        return locked()

    def start(self) -> str:
        """Start the server, or attach to the one already serving this directory."""
        if self.lease is not None:
            return self.uri
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.leases.mkdir(exist_ok=True)
        with self._lock():
            running = self._running()
            self.lease = self.leases / f"{os.getpid()}.{uuid.uuid4().hex[:12]}"
            self.lease.touch()
            atexit.register(self.stop)
            if running:
                self.host, self.port = running
                logger.info("Using the embedded server already running on %s:%s", *running)
                return self.uri
            try:
                self._spawn()
            except BaseException:
                self._release()
                raise
        return self.uri

    def _read_state(self) -> dict[str, object] | None:
        try:
            state = json.loads(self.state_file.read_text())
            int(state["pid"]), int(state["port"]), str(state["host"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return state  # type: ignore[no-any-return]

    def _running(self) -> tuple[str, int] | None:
        """The running server of this directory; a stale state left by a killed run is cleared."""
        state = self._read_state()
        if state is None:
            if self.state_file.exists():
                logger.warning("Removed an unreadable %s", self.state_file)
                self.state_file.unlink(missing_ok=True)
            return None
        pid, host, port = int(state["pid"]), str(state["host"]), int(state["port"])  # type: ignore[call-overload]
        supervisor = int(state.get("supervisor") or 0)  # type: ignore[call-overload]
        if _alive(pid) and supervisor and _alive(supervisor) and _answers(host, port):
            return host, port
        if _alive(pid):
            # a server without its supervisor (or that does not answer): left by a killed run
            logger.warning("Stopping the embedded server (pid %s, port %s) left running by a "
                           "killed govspider run", pid, port)
            for target in (supervisor, pid):
                if target and _alive(target):
                    with contextlib.suppress(OSError):
                        os.kill(target, signal.SIGTERM)
            if not _wait_gone(pid, 20):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, 5)
        else:
            logger.warning("Recovered the stale lock of a killed govspider run (its embedded "
                           "server, pid %s, no longer runs)", pid)
        self.state_file.unlink(missing_ok=True)
        live_leases(self.leases)  # drop the leases of dead processes
        return None

    def _spawn(self) -> None:
        if not self.port:
            self.port = free_port(self.host)
        log_path = self.data_dir / "mongo.log"
        pid_file = self.data_dir / "mongo.server.pid"
        pid_file.unlink(missing_ok=True)
        cmd = [find_command(), "--host", self.host, "--port", str(self.port),
               "--storage-path", str(self.storage), "--log-level", "WARNING", "--standalone"]
        logger.info("Starting the embedded MongoDB-compatible server: %s", " ".join(cmd))
        supervisor = [sys.executable, str(Path(__file__).with_name("_supervisor.py")),
                      str(self.data_dir), "--", *cmd]
        with open(log_path, "ab") as log:
            # its own session: a Ctrl-C in the terminal reaches govspider, which then detaches
            self.process = subprocess.Popen(supervisor, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-400:].strip().splitlines()[-1:] or [""]
                self.process = None
                raise EmbeddedServerError(
                    f"the embedded server exited at start: {tail[0]} (log: {log_path})")
            if pid_file.exists() and _answers(self.host, self.port, 0.5):
                break
            time.sleep(0.1)
        else:
            self._terminate(self.process.pid, None)
            self.process = None
            raise EmbeddedServerError(f"the embedded server did not answer within "
                                      f"{self.startup_timeout:.0f}s (log: {log_path})")
        self.owned = True
        self.state_file.write_text(json.dumps(
            {"pid": int(pid_file.read_text()), "supervisor": self.process.pid,
             "host": self.host, "port": self.port}))

    def _terminate(self, supervisor: int, server: int | None, timeout: float = 25.0) -> None:
        with contextlib.suppress(OSError):
            os.kill(supervisor, signal.SIGTERM)
        proc = self.process if self.process is not None and self.process.pid == supervisor else None
        try:
            if proc is not None:
                proc.wait(timeout)
            elif not _wait_gone(server or supervisor, timeout):
                raise subprocess.TimeoutExpired("secantusd-py", timeout)
        except subprocess.TimeoutExpired:
            logger.warning("The embedded server did not stop within %ss; killing it", timeout)
            for pid in (server, supervisor):
                if pid:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
            if proc is not None:
                proc.wait(5)
        if server:
            _wait_gone(server, 5)

    def _release(self) -> None:
        lease, self.lease = self.lease, None
        if lease is not None:
            lease.unlink(missing_ok=True)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def stop(self, timeout: float = 20.0) -> None:
        """Detach; stop the server when no other govspider process uses it (data stays on disk)."""
        if self.lease is None:
            return
        with self._lock():
            self._release()
            others = live_leases(self.leases)
            state = self._read_state()
            if others:
                if state is not None:
                    logger.info("The embedded server keeps running for %d other govspider "
                                "process(es)", len(others))
                return
            if state is not None:
                self._terminate(int(state.get("supervisor") or state["pid"]),  # type: ignore[call-overload]
                                int(state["pid"]), timeout)  # type: ignore[call-overload]
                self.state_file.unlink(missing_ok=True)
            elif self.process is not None and self.process.poll() is None:
                self._terminate(self.process.pid, None, timeout)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(1)
        self.process, self.owned = None, False

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
