"""WSGI entry point (granian or gunicorn in production)."""

import os
import sys

# How often the interpreter makes a running thread hand over to another that waits. The request
# threads' calls are short bursts of Python; each hand-over in the middle of one costs as much
# as a good part of the call (docs/performance.md). With live intake's group commit in a helper
# process (zhengyi.core.helper_process) no thread here waits for the GIL between statements any
# more, so the slice can be long: 2 ms measured 0.115× against 0.102× at 0.5 ms, p99 84 ms.
# (With the group commit in a thread, as on PostgreSQL, 0.5 to 10 ms measured alike on SQLite.)
sys.setswitchinterval(0.002)

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
django.setup(set_prefix=False)

from zhengyi.core.handlers import make_application  # noqa: E402

application = make_application()

from zhengyi.core.checks import demo_accounts_guard  # noqa: E402
from zhengyi.ledger.checks import ledger_guard  # noqa: E402

demo_accounts_guard()
ledger_guard()
