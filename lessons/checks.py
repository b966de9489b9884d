"""`manage.py check` fails on any content problem, naming the file and the reason."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks

from lessons.content import load_catalog


@checks.register("content")
def check_content(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    catalog = load_catalog(Path(settings.CONTENT_DIR))
    return [
        checks.Error(str(problem), id="lessons.E001", obj=str(problem.path))
        for problem in catalog.problems
    ]
