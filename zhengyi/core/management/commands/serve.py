"""zhengyi serve — start the WSGI server (granian) after the start-up checks."""

from __future__ import annotations

import os
import shutil
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from zhengyi.core.checks import demo_accounts_guard


class Command(BaseCommand):
    help = "启动服务 / serve the platform over WSGI (granian)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))
        parser.add_argument(
            "--allow-demo-accounts",
            action="store_true",
            help="允许在存在演示账户时启动（仅用于演示）/ start even though demo accounts exist",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            demo_accounts_guard(allow=options["allow_demo_accounts"] or None)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["allow_demo_accounts"]:
            os.environ["ZHENGYI_ALLOW_DEMO_ACCOUNTS"] = "1"
        granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or shutil.which("granian")
        if granian is None:
            raise CommandError("找不到 granian：请先运行 make install")
        argv = [
            granian,
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
            "--blocking-threads",
            "4",
            "zhengyi.wsgi:application",
        ]
        self.stdout.write(f"正义街1号 · Zhengyi: http://{options['host']}:{options['port']}/")
        sys.stdout.flush()
        os.execv(granian, argv)
