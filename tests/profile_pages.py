"""`make profile`: where one request's time goes, page by page, without a server.

The pages and the returning reader of `make bench`, with production settings, but each request
goes straight to the WSGI application in this process: no gunicorn, no network and no wrk
sharing the CPU. Prints each page's CPU time per request (the best of five batches, since the
machine is shared), its SQL queries and its size; `--cprofile PAGE` adds the costliest calls.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
import wsgiref.util
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.bench import production_settings, returning_reader

PAGES = ("static", "healthz", "anonymous", "signed-in", "journal", "autosave")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help=f"any of {', '.join(PAGES)} (default: all)")
    parser.add_argument("--cprofile", choices=PAGES, help="also profile this page's calls")
    parser.add_argument("-n", type=int, default=200, help="requests a batch (default 200)")
    args = parser.parse_args()
    if unknown := set(args.pages) - set(PAGES):
        parser.error(f"unknown page: {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="guide-profile-"))
    try:
        production_settings(work)
        run(args.pages or list(PAGES), args.cprofile, args.n)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(pages: list[str], profiled: str | None, n: int) -> None:
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.db import connection

    from attachment_guide.wsgi import application
    from lessons.content import get_catalog

    reader = returning_reader(get_catalog().lessons[0])

    def call(path: str, *, signed_in: bool = False, post: str = "") -> bytes:
        environ: dict = {}
        wsgiref.util.setup_testing_defaults(environ)
        environ.update(PATH_INFO=path, HTTP_HOST="127.0.0.1", REQUEST_METHOD="GET")
        if signed_in:
            environ["HTTP_COOKIE"] = reader.cookie
        if post:
            data = post.encode()
            environ.update(
                REQUEST_METHOD="POST",
                CONTENT_TYPE="application/x-www-form-urlencoded",
                CONTENT_LENGTH=str(len(data)),
                HTTP_X_CSRFTOKEN=reader.csrf,
                HTTP_HX_REQUEST="true",
            )
            environ["wsgi.input"] = io.BytesIO(data)
        statuses = []
        body = b"".join(application(environ, lambda status, *_: statuses.append(status)))
        if not statuses[0].startswith("200"):
            sys.exit(f"{path} answered {statuses[0]}")
        return body

    requests = {
        "static": lambda: call(staticfiles_storage.url("css/site.css")),
        "healthz": lambda: call("/healthz"),  # the middleware and a view that does nothing
        "anonymous": lambda: call(reader.lesson_url),
        "signed-in": lambda: call(reader.lesson_url, signed_in=True),
        "journal": lambda: call("/journal/", signed_in=True),
        "autosave": lambda: call(reader.autosave_url, signed_in=True, post=reader.autosave_body),
    }
    print(f"\n{'':10} {'CPU ms':>7} {'queries':>8} {'bytes':>7}   (one request, in-process)")
    for page in pages:
        request = requests[page]
        for _ in range(20):
            request()  # warm: frames rendered, connections open
        queries: list[str] = []
        with connection.execute_wrapper(functools.partial(counted, queries)):
            size = len(request())
        best = min(cpu_ms(request, n) for _ in range(5))
        print(f"{page:10} {best:7.3f} {len(queries):8} {size:7}")
    if profiled:
        profile = cProfile.Profile()
        profile.runcall(lambda: [requests[profiled]() for _ in range(n)])
        print(f"\n{profiled}, {n} requests under cProfile (which slows everything down):")
        pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
            40
        )


def counted(queries: list[str], execute, sql, *args):
    queries.append(sql)
    return execute(sql, *args)


def cpu_ms(request, n: int) -> float:
    started = time.process_time()
    for _ in range(n):
        request()
    return (time.process_time() - started) / n * 1000


if __name__ == "__main__":
    main()
