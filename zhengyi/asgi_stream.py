"""ASGI entry point of the stream server, which serves only the command board's live push.

``granian --interface asgi zhengyi.asgi_stream:application`` — started by ``zhengyi serve``
beside the WSGI app server; see :mod:`zhengyi.alerts.stream` and docs/production.md.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
django.setup(set_prefix=False)

from django.db import connections  # noqa: E402

from zhengyi.alerts.stream import BoardStreamApp  # noqa: E402
from zhengyi.core.checks import demo_accounts_guard  # noqa: E402

# The app server's refusal to run beside demo accounts. (Its ledger check is not repeated: the
# stream server serves no ledger, and `zhengyi serve` has run that check before starting it.)
demo_accounts_guard()
connections.close_all()  # that check's connection belongs to the import, not to the pool

application = BoardStreamApp()
