"""``zhengyi alliances training-due [--days N] [--station CODE]``: guards whose training is due.

Wired into the app's ``alliances`` management command; prints one line per guard (code,
organisation, valid until, status) — masked, since a terminal log travels like an export.
"""

from __future__ import annotations

from argparse import ArgumentParser, _SubParsersAction
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengyi.alliances.services.training import training_due
from zhengyi.core.models import User
from zhengyi.core.pii import masked_values


def add_parser(sub: _SubParsersAction[ArgumentParser]) -> None:
    due = sub.add_parser("training-due", help="培训已过期或将在 N 天内到期的在岗保安")
    due.add_argument("--days", type=int, default=30, help="提前多少天提醒（默认 30）")
    due.add_argument("--station", help="只看此派出所（编号）")


def run(command: BaseCommand, actor: User, options: dict[str, Any]) -> None:
    if options["days"] < 0 or options["days"] > 3650:
        raise CommandError("--days 须在 0 至 3650 之间 / --days must be 0–3650")
    rows = training_due(actor, days=options["days"])
    code = options.get("station")
    if code:
        rows = [r for r in rows if r.guard.employer.alliance.station.code == code]
    for r in rows:
        if r.valid_until is None:
            state = "从未培训"
        elif r.expired:
            state = f"已过期 {r.overdue_days} 天"
        else:
            state = f"{r.days_left} 天后到期"
        planned = f"，已安排 {r.upcoming.first}" if r.upcoming else ""
        name = masked_values(r.guard).get("name", "")
        command.stdout.write(
            f"{r.guard.code} {name} {r.guard.employer.name} {r.valid_until or '—'} {state}{planned}"
        )
    expired = sum(1 for r in rows if r.expired)
    command.stdout.write(
        f"共 {len(rows)} 名：已过期 {expired}，{options['days']} 天内到期 {len(rows) - expired}"
    )
