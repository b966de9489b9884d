"""Settings come from the environment; production refuses to run unsafely."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "guide.example.org",
}

HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
from django.conf import settings
response = Client().get("/", secure=True, headers={"host": "guide.example.org"})
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "cookies": {k: dict(v) for k, v in response.cookies.items()},
}))
"""


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean |= {
        "DJANGO_SETTINGS_MODULE": "attachment_guide.settings",
        "DJANGO_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is required"),
        ({"DJANGO_SECRET_KEY": "short"}, "50 characters or more"),
        ({"DJANGO_SECRET_KEY": "ab" * 40}, "50 characters or more"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS is required"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be one of"),
        ({"DJANGO_HSTS_SECONDS": "a year"}, "DJANGO_HSTS_SECONDS must be a whole number"),
        ({"DJANGO_ADMIN_PATH": "/admin"}, "DJANGO_ADMIN_PATH must look like 'staff/'"),
        ({"CONTENT_REVIEW_MAX_AGE_DAYS": "0"}, "CONTENT_REVIEW_MAX_AGE_DAYS must be 1 or more"),
        ({"PROBLEM_REPORTS_PER_HOUR": "many"}, "PROBLEM_REPORTS_PER_HOUR must be a whole number"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(tmp_path, env, message):
    result = run(["manage.py", "check"], PRODUCTION | env, tmp_path)

    assert result.returncode != 0
    assert message in result.stderr


def test_development_needs_no_configuration(tmp_path):
    result = run(["manage.py", "check"], {}, tmp_path)

    assert result.returncode == 0, result.stderr


def test_production_pages_carry_strict_headers_and_secure_cookies(tmp_path):
    collected = run(["manage.py", "collectstatic", "--no-input", "-v0"], PRODUCTION, tmp_path)
    assert collected.returncode == 0, collected.stderr

    result = run(["-c", HEADERS_SCRIPT], PRODUCTION, tmp_path)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    headers = answer["headers"]
    assert answer["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert_strict_headers(headers)
    csrf = answer["cookies"]["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


def assert_strict_headers(headers) -> None:
    csp = {
        directive.split()[0]: directive.split()[1:]
        for directive in headers["Content-Security-Policy"].split("; ")
    }
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/lessons/attachment-basics/",
        "/lessons/attachment-basics/what-attachment-is/",
        "/lessons/no-such-module/",
        "/healthz",
        "/staff/login/",
    ],
)
def test_every_page_carries_the_csp_and_security_headers(client, url):
    assert_strict_headers(client.get(url).headers)


def test_the_csp_setting_itself_is_strict(settings):
    # `check --deploy` does not notice a missing or weakened CSP, so assert the setting too.
    assert settings.SECURE_CSP["default-src"] == ["'none'"]
    assert settings.SECURE_CSP["script-src"] == ["'self'"]
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE
