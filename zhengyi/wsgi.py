"""WSGI entry point (granian or gunicorn in production)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
application = get_wsgi_application()

from zhengyi.core.checks import demo_accounts_guard  # noqa: E402
from zhengyi.ledger.checks import ledger_guard  # noqa: E402

demo_accounts_guard()
ledger_guard()
