from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from attachment_guide.safety import notice
from tests.chromium import find_chromium

# Playwright's sync API keeps an event loop running in the test thread, and Django refuses ORM
# calls from a thread with a running loop. Tests only; never set this in settings.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The tick agreeing to the privacy notice, as a page showing the current notice sends it
# (its value is the version the page was shown with), for the data of a test's post.
AGREE = {"agree": notice.NOTICE_VERSION}
# The same tick in a browser, within its form: its id holds the version it was shown with.
AGREE_TICK = "input[name=agree]"

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _catalog_as_in_production(settings):
    """Tests see the catalog as production does: loaded once, never reloaded on change."""
    from lessons.content import clear_catalog

    settings.CONTENT_RELOAD = False
    clear_catalog()
    yield
    clear_catalog()


@pytest.fixture
def neutral_site(settings, context, live_server):
    """Stand in for the everyday site quick exit goes to, for browser tests: another origin on this machine
    (127.0.0.1 where the app is on localhost), so no request leaves it."""
    port = live_server.url.rsplit(":", 1)[1]
    neutral = f"http://127.0.0.1:{port}/healthz"
    settings.QUICK_EXIT_URL = neutral
    arrivals = []
    context.on("request", lambda r: r.url == neutral and arrivals.append(time.monotonic()))
    return neutral, arrivals


def one_lesson_catalog(folder: Path, settings, *, slug: str, meta: str = "", text: str = ""):
    """Make `folder` the content: one module, "basics", with one lesson, `slug`, whose front
    matter adds `meta` (TOML lines) and whose text ends with `text`."""
    module = folder / "basics"
    module.mkdir()
    (module / "module.md").write_text('+++\ntitle = "B"\nsummary = "S."\norder = 1\n+++\nIntro.\n')
    (module / f"{slug}.md").write_text(
        f'+++\ntitle = "One lesson"\nsummary = "S."\norder = 1\n{meta}'
        'reviewed_by = "the Attachment Guide team"\nreviewed_on = 2026-11-29\n+++\n'
        f"Text.\n\n## Part {{#part}}\n\nMore.\n{text}"
    )
    settings.CONTENT_DIR = folder
    return folder


@pytest.fixture
def renamed_lesson(tmp_path, settings):
    """A content folder whose one lesson was renamed from old-name to new-name."""
    return one_lesson_catalog(
        tmp_path,
        settings,
        slug="new-name",
        meta='old_slugs = ["old-name"]\n',
        text="\n::: prompt b-one\nWhy?\n:::\n",
    )


def log_in_in(tab, base_url: str, username: str, password: str) -> None:
    """Log in from the browser tab `tab` (which gives its browser a new anti-forgery token)
    and wait for home."""
    tab.goto(base_url + "/accounts/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(base_url + "/")


@pytest.fixture
def notice_changed():
    """Call it to put out new words of the privacy notice while pages are open, as a deploy
    would: a new version (returned), and no frame still holds ticks shown with the old one."""
    from attachment_guide.frames import forget_frames

    with pytest.MonkeyPatch.context() as patch:

        def change() -> str:
            patch.setattr(notice, "NOTICE_VERSION", f"{notice.NOTICE_DATE}~0a1b2c3d")
            forget_frames()
            return notice.NOTICE_VERSION

        yield change
    forget_frames()


@pytest.fixture(autouse=True)
def _let_the_browser_finish(request):
    """A closing page sends its last saves (beacons, queued retries) as it goes. Let them
    land before the test database is emptied, or they would arrive in the next test."""
    yield
    if request.node.get_closest_marker("browser"):
        time.sleep(1)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        message = "Chromium not found (install it, or set CHROMIUM_PATH): browser tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(message + ". CI must run them.", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter):
    """Print each lesson's reading grade, so a writer sees how close to the limit it is."""
    from tests.test_lesson_quality import GRADES, MAX_GRADE

    if not GRADES:
        return
    terminalreporter.section(f"Reading grade (Flesch-Kincaid, limit {MAX_GRADE})")
    for lesson_id, grade in sorted(GRADES.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{grade:5.1f}  {lesson_id}")
