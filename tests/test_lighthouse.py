"""Lighthouse (mobile) on home, a lesson and the journal: accessibility and best practices 100."""

from __future__ import annotations

import os

import pytest

from tests.chromium import LIGHTHOUSE, lighthouse_scores

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/lessons/attachment-basics/what-attachment-is/", "/journal/"]


@pytest.fixture(scope="session")
def lighthouse(chromium_path) -> None:
    if not LIGHTHOUSE.exists():
        message = "Lighthouse is not installed (make test installs it when npm is present)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.mark.parametrize("path", PAGES)
def test_lighthouse_scores_accessibility_and_best_practices_at_100(
    lighthouse, chromium_path, live_server, path
):
    # No performance category: the test server is not the production one (make bench scores
    # performance against gunicorn with production settings).
    categories = ["accessibility", "best-practices", "seo"]
    scores = lighthouse_scores(live_server.url + path, chromium_path, categories)

    print(f"Lighthouse {path}: {scores}")
    assert scores["accessibility"] == 100, scores
    assert scores["best-practices"] == 100, scores
    assert scores["seo"] >= 95, scores
