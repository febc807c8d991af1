"""Processes and signals (issue 14, issue 17 item 2), with real processes and real signals.

SIGTERM and SIGHUP stop a govspider command and its children as Ctrl-C does; a govspider process
killed with SIGKILL leaves no child behind; several processes share one data directory and the
server stops only when the last one is gone; a stale lock from a killed run is recovered.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest

from govspider.storage.embedded import find_command

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    """Nothing listens on ``port`` (connections in TIME_WAIT do not count, as for a server)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def processes(*needles: str) -> list[int]:
    """Pids of the live processes whose command line contains every needle (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and all(n in cmdline for n in needles):
            found.append(int(entry.name))
    return found


def servers(data: Path) -> list[int]:
    """The secantusd-py processes serving ``data`` (not their supervisor)."""
    supervisors = set(processes("_supervisor.py", str(data)))
    return [p for p in processes("secantusd-py", str(data / "mongo")) if p not in supervisors]


def describe(pids: list[int], log: Path | None = None) -> str:
    """What a process that should have exited is doing, for an assertion message."""
    parts = []
    for pid in pids:
        try:
            status = dict(line.split(":\t", 1) for line in
                          Path(f"/proc/{pid}/status").read_text().splitlines() if ":\t" in line)
            wchan = Path(f"/proc/{pid}/wchan").read_text()
            threads = len(list(Path(f"/proc/{pid}/task").iterdir()))
        except OSError:
            continue
        fields = " ".join(f"{k}={status.get(k, '?').strip()}"
                          for k in ("State", "PPid", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"))
        parts.append(f"pid {pid}: {fields} wchan={wchan} threads={threads}")
    if log is not None and log.exists():
        parts.append("log tail: " + log.read_text(errors="replace")[-1500:])
    return "; ".join(parts)


def gone(pids_of: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pids_of():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def env_for(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "GOVSPIDER_DATA_DIR")}
    env["GOVSPIDER_DATA_DIR"] = str(data)
    return env


def answers(port: int, timeout: float = 60.0) -> pymongo.MongoClient:
    client: pymongo.MongoClient = pymongo.MongoClient(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=int(timeout * 1000))
    client.admin.command("ping")
    return client


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    for pid in servers(path) + processes("_supervisor.py", str(path)):  # never leak into other tests
        os.kill(pid, signal.SIGKILL)


def block_termination_signals() -> None:
    """preexec_fn: start the child as a thread that had blocked SIGTERM, SIGINT and SIGHUP would
    (the mask survives exec; in CI some library left it so in a test worker, session 10)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})


def serve(data: Path, port: int, blocked: bool = False) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "govspider.cli", "db", "serve", "--port", str(port)],
                            cwd=ROOT, env=env_for(data), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=block_termination_signals if blocked else None)  # noqa: PLW1509
    answers(port).close()
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_db_serve_stops_its_server_on_sigterm_and_sighup(data: Path, sig: signal.Signals) -> None:
    port = free_port()
    proc = serve(data, port)
    assert len(servers(data)) == 1
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig
    assert err.strip() == f"error: stopped by {sig.name}"
    assert gone(lambda: servers(data), 5), "secantusd-py outlived govspider db serve"
    assert port_free(port)
    assert not (data / "mongo.json").exists()


def test_sandbox_stops_on_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([sys.executable, "-m", "govspider.cli", "sandbox", "--port", "0",
                             "--size", "small", "--ready-file", str(ready)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    port = int(json.loads(ready.read_text())["url"].rsplit(":", 1)[1])
    assert not port_free(port)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.strip().splitlines()[-1] == "sandbox: stopped by SIGTERM"
    assert port_free(port)


def test_children_die_with_a_parent_killed_by_sigkill(data: Path, tmp_path: Path) -> None:
    # the embedded server of `govspider db serve`
    port = free_port()
    proc = serve(data, port)
    proc.kill()
    proc.wait(10)
    assert gone(lambda: servers(data), 8), "secantusd-py outlived a SIGKILLed govspider"
    assert port_free(port)
    # the sandbox of a process using SandboxServer
    script = textwrap.dedent(f"""
        from govspider.sandbox.server import SandboxServer
        sb = SandboxServer(size="small", workdir={str(tmp_path / 'sb')!r}).start()
        print(sb.pid, flush=True)
        input()
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    sandbox_pid = int(parent.stdout.readline())  # type: ignore[union-attr]
    parent.kill()
    parent.wait(10)
    assert gone(lambda: [p for p in processes("govspider.sandbox") if p == sandbox_pid], 8), \
        "the sandbox outlived a SIGKILLed parent"


USER = textwrap.dedent("""
    import sys
    from govspider.storage import connect
    conn = connect(indexes=False)
    print(conn.uri, flush=True)
    sys.stdin.readline()
    conn.db.posts.insert_one({"_id": "second"})
    print(conn.db.posts.count_documents({}), flush=True)
    conn.close()
""")


def test_two_processes_share_one_data_directory(data: Path) -> None:
    port = free_port()
    first = serve(data, port)
    second = subprocess.Popen([sys.executable, "-c", USER], cwd=ROOT, env=env_for(data),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert f":{port}/" in second.stdout.readline()  # type: ignore[union-attr]  # attached
    client = answers(port)
    client.govspider.posts.insert_one({"_id": "first"})
    client.close()
    first.send_signal(signal.SIGINT)  # the first user finishes cleanly
    first.communicate(timeout=60)
    assert first.returncode == 0
    time.sleep(1.5)  # longer than the supervisor's poll
    assert servers(data), "the first process to finish stopped the database under the second"
    out, _ = second.communicate("go\n", timeout=60)
    assert second.returncode == 0 and out.strip() == "2"
    assert gone(lambda: servers(data), 8), "the last user did not stop the server"
    assert port_free(port)


def test_stale_lock_of_a_killed_run_is_recovered(data: Path) -> None:
    # everything killed at once (govspider, the supervisor, hence the server): the state stays
    port = free_port()
    proc = serve(data, port)
    # the server answers a moment before its state file is written: wait for the file
    assert gone(lambda: not (data / "mongo.json").exists(), 30)
    state = json.loads((data / "mongo.json").read_text())
    os.kill(state["supervisor"], signal.SIGKILL)
    proc.kill()
    proc.wait(10)
    # the server gets SIGTERM when its supervisor dies and shuts down cleanly: under a full
    # parallel suite on two CPUs that once took longer than 8 s (CI, session 10)
    assert gone(lambda: servers(data), 30), \
        f"the server outlived its SIGKILLed supervisor: {describe(servers(data), data / 'mongo.log')}"
    assert (data / "mongo.json").exists()
    port2 = free_port()
    again = serve(data, port2)
    again.send_signal(signal.SIGINT)
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0
    assert "Recovered the stale lock of a killed govspider run" in err
    assert len([line for line in err.splitlines() if "stale lock" in line]) == 1


def test_server_orphaned_by_a_killed_run_is_stopped_not_reused(data: Path) -> None:
    # what a `kill -TERM` of an older govspider left: secantusd-py running on the data directory
    port = free_port()
    data.mkdir()
    orphan = subprocess.Popen([find_command(), "--host", "127.0.0.1", "--port", str(port),
                               "--storage-path", str(data / "mongo"), "--standalone",
                               "--log-level", "WARNING"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    threading.Thread(target=orphan.wait, daemon=True).start()  # reaped as init would reap it
    try:
        answers(port).close()
        (data / "mongo.json").write_text(json.dumps(
            {"pid": orphan.pid, "host": "127.0.0.1", "port": port}))
        port2 = free_port()
        proc = serve(data, port2)
        assert gone(lambda: orphan.poll() is None, 10)  # stopped, not reused
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert "left running by a killed govspider run" in err
        assert gone(lambda: servers(data), 5) and port_free(port) and port_free(port2)
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


def test_a_blocked_signal_mask_of_the_starter_is_not_inherited(data: Path, tmp_path: Path) -> None:
    # govspider started with SIGTERM blocked: its server still dies with its SIGKILLed supervisor,
    # and govspider itself still stops on SIGTERM
    port = free_port()
    proc = serve(data, port, blocked=True)
    assert gone(lambda: not (data / "mongo.json").exists(), 30)
    os.kill(json.loads((data / "mongo.json").read_text())["supervisor"], signal.SIGKILL)
    assert gone(lambda: servers(data), 30), \
        f"the server outlived its SIGKILLed supervisor: {describe(servers(data), data / 'mongo.log')}"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    # the sandbox run as a module, with the same mask
    ready = tmp_path / "ready.json"
    sandbox = subprocess.Popen([sys.executable, "-m", "govspider.sandbox", "--port", "0", "--size",
                                "small", "--ready-file", str(ready)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=block_termination_signals)  # noqa: PLW1509
    try:
        assert gone(lambda: not ready.exists() and sandbox.poll() is None, 60)
        sandbox.send_signal(signal.SIGTERM)
        _, err = sandbox.communicate(timeout=30)
        assert sandbox.returncode == 128 + signal.SIGTERM, err[-300:]
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
            sandbox.wait()
