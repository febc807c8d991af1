"""The demo keeps its sandbox on a stable port, so page ids stay the same between runs."""

from __future__ import annotations

import io
import socket

from rich.console import Console

from govspider.cli.demo import _port


def test_stable_port_or_a_free_one_with_a_note() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        taken = s.getsockname()[1]
        s.listen()
        assert _port(taken, console) == 0  # taken: let the sandbox pick a free port
        assert "page ids" in out.getvalue()
    assert _port(taken, console) == taken  # free again: the stable port is used
