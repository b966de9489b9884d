"""gunicorn settings for production: `gunicorn attachment_guide.wsgi` reads this file.

Every value can be set from the environment, so one image serves a laptop and a cluster.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Processes, not threads, share the CPU: Python runs one thread of a process at a time, and
# with 4 threads a process an autosave holding the database's write lock waited for the
# others' page rendering (make bench: autosave p99 163 ms, 44 ms with one thread in each of
# 5 processes). gunicorn's rule of thumb, 2 x cores + 1, keeps every core busy while some
# processes wait on the database. gthread (not sync) workers keep connections alive.
# The cores this process may run on where the system says (not all the host's); a CPU quota
# set by a container runtime is not visible here: set WEB_CONCURRENCY to match it.
_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (_cores or 1) + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
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
