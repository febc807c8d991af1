"""Processes and signals: SIGTERM and SIGHUP stop a govspider command as Ctrl-C does.

A govspider process that starts children (the embedded server, the sandbox, crawl subprocesses)
stops them on SIGINT, SIGTERM and SIGHUP, then exits non-zero (128 + the signal number) with one
line on stderr. On Linux its children also die with it when it is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

PR_SET_PDEATHSIG = 1

#: The signals that ask a govspider process to stop.
TERMINATION_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM or SIGHUP, so the ``finally`` blocks that stop the
    children on Ctrl-C run for these signals too (a BaseException, like KeyboardInterrupt, so
    that ``except Exception`` does not swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise_terminated(signum: int, _frame: Any) -> None:
    # a second signal while the children stop must not cut their stopping short
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_like_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Terminated` while the block runs (main thread only; a
    signal ignored on entry, such as SIGHUP under ``nohup``, stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        handler = signal.getsignal(sig)
        if handler is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, _raise_terminated)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def accept_termination_signals() -> None:
    """Unblock SIGTERM, SIGINT and SIGHUP in the calling thread.

    A blocked signal mask survives fork and exec: a process started by a thread that had blocked
    SIGTERM (a library spawning its helper, a test runner) would otherwise ignore ``kill -TERM``
    and pass the same deafness on to its children, whose death signal then never arrives. Called
    first by every govspider entry point. (An *ignored* signal, such as SIGHUP under ``nohup``,
    is left alone: that is a choice of the caller.)
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, TERMINATION_SIGNALS)


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """``preexec_fn``: the child receives ``sig`` when its parent dies (Linux), and the signal is
    not blocked in it (see :func:`accept_termination_signals`)."""
    with contextlib.suppress(Exception):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, (sig,))
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def child_dies_with_us() -> Callable[[], None] | None:
    """A ``preexec_fn`` for a child that must not outlive this process, or None.

    The death signal follows the *thread* that forked the child, so it is only set from the
    main thread (which lives as long as the process), and only on Linux.
    """
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        return die_with_parent
    return None
