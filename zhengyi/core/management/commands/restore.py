"""zhengyi restore FILE.zip [--replace] — put a backup's database in place, then check it."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from zhengyi.core import backup
from zhengyi.core.management.commands.backup import sqlite_database


def _signed(log_id: str) -> int:
    from zhengyi.ledger import keys

    return int(keys.log_state(log_id).get("size", 0)) if log_id else 0


class Command(BaseCommand):
    help = (
        "从备份恢复数据库（先停止服务）/ restore the embedded database from a backup (stop the server first)"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="备份文件 / the backup (.zip) made by zhengyi backup")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="替换现有数据库（原库保留在旁）/ replace the database that is there (it is kept beside it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"没有备份文件 {source} / no backup at {source}")
        target = sqlite_database()
        connections.close_all()  # nothing of ours holds the file being replaced
        if backup.in_use(target):
            raise CommandError(
                f"数据库正在使用 / {target} is open in another process (a server still running?): "
                "stop it, then restore. Nothing was restored."
            )
        try:
            manifest, kept = backup.restore(source, target, signed=_signed, replace=options["replace"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if kept is not None:
            self.stdout.write(f"原数据库保留在 / the database that was there is kept as {kept}")
        self.stdout.write(
            f"已恢复 / restored {manifest.created_at} backup: {len(manifest.contents.tables)} tables, "
            f"{sum(manifest.contents.tables.values()):,} rows, every count and the file's SHA-256 as recorded"
        )
        from zhengyi.ledger import integrity

        report = integrity.full_check()
        if not report.ok:
            raise CommandError(
                "恢复的数据库未通过日志校验 / the restored ledger does not verify:\n  - "
                + "\n  - ".join(report.problems)
            )
        self.stdout.write(
            f"倒查跟踪日志校验通过 / ledger verified: {report.size:,} entries, every tile and checkpoint re-hashed"
        )
