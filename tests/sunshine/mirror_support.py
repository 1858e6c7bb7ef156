"""A really separate internet-side deployment for the mirror tests: its own data dir and its own
database (a copy of one migrated once per test process), driven through subprocesses running
`zhengyi …` and tests/sunshine/mirror_client.py.

On the PostgreSQL run (DATABASE_URL set, see .ci/run) each mirror gets its own database named
``zhengyi_mirror_…`` (created from a migrated template, dropped afterwards); on SQLite, a file
in its own data dir.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = Path(__file__).with_name("mirror_client.py")
_names = itertools.count()


def _pg_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@dataclass
class Mirror:
    data_dir: Path
    database: str = ""  # PostgreSQL database name; "" on SQLite
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "ZHENGYI_"))}
        env.pop("DATABASE_URL", None)
        env.update(
            ZHENGYI_DATA_DIR=str(self.data_dir),
            ZHENGYI_PUBLIC_ONLY="1",
            ZHENGYI_LEDGER_ROLE="mirror",
            DJANGO_SETTINGS_MODULE="zhengyi.settings",
        )
        if self.database:
            env["DATABASE_URL"] = _pg_url(self.database)
        env.update(self.extra_env)
        return env

    def zhengyi(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "zhengyi.cli", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def requests(self, reqs: list[dict[str, Any]]) -> list[Any]:
        done = subprocess.run(
            [sys.executable, str(CLIENT)],
            cwd=ROOT,
            env=self.env(),
            input=json.dumps(reqs),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return list(json.loads(done.stdout))

    def import_bundle(self, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.zhengyi("sunshine", "import", str(path), *extra)


@pytest.fixture(scope="session")
def mirror_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mirror]:
    """One migrated, empty mirror per test process; each test gets a copy (migrating costs ~7 s)."""
    base = Mirror(tmp_path_factory.mktemp("mirror-template"))
    if os.environ.get("DATABASE_URL"):
        base.database = f"zhengyi_mirror_tmpl_{os.getpid()}_{next(_names)}"
        _pg_admin(f'CREATE DATABASE "{base.database}"')
    done = base.zhengyi("migrate", "--noinput", "-v0")
    assert done.returncode == 0, done.stderr
    yield base
    if base.database:
        _pg_admin(f'DROP DATABASE IF EXISTS "{base.database}"')


@pytest.fixture
def mirror(mirror_template: Mirror, tmp_path: Path) -> Iterator[Mirror]:
    data_dir = tmp_path / "mirror"
    shutil.copytree(mirror_template.data_dir, data_dir)
    m = Mirror(data_dir)
    if mirror_template.database:
        m.database = f"zhengyi_mirror_{os.getpid()}_{next(_names)}"
        _pg_admin(f'CREATE DATABASE "{m.database}" TEMPLATE "{mirror_template.database}"')
    yield m
    if m.database:
        _pg_admin(f'DROP DATABASE IF EXISTS "{m.database}" WITH (FORCE)')
