"""Base for our commands: every write a command makes is attributed to a named account."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengyi.core.current import acting_as
from zhengyi.core.models import User


class AuditedCommand(BaseCommand):
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--actor",
            default="system",
            help="以哪个账户的名义执行（写入变更记录）/ account recorded as the actor (default: system)",
        )

    def actor(self, options: dict[str, Any]) -> User:
        from zhengyi.core.services.roles import system_user

        name = options.get("actor") or "system"
        if name == "system":
            return system_user()
        try:
            return User.objects.get(username=name)
        except User.DoesNotExist as exc:
            raise CommandError(f"账户 “{name}” 不存在 / no such account: {name}") from exc

    BAR_WIDTH = 30

    def progress_bar(self, label: str, *, new_line: bool = False) -> Callable[[int, int], None]:
        """A one-line progress bar on stderr for long work (``done``, ``total``) → redrawn in place.
        ``new_line``: a second bar, under one already drawn."""
        started = not new_line
        width = self.BAR_WIDTH

        def show(done: int, total: int) -> None:
            nonlocal started
            if not started:
                self.stderr.write("")
                started = True
            filled = width if not total else min(width, width * done // total)
            percent = 100 if not total else min(100, 100 * done // total)
            self.stderr.write(
                f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {done}/{total}", ending=""
            )
            self.stderr.flush()

        return show

    def execute(self, *args: Any, **options: Any) -> Any:
        with acting_as("cli"):
            return super().execute(*args, **options)
