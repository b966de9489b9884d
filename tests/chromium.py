"""Chromium and Lighthouse, found the same way by the browser tests and by `make bench`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

LIGHTHOUSE = Path(__file__).parent / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
)


def find_chromium() -> str | None:
    if path := os.environ.get("CHROMIUM_PATH"):
        return path
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


class LighthouseFailed(Exception):
    pass


def lighthouse_scores(
    url: str, chromium: str, categories: list[str], headers: dict[str, str] | None = None
) -> dict[str, int]:
    """Lighthouse's mobile scores (0 to 100) of `url` in each of `categories`, its requests
    sent with `headers` (a returning reader's cookie, say).

    Lighthouse times itself, and on a busy 2-core machine a run can time out; the performance
    category records a trace, which Chromium now and then drops (NO_NAVSTART). So a run that
    fails, or leaves a category without a score, is tried again, up to three times in all."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as work:
        report = Path(work) / "report.json"
        command = [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags={LIGHTHOUSE_FLAGS}",
            f"--only-categories={','.join(categories)}",
            "--max-wait-for-load=60000",
            "--quiet",
        ]
        if headers:
            command.append(f"--extra-headers={json.dumps(headers)}")
        env = {**os.environ, "CHROME_PATH": chromium}
        problem = ""
        for _attempt in range(3):
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
            if result.returncode != 0:
                problem = result.stderr[-2000:]
                continue
            found = json.loads(report.read_text())["categories"]
            scores = {name: found[name]["score"] for name in categories}
            if None not in scores.values():
                return {name: round(score * 100) for name, score in scores.items()}
            problem = f"no score for {[name for name, s in scores.items() if s is None]}"
        raise LighthouseFailed(problem)
