"""gunicorn settings for production: `gunicorn attachment_guide.wsgi` reads this file.

Every value can be set from the environment, so one image serves a laptop and a cluster.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# gthread workers: a request waiting on the database does not hold a whole process.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Load the app (and the lesson catalog) once, before forking: every worker shares it.
preload_app = True
# Trust X-Forwarded-* only from the proxy in front of us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # off: URLs can be private enough
errorlog = "-"
