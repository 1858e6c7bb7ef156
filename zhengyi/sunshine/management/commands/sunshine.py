"""zhengyi sunshine — carrying the public portal across the air gap (docs/sunshine.md).

    zhengyi sunshine export OUT [--since N]       # police side: a portal bundle
    zhengyi sunshine import FILE [--trust-key VKEY]   # internet side (mirror): apply it
    zhengyi sunshine export-feedback OUT          # internet side: messages typed there
    zhengyi sunshine import-feedback FILE         # police side: into the moderation queue

A refused file changes nothing; the command says which item and why, and exits 1.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from zhengyi.core.management.base import AuditedCommand
from zhengyi.sunshine.services import portal_export, portal_import, relay


class Command(AuditedCommand):
    help = "阳光平台跨网摆渡：门户包与留言 / the public portal across the air gap: bundles and feedback"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="导出门户包（警务网一侧）/ write a portal bundle (police side)")
        exp.add_argument("out", type=Path)
        exp.add_argument(
            "--since", type=int, default=0, help="日志从该条目数起 / ledger entries from this tree size on"
        )
        imp = sub.add_parser("import", help="导入门户包（互联网镜像）/ apply a portal bundle (mirror)")
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--trust-key", action="append", default=[], help="信任的日志公钥 / log vkey to trust"
        )
        super().add_arguments(imp)
        efb = sub.add_parser(
            "export-feedback", help="导出待转交的留言（镜像）/ write the mirror's new messages"
        )
        efb.add_argument("out", type=Path)
        ifb = sub.add_parser(
            "import-feedback", help="导入互联网留言（警务网一侧）/ file the mirror's messages for moderation"
        )
        ifb.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "export": self._export,
            "import": self._import,
            "export-feedback": self._export_feedback,
            "import-feedback": self._import_feedback,
        }
        handlers[options["action"]](options)

    def _fail(self, message: str) -> None:
        self.stderr.write("")
        self.stderr.write(f"✗ {message}")
        sys.exit(1)

    def _export(self, options: dict[str, Any]) -> None:
        try:
            result = portal_export.export_portal_bundle(
                options["out"],
                since=options["since"],
                progress=self.progress_bar("导出日志 ledger"),
                rows_progress=self.progress_bar("统计表 tables  ", new_line=True),
            )
        except portal_export.PortalBundleError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        self.stdout.write(
            f"已导出门户包 / portal bundle written to {options['out']}: ledger entries "
            f"{result.since}…{result.size - 1}, {result.publications} publication(s), "
            f"{result.feedback} answered message(s), {result.summaries} monthly table(s), "
            f"{result.lookups} lookup(s)"
        )

    def _import(self, options: dict[str, Any]) -> None:
        actor = self.actor(options)
        try:
            result = portal_import.import_portal_bundle(
                options["file"],
                actor=actor,
                trust_keys=options["trust_key"],
                progress=self.progress_bar("导入日志 ledger"),
                apply_progress=self.progress_bar("导入内容 rows  ", new_line=True),
            )
        except portal_export.PortalBundleError as exc:
            self._fail(f"拒绝导入 / portal bundle refused, nothing imported: {exc}")
        self.stderr.write("")
        if not result.changed and not result.ledger_appended:
            self.stdout.write(
                f"✓ 已是最新 / nothing new: the mirror already holds this bundle ({result.ledger_size} entries)"
            )
            return
        self.stdout.write(
            f"✓ 已导入 / imported {result.ledger_appended} ledger entries (now {result.ledger_size}); "
            f"{result.publications} new publication(s), {result.versions} version(s), "
            f"{result.withdrawals} withdrawal(s), {result.steps} timeline step(s), "
            f"{result.feedback} answered message(s); {result.summaries} monthly table(s) and "
            f"{result.lookups} lookup(s) updated; {result.relayed} message(s) confirmed received"
        )

    def _export_feedback(self, options: dict[str, Any]) -> None:
        try:
            count = relay.export_feedback(options["out"])
        except relay.RelayError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已导出 {count} 条留言 / {count} message(s) written to {options['out']}")

    def _import_feedback(self, options: dict[str, Any]) -> None:
        try:
            result = relay.import_feedback(options["file"])
        except relay.RelayError as exc:
            self._fail(f"拒绝导入 / feedback file refused, nothing imported: {exc}")
        self.stdout.write(
            f"✓ 已导入 {result.created} 条留言，{result.already} 条此前已导入 / "
            f"{result.created} message(s) filed for moderation, {result.already} already filed before"
        )
