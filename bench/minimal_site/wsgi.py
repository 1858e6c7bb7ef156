"""WSGI entry point: ``granian --interface wsgi --working-dir bench minimal_site.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "minimal_site.settings"
application = get_wsgi_application()
