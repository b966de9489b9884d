"""`make bench`: the app under gunicorn with production settings, measured with wrk.

Everything runs on 127.0.0.1, bounded in time, and cleans up after itself. Figures are ratios
to a static CSS file served by whitenoise from the same server in the same run, the median
of several rounds, because absolute numbers on a shared 2-core machine are noise.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import os
import re
import runpy
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.chromium import LIGHTHOUSE, LighthouseFailed, find_chromium, lighthouse_scores  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS, THREADS = 16, 2
GOALS = {"anonymous lesson": 0.8, "signed-in lesson": 0.5, "autosave POST": 0.4}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system) used so far by gunicorn's master and its workers, from
    /proc; None where there is no /proc (macOS)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        stats = list(Path("/proc").glob("[0-9]*/stat"))
    except OSError:
        return None
    if not stats:
        return None
    for stat in stats:
        try:
            # The command name, in parentheses, may hold spaces: the fields follow it.
            head, _, fields = stat.read_text().rpartition(")")
            fields = fields.split()
        except OSError:
            continue  # a process that ended meanwhile
        this = int(head.split(" (", 1)[0])
        if this == pid or int(fields[1]) == pid:  # fields[1] is the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wrk(
    url: str, headers: list[str], script: Path | None = None, seconds: int = SECONDS
) -> tuple[float, float, float, int]:
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for header in headers:
        args += ["-H", header]
    if script:
        args += ["-s", str(script)]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"{url}: {errors.group(1)} error responses during the benchmark\n{out}")

    def ms(pct: str) -> float:
        value, unit = re.search(rf"{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, ms("50"), ms("99"), requests


def production_settings(work: Path) -> dict[str, str]:
    """Production settings on this machine, with a throwaway database and static folder in
    `work`; `os.environ` is updated too, for Django set up in this process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "attachment_guide.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_BEHIND_PROXY": "false",
        "DJANGO_SQLITE_PATH": str(work / "bench.sqlite3"),
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "JOURNAL_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "OPERATOR_NAME": "Benchmark",
        "OPERATOR_CONTACT": "nobody",
        "DATA_LOCATION": "this machine",
        # wrk saves far faster than anyone types: the allowance is still counted on every
        # save (its UPDATE is part of the cost), but never reached.
        "SAVES_PER_MINUTE": "100000000",
    }
    os.environ.update(env)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    import django

    django.setup()
    return env


@dataclass
class Reader:
    """A returning reader: answers to every prompt of a lesson, progress in a few lessons,
    200 journal entries, and a session; what a request needs to act as them."""

    lesson_url: str
    cookie: str  # the Cookie header's value
    csrf: str
    autosave_url: str
    autosave_body: str  # form-encoded, as the writing box posts it


def returning_reader(lesson) -> Reader:
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    from attachment_guide.journal.models import Entry
    from attachment_guide.safety.notice import NOTICE_VERSION
    from attachment_guide.spaces.services import AGREED_KEY, space_marker, space_new
    from lessons.content import get_catalog
    from lessons.models import LessonProgress

    space = space_new()  # agreed to the privacy notice, as every space has
    for prompt in lesson.prompts:
        Entry.objects.create(space=space, prompt_id=prompt.id, body="An answer. " * 40)
    for n in range(200):
        Entry.objects.create(space=space, prompt_id="", body=f"Free writing {n}. " * 20)
    for other in get_catalog().lessons[:5]:
        LessonProgress.objects.create(
            space=space, module_slug=other.module_slug, lesson_slug=other.slug, section=""
        )
    session = SessionStore()
    session["space_id"] = str(space.id)
    session[AGREED_KEY] = NOTICE_VERSION
    session.create()
    csrf = get_random_string(32)  # the form Django keeps in its CSRF cookie
    entry = Entry.objects.filter(space=space, prompt_id=lesson.prompts[0].id).get()
    return Reader(
        lesson_url=f"/lessons/{lesson.module_slug}/{lesson.slug}/",
        # Named as production names them, so the signed-in rows never quietly measure a
        # stranger.
        cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf}",
        csrf=csrf,
        autosave_url=f"/journal/prompts/{lesson.prompts[0].id}/",
        # Encoded as htmx sends a form (URLSearchParams: a space is "+", not "%20").
        autosave_body=urllib.parse.urlencode(
            {
                "space": space_marker(space.id),  # the page was made for this space
                "entry": entry.id,
                "version": entry.version,
                "writer": "bench",
                "seq": 0,
                "body": "Still writing this. " * 20,
            }
        ),
    )


ROWS = {
    "static": "static CSS (floor)",
    "healthz": "empty Django view",
    "anonymous": "anonymous lesson",
    "signed-in": "signed-in lesson",
    "journal": "journal page",
    "autosave": "autosave POST",
}
# Lighthouse's mobile performance score (QUALITY.md: at least 95) of home, a lesson and the
# journal, as a first-time and as the returning reader sees them, from the same server after the
# load; `make bench BENCH_ARGS=lighthouse` runs only this.
LIGHTHOUSE_GOAL = 95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "rows",
        nargs="*",
        help=f"any of {', '.join(ROWS)}, lighthouse (default: all; the floor with any row)",
    )
    args = parser.parse_args()
    if unknown := set(args.rows) - {*ROWS, "lighthouse"}:
        parser.error(f"unknown row: {', '.join(sorted(unknown))}")
    rows = [row for row in args.rows or ROWS if row in ROWS]
    chosen = {ROWS[row] for row in ["static", *rows]} if rows else set()
    scored = not args.rows or "lighthouse" in args.rows
    if not shutil.which("wrk"):
        sys.exit("make bench needs wrk: apt-get install wrk (Debian/Ubuntu) or brew install wrk")
    work = Path(tempfile.mkdtemp(prefix="guide-bench-"))
    port = free_port()
    os.environ["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    env = production_settings(work)
    python = sys.executable

    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    from lessons.content import load_catalog

    started = time.perf_counter()
    catalog = load_catalog(Path(settings.CONTENT_DIR))
    load_seconds = time.perf_counter() - started
    lesson = catalog.lessons[0]
    reader = returning_reader(lesson)
    lesson_url = reader.lesson_url
    cookie = f"Cookie: {reader.cookie}"
    post_script = work / "post.lua"
    post_script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{reader.autosave_body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        'wrk.headers["HX-Request"] = "true"\n'
        f'wrk.headers["X-CSRFToken"] = "{reader.csrf}"\n'
    )

    css = staticfiles_storage.url("css/site.css")
    server = subprocess.Popen(
        [
            str(Path(python).with_name("gunicorn")),
            "attachment_guide.wsgi",
            "-c",
            "gunicorn.conf.py",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        signed_in = urllib.request.Request(base + lesson_url, headers={"Cookie": reader.cookie})
        if b"An answer." not in urllib.request.urlopen(signed_in).read():
            sys.exit("The signed-in lesson does not show the reader's answers: check the cookie")
        targets = [
            ("static CSS (floor)", css, [], None),
            # Django's whole request cycle around a view that does nothing: the ceiling for pages.
            ("empty Django view", "/healthz", [], None),
            ("anonymous lesson", lesson_url, [], None),
            ("signed-in lesson", lesson_url, [cookie], None),
            ("journal page", "/journal/", [cookie], None),
            ("autosave POST", reader.autosave_url, [cookie], post_script),
        ]
        targets = [target for target in targets if target[0] in chosen]
        for _name, path, headers, script in targets:
            wrk(base + path, headers, script, seconds=1)  # warm up: first requests are slower
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name, *_ in targets}
        cpu: dict[str, list[float]] = {name: [] for name, *_ in targets}
        for _ in range(ROUNDS):
            for name, path, headers, script in targets:
                before = server_cpu_seconds(server.pid)
                rps, p50, p99, requests = wrk(base + path, headers, script)
                after = server_cpu_seconds(server.pid)
                results[name].append((rps, p50, p99))
                if before is not None and after is not None:
                    cpu[name].append((after - before) / requests * 1000)
        first_visit = first_visit_bytes(base, lesson_url, css)
        returning = {"Cookie": reader.cookie}
        pages = {
            "home": ("/", None),
            "lesson": (lesson_url, None),
            "journal": ("/journal/", None),
            "returning reader's lesson": (lesson_url, returning),
            "journal of 200 entries": ("/journal/", returning),
        }
        performance = lighthouse_performance(base, pages) if scored else None
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nAttachment Guide benchmark: {os.cpu_count()} cores, "
        f"{'PostgreSQL' if 'DATABASE_URL' in env else 'SQLite'}"
    )
    if results:
        print_table(results, cpu)
    print(
        f"\nContent: {len(catalog.lessons)} lessons loaded and rendered in {load_seconds * 1000:.0f} ms"
    )
    print(
        f"First lesson visit, compressed: {first_visit / 1024:.1f} KB (HTML, CSS, JS; goal ≤ 60 KB)"
    )
    if performance is not None:
        print(f"Lighthouse (mobile) performance: {performance} (goal ≥ {LIGHTHOUSE_GOAL})")


def print_table(
    results: dict[str, list[tuple[float, float, float]]], cpu: dict[str, list[float]]
) -> None:
    median = {
        name: tuple(statistics.median(r[i] for r in runs) for i in range(3))
        for name, runs in results.items()
    }
    # Each round's page against the same round's floor, then the median: the machine's load
    # drifts between rounds, and a page measured while it was busy meets a floor that was too.
    floors = [rps for rps, _p50, _p99 in results["static CSS (floor)"]]
    ratio = {
        name: statistics.median(run[0] / floor for run, floor in zip(runs, floors, strict=True))
        for name, runs in results.items()
    }
    # What gunicorn.conf.py chose, with this environment.
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    print(
        f"{ROUNDS} rounds x {SECONDS}s, {CONNECTIONS} connections, median of rounds (each ratio "
        f"within its round); gunicorn {gunicorn['workers']} workers x {gunicorn['threads']} "
        "thread(s)\n"
    )
    # What one request cost the server (gunicorn and the app, not wrk) in CPU: the ratios'
    # other side, steadier than requests a second on a shared machine.
    print(
        f"{'':22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'÷ static':>9} {'goal':>6} "
        f"{'server CPU ms':>14}"
    )
    for name, (rps, p50, p99) in median.items():
        goal = GOALS.get(name)
        spent = f"{statistics.median(cpu[name]):.3f}" if cpu[name] else "n/a"
        print(
            f"{name:22} {rps:9.0f} {p50:8.1f} {p99:8.1f} {ratio[name]:9.2f} "
            f"{'≥' + str(goal) if goal else '':>6} {spent:>14}"
        )


def lighthouse_performance(base: str, pages: dict[str, tuple[str, dict | None]]) -> str:
    """Each page's Lighthouse performance score, or why there is none."""
    chromium = find_chromium()
    if chromium is None or not LIGHTHOUSE.exists():
        missing = "Chromium" if chromium is None else "Lighthouse (installed with npm)"
        return f"not measured: {missing} not found"
    scores = []
    for name, (path, headers) in pages.items():
        try:
            score = lighthouse_scores(base + path, chromium, ["performance"], headers)
            score = score["performance"]
        except LighthouseFailed as failure:
            last_line = (str(failure).strip().splitlines() or ["no output"])[-1]
            score = f"failed ({last_line})"
        scores.append(f"{name} {score}")
    return ", ".join(scores)


def first_visit_bytes(base: str, lesson_url: str, css: str) -> int:
    """What a first visit to a lesson costs over the wire, each file gzip-compressed (whitenoise
    serves static files pre-compressed; a proxy compresses the HTML)."""
    html = urllib.request.urlopen(base + lesson_url).read()
    total = len(gzip.compress(html))
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        if b"print" in asset:
            continue  # loaded only when printing
        total += len(gzip.compress(urllib.request.urlopen(base + asset.decode()).read()))
    return total


if __name__ == "__main__":
    main()
