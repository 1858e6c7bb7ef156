"""The ledger's start-up guard: the platform refuses to serve a log that is not the one it signed.

``ledger_guard()`` runs in ``zhengyi serve`` and the WSGI entry (after the demo-accounts
guard); ``zhengyi check --deploy`` reports the same problems as errors. See
``zhengyi/ledger/integrity.py`` for what is checked and why it is fast.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("zhengyi.ledger")


def ledger_guard() -> None:
    """Check the stored log; refuse (ImproperlyConfigured, saying why) or sign up to date."""
    from zhengyi.ledger import integrity
    from zhengyi.ledger.services import log as ledger_log

    report = integrity.quick_check()
    if not report.ok:
        raise ImproperlyConfigured(
            "拒绝启动：倒查跟踪日志校验失败 / refusing to serve: the ledger does not match what was signed\n  - "
            + "\n  - ".join(report.problems)
            + "\n运行 zhengyi ledger verify --full 查看全部问题 / run `zhengyi ledger verify --full` for every problem"
        )
    for line in report.notes:
        log.warning("ledger: %s", line)
    # Entries committed after the last checkpoint (a crash before the signer ran) get one now.
    ledger_log.sign_checkpoint()


@checks.register("ledger", deploy=True)
def ledger_integrity(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from zhengyi.ledger import integrity

    report = integrity.quick_check()
    return [checks.Error(problem, id="ledger.E001") for problem in report.problems]
