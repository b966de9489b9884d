from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks

from attachment_guide.safety.helplines import load_helplines


@checks.register("content")
def check_helplines(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    helplines = load_helplines(Path(settings.HELPLINES_FILE))
    errors = [checks.Error(problem, id="safety.E001") for problem in helplines.problems]
    if not helplines.problems and not helplines.directories:
        errors.append(
            checks.Error(
                f"{settings.HELPLINES_FILE}: list at least one international directory",
                id="safety.E002",
            )
        )
    return errors
