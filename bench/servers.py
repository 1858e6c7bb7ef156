"""Throw-away installations and granian servers for the benches that serve HTTP.

``prepare_database`` makes a fresh SQLite data dir or PostgreSQL database; ``Server`` runs one
granian process group with the flags of ``zhengyi serve`` and can kill it whole.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from loadgen import HOST

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_TIMEOUT = 90.0
SERVE_THREADS = 16  # zhengyi serve's --blocking-threads (APP_THREADS in its command)
SERVE_WORKERS = os.cpu_count() or 1  # zhengyi serve's default --workers (default_workers())


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- database


@dataclass
class Database:
    """Where the throw-away installation keeps its data, and how to read it back directly."""

    url: str  # "" for SQLite
    sqlite_path: Path | None
    label: str

    def connect(self) -> contextlib.AbstractContextManager[Any]:
        if self.sqlite_path is not None:
            return contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30))
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if self.sqlite_path is None:
            sql = sql.replace("?", "%s")
        with self.connect() as conn:
            cur = conn.cursor()
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description is not None else []


def prepare_database(url: str, data_dir: Path, stack: contextlib.ExitStack) -> Database:
    if not url:
        return Database("", data_dir / "zhengyi.sqlite3", f"SQLite (WAL) {data_dir / 'zhengyi.sqlite3'}")
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"--database-url: only postgres:// URLs are supported, got {parts.scheme!r}")
    import psycopg

    if parts.path.strip("/"):
        return Database(url, None, f"PostgreSQL database {parts.path.strip('/')!r} (given, kept)")
    name = f"zhengyi_bench_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    stack.callback(drop)
    return Database(urlunsplit(parts._replace(path=f"/{name}")), None, f"PostgreSQL {name} (fresh)")


def server_env(data_dir: Path, db: Database) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        ZHENGYI_DATA_DIR=str(data_dir),
        DATABASE_URL=db.url,
        ZHENGYI_ALLOW_DEMO_ACCOUNTS="1",
        ZHENGYI_LOG_LEVEL="WARNING",
        ZHENGYI_LOG_FORMAT="text",
        ZHENGYI_DEBUG="0",
    )
    return env


def zhengyi(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [tool("zhengyi"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"zhengyi {' '.join(args)} failed (exit {proc.returncode})")
    return proc.stdout


# --------------------------------------------------------------------------- servers


def process_group_cpu(pgid: int) -> float:
    """User + system CPU seconds of every live process of a group (Linux /proc), 0 elsewhere."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:  # fields[0] is the state; pgrp is the 5th field of stat
                total += int(fields[11]) + int(fields[12])
    return total / tick


class Server:
    """One granian process group; started in its own session so it can be killed whole."""

    def __init__(
        self,
        name: str,
        app: str,
        port: int,
        env: dict[str, str],
        cwd: Path,
        workers: int,
        log: Path,
        threads: int = SERVE_THREADS,
    ):
        self.name, self.app, self.port, self.env, self.cwd, self.workers = name, app, port, env, cwd, workers
        self.threads = threads
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def argv(self) -> list[str]:
        # The flags of `zhengyi serve` (zhengyi/core/management/commands/serve.py).
        return [
            tool("granian"),
            "--interface",
            "wsgi",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--blocking-threads",
            str(self.threads),
            self.app,
        ]

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def cpu(self) -> float:
        return process_group_cpu(self.proc.pid) if self.proc else 0.0

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise SystemExit(f"{self.name} server exited during start-up:\n{self.log_tail()}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.1)
        raise SystemExit(f"{self.name} server not ready after {READY_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def exceptions(self) -> Counter[str]:
        """The exceptions behind the 5xx replies, from the server's log (Django logs each one)."""
        found: Counter[str] = Counter()
        with contextlib.suppress(OSError):
            for line in self.log_path.read_text(errors="replace").splitlines():
                name, sep, rest = line.partition(": ")
                if sep and name.replace(".", "").isidentifier() and name.endswith(("Error", "Exception")):
                    found[f"{name}: {rest.split(' status_code=')[0][:100]}"] += 1
        return found

    def kill(self) -> None:
        """SIGKILL the whole group: no graceful shutdown, in-flight requests die with it."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # workers left behind by the master
        self.proc.wait()
        self.proc = None
