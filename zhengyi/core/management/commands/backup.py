"""zhengyi backup FILE.zip — a consistent copy of the embedded database, made while it serves."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from zhengyi.core import backup


def sqlite_database() -> Path:
    if connection.vendor != "sqlite":
        raise CommandError(
            "数据库是 PostgreSQL：请用 pg_dump 备份 / the database is PostgreSQL: back it up with pg_dump "
            "(docs/production.md, Backups)"
        )
    return Path(settings.DATABASES["default"]["NAME"])


class Command(BaseCommand):
    help = "备份数据库（服务运行中亦可）/ back up the embedded SQLite database (while it serves)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="备份文件（.zip）/ the backup file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["file"]).resolve()
        if out.exists():
            raise CommandError(f"{out} 已存在，不覆盖 / {out} exists: choose another name")
        if not out.parent.is_dir():
            raise CommandError(f"没有目录 {out.parent} / no folder {out.parent}")
        try:
            manifest = backup.make(sqlite_database(), out)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        c = manifest.contents
        cp = "none" if c.checkpoint_size is None else f"{c.checkpoint_size}"
        self.stdout.write(
            f"已备份 / backed up: {out} ({manifest.size:,} bytes, {len(c.tables)} tables, "
            f"{sum(c.tables.values()):,} rows; ledger {c.ledger_size:,} entries, newest checkpoint {cp}; "
            f"SHA-256 {manifest.sha256[:16]}…)"
        )
        self.stdout.write(
            "密钥不在备份中 / keys are not in the backup: keep ledger.key and secret_key from the data dir "
            "separately (docs/production.md)"
        )
