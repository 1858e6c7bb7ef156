"""WSGI entry point (granian or gunicorn in production)."""

import os
import sys

# The request threads and the intake's group-commit writer hand the GIL to each other at every
# database statement; with CPython's default 5 ms switch interval a thread that wants it back
# (the writer, to commit and wake its callers) waits out another thread's whole slice. 0.5 ms
# measured +20 % intake throughput and a lower p99 with 4 request threads; with today's 16 it
# measures the same as 2, 5 or 10 ms served (docs/performance.md), so it stays.
sys.setswitchinterval(0.0005)

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
django.setup(set_prefix=False)

from zhengyi.core.handlers import make_application  # noqa: E402

application = make_application()

from zhengyi.core.checks import demo_accounts_guard  # noqa: E402
from zhengyi.ledger.checks import ledger_guard  # noqa: E402

demo_accounts_guard()
ledger_guard()
