"""Settings come from the environment; production refuses to run unsafely."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client

from tests.conftest import AGREE

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "guide.example.org",
    "JOURNAL_KEYS": "X0nL9yq2cK1dQ3mZ8vB7tR5wE4uI6oP0aS2dF4gH6jk=",
    "OPERATOR_NAME": "Harbour Counselling",
    "OPERATOR_CONTACT": "privacy@harbour.example.org",
    "DATA_LOCATION": "a data centre in Leeds, United Kingdom",
}

HEADERS_SCRIPT = """
import json, uuid, django
django.setup()
from django.core.management import call_command
from django.test import Client
from attachment_guide.safety.notice import NOTICE_VERSION
call_command("migrate", verbosity=0)
host = {"host": "guide.example.org"}
client = Client()
home = client.get("/", secure=True, headers=host)
saved = client.post(
    "/journal/write/",
    {"agree": NOTICE_VERSION, "body": "x", "entry": str(uuid.uuid4()), "version": 0},
    secure=True, headers=host,
)
plain = Client().get("/", headers=host)
def cookies(response):
    return {k: dict(v) for k, v in response.cookies.items()}
print(json.dumps({
    "status": home.status_code,
    "headers": dict(home.headers),
    "html": home.content.decode(),
    "cookies": cookies(home) | cookies(saved),
    "http": {"status": plain.status_code, "location": plain.headers.get("Location", "")},
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
    # The lessons' review age is a check of its own (test_content_review.py); left at a
    # year, it would fail this test of the settings a year after the last review.
    env = PRODUCTION | {"CONTENT_REVIEW_MAX_AGE_DAYS": "36500"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)

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
        ({"JOURNAL_KEYS": ""}, "JOURNAL_KEYS is required"),
        ({"OPERATOR_NAME": ""}, "OPERATOR_NAME is required"),
        ({"OPERATOR_CONTACT": ""}, "OPERATOR_CONTACT is required"),
        ({"DATA_LOCATION": ""}, "DATA_LOCATION is required"),
        ({"OPERATOR_NAME": "Safe \ue000 Haven"}, "OPERATOR_NAME has a private-use character"),
        ({"SITE_NAME": "\uf8ffNotes"}, "SITE_NAME has a private-use character U+F8FF"),
        ({"JOURNAL_KEYS": "not-a-key"}, "32 random bytes"),
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
    csrf = answer["cookies"]["__Host-csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    session = answer["cookies"]["__Host-session"]
    assert (session["secure"], session["httponly"], session["path"]) == (True, True, "/")
    assert not session["domain"]

    score, modifiers = observatory_score(answer)
    assert score >= 100, f"Observatory grade below A+ ({score}): {modifiers}"


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
    allowed = dict(feature.split("=") for feature in headers["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert allowed[feature] == "()", feature


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/lessons/attachment-basics/",
        "/lessons/attachment-basics/what-attachment-is/",
        "/lessons/no-such-module/",
        "/healthz",
        "/privacy/",
        "/settings/",
        "/lock/",
        "/journal/export/",
        "/staff/login/",
    ],
)
def test_every_page_carries_the_csp_and_security_headers(client, url):
    assert_strict_headers(client.get(url).headers)


@pytest.mark.django_db
def test_errors_and_htmx_fragments_carry_them_too(client, settings):
    import uuid

    settings.SAVES_PER_MINUTE = 1
    fragment = client.post(
        "/journal/write/",
        {**AGREE, "body": "x", "entry": str(uuid.uuid4()), "version": 0},
        headers={"HX-Request": "true"},
    )
    too_fast = client.post(
        "/journal/write/",
        {"body": "y", "entry": str(uuid.uuid4()), "version": 0},
        headers={"HX-Request": "true"},
    )
    refused = client.get("/journal/write/")
    missing = client.get("/journal/entries/00000000-0000-4000-8000-000000000000/")

    assert (fragment.status_code, too_fast.status_code) == (200, 429)
    assert (refused.status_code, missing.status_code) == (405, 404)
    for response in (fragment, too_fast, refused, missing):
        assert_strict_headers(response.headers)


def test_the_csp_setting_itself_is_strict(settings):
    # `check --deploy` does not notice a missing or weakened CSP, so assert the setting too.
    assert settings.SECURE_CSP["default-src"] == ["'none'"]
    assert settings.SECURE_CSP["script-src"] == ["'self'"]
    assert "attachment_guide.http.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_the_csp_header_built_once_is_the_one_django_builds_and_follows_the_setting(settings):
    from django.middleware.csp import ContentSecurityPolicyMiddleware as Djangos
    from django.test import RequestFactory
    from django.utils.csp import CSP

    from attachment_guide.http import ContentSecurityPolicyMiddleware

    def headers(policy):
        settings.SECURE_CSP = policy
        ours = Client().get("/grounding/")
        request = RequestFactory().get("/grounding/")
        Djangos(lambda r: None).process_request(request)
        theirs = Djangos(lambda r: None).process_response(request, HttpResponse())
        return ours.headers.get(CSP.HEADER_ENFORCE), theirs.headers.get(CSP.HEADER_ENFORCE)

    strict = dict(settings.SECURE_CSP)
    ours, djangos = headers(strict)
    assert ours == djangos and "default-src 'none'" in ours and "frame-ancestors 'none'" in ours
    ours, djangos = headers({**strict, "img-src": [CSP.SELF, "data:"]})
    assert ours == djangos and "img-src 'self' data:" in ours
    assert headers({})[0] is None  # no policy, no header, as with Django's

    # A policy with a nonce is left to Django's code, which puts each page's own nonce in it.
    settings.SECURE_CSP = {**strict, "script-src": [CSP.SELF, CSP.NONCE]}
    ours = ContentSecurityPolicyMiddleware(lambda r: None)
    for _ in range(2):  # the second response too: nothing of the first is kept
        request = RequestFactory().get("/")
        ours.process_request(request)
        nonce = str(request._csp_nonce)  # the page used it
        header = ours.process_response(request, HttpResponse())[CSP.HEADER_ENFORCE]
        assert f"script-src 'self' 'nonce-{nonce}'" in header


@pytest.mark.django_db
def test_every_response_is_valid_wsgi():
    # wsgiref's validator checks what strict WSGI servers check: header names must be plain
    # str (a str subclass, such as Django's CSP enum, is refused by wsgiref's own server).
    from wsgiref.util import setup_testing_defaults
    from wsgiref.validate import validator

    from attachment_guide.wsgi import application

    statuses: list[str] = []
    for path in ("/", "/lessons/attachment-basics/what-attachment-is/", "/grounding/"):
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update(PATH_INFO=path, QUERY_STRING="", HTTP_HOST="testserver")
        body = validator(application)(environ, lambda status, headers: statuses.append(status))
        html = b"".join(body)
        body.close()
        assert statuses.pop() == "200 OK" and b"</html>" in html


def observatory_score(answer: dict) -> tuple[int, dict[str, int]]:
    """The Mozilla HTTP Observatory score of a production response, from its published rules
    (github.com/mozilla/http-observatory, httpobs/docs/scoring.md): start at 100, apply each
    test's modifier, and count bonuses only when the score without them is 90 or more.
    100 and up is A+."""
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    modifiers: dict[str, int] = {}

    csp_header = headers.get("content-security-policy", "")
    csp = {
        part.split()[0].lower(): part.split()[1:] for part in csp_header.split(";") if part.strip()
    }
    scripts = csp.get("script-src", csp.get("default-src", []))
    sources = [source for values in csp.values() for source in values]
    if not csp:
        modifiers["csp-not-implemented"] = -25
    elif "'unsafe-inline'" in scripts:
        modifiers["csp-implemented-with-unsafe-inline"] = -20
    elif any(source.startswith("http:") for source in sources):
        modifiers["csp-implemented-with-insecure-scheme"] = -20
    elif "'unsafe-eval'" in scripts:
        modifiers["csp-implemented-with-unsafe-eval"] = -10
    elif "'unsafe-inline'" in csp.get("style-src", []):
        modifiers["csp-implemented-with-unsafe-inline-in-style-src-only"] = 0
    elif csp.get("default-src") == ["'none'"]:
        modifiers["csp-implemented-with-no-unsafe-default-src-none"] = 10
    else:
        modifiers["csp-implemented-with-no-unsafe"] = 5

    cookies = answer["cookies"]
    hsts = headers.get("strict-transport-security", "")
    max_age = int(hsts.split("max-age=")[1].split(";")[0]) if "max-age=" in hsts else 0
    sessions = [c for name, c in cookies.items() if "session" in name.lower()]
    if not cookies:
        modifiers["cookies-not-found"] = 0
    elif any(not c["secure"] for c in sessions):
        modifiers["cookies-session-without-secure-flag"] = -40
    elif any(not c["httponly"] for c in sessions):
        modifiers["cookies-session-without-httponly-flag"] = -30
    elif any(not c["secure"] for c in cookies.values()):
        modifiers["cookies-without-secure-flag"] = -20
    elif all(c["samesite"] for c in cookies.values()):
        modifiers["cookies-secure-with-httponly-sessions-and-samesite"] = 5
    else:
        modifiers["cookies-secure-with-httponly-sessions"] = 0

    if headers.get("access-control-allow-origin", "").strip() == "*":
        modifiers["cross-origin-resource-sharing-implemented-with-universal-access"] = -50
    else:
        modifiers["cross-origin-resource-sharing-not-implemented"] = 0

    http = answer["http"]
    if http["status"] in (301, 302, 307, 308) and http["location"].startswith(
        "https://guide.example.org/"
    ):
        modifiers["redirection-to-https"] = 0
    else:
        modifiers["redirection-missing"] = -20

    policy = headers.get("referrer-policy", "").split(",")[-1].strip().lower()
    if policy in {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}:
        modifiers["referrer-policy-private"] = 5
    elif policy in {"unsafe-url", "no-referrer-when-downgrade"}:
        modifiers["referrer-policy-unsafe"] = -5
    else:
        modifiers["referrer-policy-not-implemented"] = 0

    if not hsts:
        modifiers["hsts-not-implemented"] = -20
    elif max_age < 15_768_000:
        modifiers["hsts-implemented-max-age-less-than-six-months"] = -10
    else:
        modifiers["hsts-implemented-max-age-at-least-six-months"] = 0

    script_sources = [chunk.split('"')[0] for chunk in answer["html"].split('<script src="')[1:]]
    if all(src.startswith("/") and not src.startswith("//") for src in script_sources):
        modifiers["sri-not-implemented-but-all-scripts-loaded-from-secure-origin"] = 0
    else:
        modifiers["sri-not-implemented-but-external-scripts-loaded-securely"] = -5

    if headers.get("x-content-type-options", "").lower() == "nosniff":
        modifiers["x-content-type-options-nosniff"] = 0
    else:
        modifiers["x-content-type-options-not-implemented"] = -5

    if csp.get("frame-ancestors") in (["'none'"], ["'self'"]):
        modifiers["x-frame-options-implemented-via-csp"] = 5
    elif headers.get("x-frame-options", "").upper() in {"DENY", "SAMEORIGIN"}:
        modifiers["x-frame-options-sameorigin-or-deny"] = 0
    else:
        modifiers["x-frame-options-not-implemented"] = -20

    penalties = 100 + sum(value for value in modifiers.values() if value < 0)
    bonuses = sum(value for value in modifiers.values() if value > 0)
    return (penalties + bonuses if penalties >= 90 else penalties), modifiers


def test_the_observatory_scoring_catches_a_weak_site():
    weak = {
        "headers": {"Content-Security-Policy": "script-src 'self' 'unsafe-inline'"},
        "cookies": {"sessionid": {"secure": False, "httponly": False, "samesite": ""}},
        "http": {"status": 200, "location": ""},
        "html": '<script src="https://cdn.example/x.js"></script>',
    }

    score, modifiers = observatory_score(weak)

    assert score < 50
    assert modifiers["csp-implemented-with-unsafe-inline"] == -20
    assert modifiers["cookies-session-without-secure-flag"] == -40
