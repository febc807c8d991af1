"""Keeps the embedded server alive exactly as long as a govspider process uses it.

Run by :class:`govspider.storage.embedded.EmbeddedServer` as a script (not a module: it imports
nothing from govspider, so it starts fast)::

    python _supervisor.py DATA_DIR -- secantusd-py --port ...

It starts the server as its child (Linux: the server gets SIGTERM if the supervisor dies, even
by SIGKILL) and watches the leases in ``DATA_DIR/mongo.users``, one file ``PID.TOKEN`` per
govspider process attached. A lease whose process is gone (killed with SIGKILL, say) is dropped;
when no lease is left the server is stopped. SIGTERM, SIGINT and SIGHUP stop the server at once
(the last user detaching sends SIGTERM).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
POLL = 0.5


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """preexec_fn: the child receives ``sig`` when its parent dies (Linux; a no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def alive(pid: int) -> bool:
    """The process runs (a zombie, dead but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux): trust kill(0)
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def live_leases(leases: Path, drop_dead: bool = True) -> list[Path]:
    """The lease files whose process still runs (dead ones are removed)."""
    found = []
    for lease in leases.glob("*.*"):
        try:
            pid = int(lease.name.split(".", 1)[0])
        except ValueError:
            continue
        if alive(pid):
            found.append(lease)
        elif drop_dead:
            with contextlib.suppress(OSError):
                lease.unlink()
    return found


def main(argv: list[str]) -> int:
    data_dir = Path(argv[0])
    cmd = argv[argv.index("--") + 1:]
    leases = data_dir / "mongo.users"
    state_file = data_dir / "mongo.json"
    stop = []
    termination = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    # a blocked mask is inherited through fork and exec: unblocked here, the server (our child)
    # gets its death signal and ``kill -TERM`` reaches both (govspider.procs.accept_termination_signals)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, termination)
    for sig in termination:
        signal.signal(sig, lambda signum, _frame: stop.append(signum))
    server = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)  # noqa: PLW1509
    (data_dir / "mongo.server.pid").write_text(str(server.pid))

    def shutdown() -> int:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        with contextlib.suppress(OSError, ValueError, KeyError):
            if json.loads(state_file.read_text())["supervisor"] == os.getpid():
                state_file.unlink()
        return 0

    while True:
        if stop:
            return shutdown()
        if server.poll() is not None:
            return shutdown()
        time.sleep(POLL)
        if live_leases(leases, drop_dead=False):
            continue
        # nobody uses the server any more: stop it, unless a govspider process is attaching now
        with open(data_dir / "mongo.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue
            if not live_leases(leases):
                print(f"govspider: no govspider process uses the embedded server any more; "
                      f"stopping it (pid {server.pid})", file=sys.stderr, flush=True)
                return shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
