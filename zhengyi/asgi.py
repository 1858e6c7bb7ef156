"""Django's full ASGI entry point, for deployments that want it; pages are served faster over
WSGI (zhengyi.wsgi), and the board's live stream by its own ASGI app (zhengyi.asgi_stream)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengyi.settings")
application = get_asgi_application()
