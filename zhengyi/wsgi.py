"""WSGI entry point (granian or gunicorn in production)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
django.setup(set_prefix=False)

from zhengyi.core.handlers import make_application  # noqa: E402

application = make_application()

from zhengyi.core.checks import demo_accounts_guard  # noqa: E402
from zhengyi.ledger.checks import ledger_guard  # noqa: E402

demo_accounts_guard()
ledger_guard()
