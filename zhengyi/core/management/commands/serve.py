"""zhengyi serve — start the app server (WSGI) and the stream server (ASGI), and watch both.

Pages and the API run on granian's WSGI workers; the command board's live push runs on a
second granian in ASGI mode (``zhengyi.asgi_stream``), so no open board holds a request
thread (DESIGN §5). The two are one service: if either stops, the other is stopped too and
the command fails, so a supervisor (systemd, a container runtime) restarts both.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from zhengyi.core.checks import demo_accounts_guard
from zhengyi.ledger.checks import ledger_guard

STOP_GRACE_SECONDS = 10.0
STREAMS_PER_WORKER = 10_000


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM, a grace period, then SIGKILL to whatever is left of each server's group.

    Each server runs in its own process group (its granian main and workers), so a worker
    orphaned by a main that died is found and stopped too, and nothing is left holding a port.
    """
    for process in processes:
        if process.poll() is None:
            process.terminate()  # granian's main stops its workers gracefully
        else:
            _signal_group(process, signal.SIGTERM)  # workers orphaned by a main that died
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
    for process in processes:
        _signal_group(process, signal.SIGKILL)
        process.wait()


def supervise(commands: dict[str, list[str]], env: dict[str, str], poll: float = 0.2) -> str | None:
    """Run every command until one exits or SIGINT/SIGTERM arrives, then stop them all.

    Returns ``None`` after a requested stop, else a sentence naming the one that exited. The
    servers run in their own sessions, so Ctrl-C reaches only this process, which stops them
    in order rather than racing the terminal's signal.
    """
    stop_requested: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop_requested.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    running: dict[str, subprocess.Popen[bytes]] = {}
    exited: str | None = None
    try:
        for name, argv in commands.items():
            running[name] = subprocess.Popen(argv, env=env, start_new_session=True)
        while not stop_requested and exited is None:
            for name, process in running.items():
                code = process.poll()
                if code is not None:
                    exited = f"{name} server exited with status {code}"
                    break
            else:
                time.sleep(poll)
    finally:
        _stop(list(running.values()))
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exited


# Request threads per worker. An upstream 110 call waits for the group commit that holds it
# (zhengyi.alerts.services.intake_writer), and the calls that wait together share one commit:
# with 4 threads a commit held at most 4 calls; with 16, intake went from 0.080× to 0.10× of
# the minimal Django view, p99 from 108 to 84 ms, and that view itself did not gain from
# fewer (bench/alert_intake.py --threads; docs/performance.md).
APP_THREADS = 16


def default_workers() -> int:
    """One page worker per CPU unless WORKERS says otherwise. One process's request threads
    share one interpreter lock: on this 2-core machine a second worker took intake from 0.080×
    to 0.105× of the minimal view, with every acknowledged alert found (docs/performance.md)."""
    return int(os.environ.get("WORKERS") or os.cpu_count() or 1)


class Command(BaseCommand):
    help = "启动服务 / serve the platform: pages over WSGI and the board's live push over ASGI (granian)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="页面进程数（默认为处理器核数）/ page worker processes (default: one per CPU)",
        )
        parser.add_argument(
            "--stream-port",
            type=int,
            default=_env_int("STREAM_PORT"),
            help="推送服务端口（默认 --port + 1）/ port of the stream server (default: --port + 1)",
        )
        parser.add_argument(
            "--stream-workers",
            type=int,
            default=int(os.environ.get("STREAM_WORKERS", "1")),
            help="推送服务进程数 / stream server processes (each holds thousands of streams)",
        )
        parser.add_argument(
            "--allow-demo-accounts",
            action="store_true",
            help="允许在存在演示账户时启动（仅用于演示）/ start even though demo accounts exist",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            demo_accounts_guard(allow=options["allow_demo_accounts"] or None)
            ledger_guard()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or shutil.which("granian")
        if granian is None:
            raise CommandError("找不到 granian：请先运行 make install")
        host, port = options["host"], options["port"]
        stream_port = options["stream_port"] or port + 1
        if stream_port == port:
            raise CommandError("--stream-port 不能与 --port 相同 / the stream port must differ from the port")
        env = dict(os.environ)
        if options["allow_demo_accounts"]:
            env["ZHENGYI_ALLOW_DEMO_ACCOUNTS"] = "1"
        if not settings.STREAM_URL:
            # The pages point the board at this host's stream port (see zhengyi.core.streaming).
            env["ZHENGYI_STREAM_PORT"] = str(stream_port)
        common = ["--host", host, "--no-ws"]
        commands = {
            "app": [
                granian,
                "--interface",
                "wsgi",
                *common,
                "--port",
                str(port),
                "--workers",
                str(options["workers"]),
                "--blocking-threads",
                str(APP_THREADS),
                "zhengyi.wsgi:application",
            ],
            "stream": [
                granian,
                "--interface",
                "asgi",
                *common,
                "--port",
                str(stream_port),
                "--workers",
                str(options["stream_workers"]),
                # Streams are resumable (Last-Event-ID), so a stop need not wait out their minute.
                "--workers-kill-timeout",
                "3",
                # Each open board is one request for up to a minute; granian's default cap
                # (backlog / workers = 1024) would queue the 1025th board until one ends.
                "--backpressure",
                str(STREAMS_PER_WORKER),
                "zhengyi.asgi_stream:application",
            ],
            # Background work: guard teams go on and off duty as their rosters say, with
            # nobody clicking (state in the database, so any number of app servers is fine).
            "duty": [sys.executable, "-m", "zhengyi.cli", "alliances", "sync-duty", "--every", "60"],
        }
        self.stdout.write(
            f"正义街1号 · Zhengyi: http://{host}:{port}/  (指挥板推送 / board stream: port {stream_port})"
        )
        sys.stdout.flush()
        exited = supervise(commands, env)
        if exited is not None:
            raise CommandError(f"{exited}; the other server was stopped too")
