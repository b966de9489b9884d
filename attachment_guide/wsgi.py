"""WSGI entry point, for gunicorn: `gunicorn attachment_guide.wsgi` (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attachment_guide.settings")

application = get_wsgi_application()

# Load and render every lesson now, so the first reader never waits for it.
from lessons.content import get_catalog  # noqa: E402

get_catalog()
