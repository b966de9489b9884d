"""WSGI entry point, for gunicorn: `gunicorn attachment_guide.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attachment_guide.settings")

application = get_wsgi_application()
