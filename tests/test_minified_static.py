"""Production serves our scripts and styles minified (attachment_guide/storage.py), while
development and the other browser tests use them as written: here the minified ones are
collected as production collects them, and run in Chromium."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import expect

from attachment_guide.storage import minified
from tests.conftest import AGREE_TICK
from tests.test_settings import PRODUCTION, run

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path.relative_to(ROOT / "static").as_posix()
    for folder in ("js", "css")
    for path in (ROOT / "static" / folder).iterdir()
    if path.suffix in (".js", ".css")
)
LESSON = "/lessons/attachment-basics/what-attachment-is/"


def source(name: str) -> str:
    return (ROOT / "static" / name).read_text(encoding="utf-8")


def serve_minified(route, served: list[str]) -> None:
    """Answer a browser's request for one of our static files with it minified, as
    production serves it, and note its name; let any other file through."""
    name = route.request.url.split("/static/", 1)[1].split("?", 1)[0]
    smaller = minified(name, source(name)) if name in SOURCES else None
    if smaller is None:
        route.continue_()
        return
    served.append(name)
    kind = "text/javascript" if name.endswith(".js") else "text/css"
    route.fulfill(status=200, body=smaller, content_type=f"{kind}; charset=utf-8")


def test_collectstatic_serves_each_of_our_files_minified_under_a_name_that_follows_it(tmp_path):
    collected = run(["manage.py", "collectstatic", "--no-input", "-v0"], PRODUCTION, tmp_path)
    assert collected.returncode == 0, collected.stderr

    static = tmp_path / "static"
    paths = json.loads((static / "staticfiles.json").read_text())["paths"]
    for name in SOURCES:
        served = (static / paths[name]).read_text(encoding="utf-8")
        assert served == minified(name, source(name)), name
        # Comments were half of each file: what a reader downloads is much smaller.
        assert len(gzip.compress(served.encode())) < 0.8 * len(gzip.compress(source(name).encode()))
        assert (static / (paths[name] + ".gz")).exists(), "and compressed, as before"
    # Files that are not ours ship as their makers ship them.
    other = "django_htmx/django-htmx.js"
    assert (static / paths[other]).read_bytes() == Path(finders.find(other)).read_bytes()


def test_only_comments_and_spare_space_go():
    """Every string a script shows or sends, and every rule's value, is still there."""
    script = source("js/exit.js")
    small = minified("js/exit.js", script)
    assert "Browsers keep no cookie longer than 400 days" in script
    assert "Browsers keep no cookie" not in small
    for kept in ('"quick-exit"', "PENDING_SECONDS = 400 * 24 * 60 * 60", '"; SameSite=Lax"'):
        assert kept.replace(" ", "") in small.replace(" ", ""), kept
    style = minified("css/site.css", source("css/site.css"))
    assert "margin-inline:auto" in style
    assert "calc(var(--measure) + 2 * var(--space-4))" in style  # calc needs its spaces
    assert minified("django_htmx/htmx-2.min.js", "/* x */ a") is None  # not ours
    assert minified("js/vendor.min.js", "/* x */ a") is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_minified_scripts_save_an_answer_and_exit_in_chromium(page, live_server, neutral_site):
    """The lesson page with every script and style minified, as production sends them: an
    answer is kept as it is typed, and Shift three times leaves for the everyday site."""
    neutral, _ = neutral_site
    served = []
    page.route("**/static/**", lambda route: serve_minified(route, served))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + LESSON)
    assert {"js/exit.js", "js/reflections.js", "css/site.css"} <= set(served)
    page.locator(f"#reflection-ab-who-felt-safe {AGREE_TICK}").check()
    page.locator("#reflection-ab-who-felt-safe-body").fill("Words kept by a minified script")
    expect(page.locator("#reflection-ab-who-felt-safe-status")).to_contain_text("Saved")
    page.reload()
    expect(page.locator("#reflection-ab-who-felt-safe-body")).to_have_value(
        "Words kept by a minified script"
    )

    # The scripts of other pages (the lock, the recovery code's Copy) parse as well.
    parses = "text => { try { new Function(text); return true; } catch (e) { return String(e); } }"
    assert "SyntaxError" in page.evaluate(parses, "a b")  # a broken script is caught
    for name in SOURCES:
        if name.endswith(".js"):
            assert page.evaluate(parses, minified(name, source(name))) is True, name

    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(neutral)
    assert not errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280])
def test_the_minified_styles_draw_the_page_exactly_as_the_sources_do(page, live_server, width):
    """Pixel for pixel, on a phone and a laptop: a rule the minifier changed would show."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + LESSON)
    as_written = page.screenshot(full_page=True)

    served = []
    page.route("**/static/css/*.css", lambda route: serve_minified(route, served))
    page.goto(live_server.url + LESSON)

    assert "css/site.css" in served
    assert page.screenshot(full_page=True) == as_written
