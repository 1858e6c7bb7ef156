"""zhengyi tokens create|revoke|list — credentials for machine clients of the API."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from zhengyi.core.management.base import AuditedCommand
from zhengyi.core.models import ApiToken, User
from zhengyi.core.services.tokens import create_token, revoke_token


class Command(AuditedCommand):
    help = "接口令牌：为上游 110 系统等机器客户端签发、吊销令牌"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="签发令牌（只显示一次）")
        create.add_argument("--user", required=True, help="令牌代表的账户")
        create.add_argument("--name", required=True, help="用途，例如 110-upstream")
        super().add_arguments(create)
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("prefix", help="令牌前缀（list 中可见）")
        super().add_arguments(revoke)
        sub.add_parser("list", help="列出令牌")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for t in ApiToken.objects.select_related("user"):
                state = "已吊销" if t.revoked_at else "有效"
                self.stdout.write(f"{t.prefix}…  {t.user.username:<12} {t.name:<20} {state}")
            return
        actor = self.actor(options)
        if options["action"] == "create":
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"账户 “{options['user']}” 不存在")
            _row, token = create_token(actor=actor, user=user, name=options["name"])
            self.stdout.write(token)
            self.stderr.write("请妥善保存：令牌只显示这一次 / store it now, it is shown only once")
            return
        matches = list(ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True))
        if len(matches) != 1:
            raise CommandError(f"找到 {len(matches)} 个有效令牌以 {options['prefix']!r} 开头，应恰好 1 个")
        revoke_token(actor=actor, token=matches[0])
        self.stdout.write("已吊销")
