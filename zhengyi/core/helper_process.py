"""A helper process that runs one function on this process's behalf, one call at a time.

Why a process and not a thread: a Python process runs one thread at a time (the GIL). The
alert intake's group-commit writer runs a transaction of a handful of statements; as a thread
of the app process it waits for the GIL again after each statement while the request threads
hold it, and the request threads in turn are interrupted to let it in (docs/performance.md:
the switching cost as much as the work). A helper process has an interpreter of its own, so its
statements run on the machine's other core and it never waits for the request threads.

The helper is started on first use (so each of a server's forked workers gets its own), with
the same Python, settings and environment, and told which databases to use as this process sees
them (a test runner points them at its own). Calls and results are pickled over a socket pair;
when the helper dies or stops answering, the call raises :class:`HelperProcessError` and the
next call starts a new one. It exits when this process goes away (its end of the socket closes).

Run as ``python -m zhengyi.core.helper_process FD module:function``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

from django.db import connections
from django.utils.module_loading import import_string

READY = "ready"
# Longer than any transaction should take; a helper that has not answered by then is stuck.
ANSWER_SECONDS = 60.0
START_SECONDS = 60.0


class HelperProcessError(RuntimeError):
    """The helper process died, did not answer, or its function raised; the message says which."""


class _Raised(NamedTuple):
    """What the helper sends back when the function raised: the helper itself carries on."""

    error: str


class HelperProcess:
    """Runs ``entry`` (``"module.path:function"``) in a child Python process."""

    def __init__(self, entry: str) -> None:
        self._entry = entry
        self._conn: Connection | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def call(self, argument: Any) -> Any:
        """``function(argument)`` in the helper; raises HelperProcessError if it cannot answer."""
        with self._lock:
            conn = self._running()
            try:
                conn.send(argument)
                if not conn.poll(ANSWER_SECONDS):
                    raise HelperProcessError(f"the helper process ({self._entry}) did not answer")
                result = conn.recv()
            except (EOFError, OSError, HelperProcessError) as exc:
                self._stop()
                if isinstance(exc, HelperProcessError):
                    raise
                raise HelperProcessError(f"the helper process ({self._entry}) stopped: {exc!r}") from exc
        if isinstance(result, _Raised):
            raise HelperProcessError(f"{self._entry} raised in the helper process: {result.error}")
        return result

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def _running(self) -> Connection:
        proc, conn = self._proc, self._conn
        if conn is not None and proc is not None and self._pid == os.getpid() and proc.poll() is None:
            return conn
        self._stop()
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "zhengyi.core.helper_process", str(theirs.fileno()), self._entry],
                pass_fds=[theirs.fileno()],
                env=env,
            )
        finally:
            theirs.close()
        self._conn = conn = Connection(ours.detach())
        self._pid = os.getpid()
        try:
            conn.send({alias: dict(connections[alias].settings_dict) for alias in connections})
            if not conn.poll(START_SECONDS):
                raise HelperProcessError(f"the helper process ({self._entry}) did not start")
            ready = conn.recv()
        except (EOFError, OSError) as exc:
            self._stop()
            raise HelperProcessError(f"the helper process ({self._entry}) could not start: {exc!r}") from exc
        if ready != READY:
            self._stop()
            raise HelperProcessError(f"the helper process ({self._entry}) could not start: {ready}")
        return conn

    def _stop(self) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None and self._pid == os.getpid():
            conn.close()
        if proc is not None and self._pid == os.getpid():
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def main(argv: list[str]) -> None:
    conn = Connection(int(argv[1]))
    databases = conn.recv()
    try:
        import django

        django.setup(set_prefix=False)
        for alias, settings_dict in databases.items():
            connections[alias].settings_dict.update(settings_dict)
        function = import_string(argv[2].replace(":", "."))
    except Exception as exc:  # told to the parent, which says why it could not start
        conn.send(f"{type(exc).__name__}: {exc}")
        raise
    conn.send(READY)
    while True:
        try:
            argument = conn.recv()
        except EOFError:  # the parent went away
            return
        try:
            result = function(argument)
        except Exception as exc:  # the caller is told; the helper stays for the next call
            result = _Raised(f"{type(exc).__name__}: {exc}")
        conn.send(result)


if __name__ == "__main__":
    # Through the module's own name, so what it pickles (_Raised) is found as
    # zhengyi.core.helper_process._Raised in the parent, not as __main__._Raised.
    from zhengyi.core.helper_process import main as _main

    _main(sys.argv)
