"""Settings for Attachment Guide, read from the environment.

A fresh clone runs in development mode on SQLite with no variables set. Production mode is
`DJANGO_DEBUG=false`, which refuses to start without a real secret key and allowed hosts.
Every variable is listed in README.md.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envtext(name: str, default: str = "") -> str:
    """Text shown on pages. Lesson pages are rendered once with private-use characters
    marking each reader's parts (attachment_guide/frames.py), so such a character here, from
    an icon font say, would stop those pages: refused at start, like one in the content."""
    value = os.environ.get(name, "").strip() or default
    if found := re.search("[\ue000-\uf8ff]", value):
        raise ImproperlyConfigured(
            f"{name} has a private-use character U+{ord(found[0]):04X} (from an icon font?),"
            " which no reader could see: remove it"
        )
    return value


DEBUG = envbool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdefghij"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is false. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET_KEY
):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50 characters or more")

ALLOWED_HOSTS = envlist(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG is false, e.g. guide.example.org"
    )
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin, as a site that shows staff metadata only (attachment_guide/staff/).
    "attachment_guide.staff.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_htmx",
    "lessons",
    "attachment_guide.spaces",
    "attachment_guide.journal",
    "attachment_guide.circle",
    "attachment_guide.accounts",
    "attachment_guide.safety",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "attachment_guide.http.ContentSecurityPolicyMiddleware",  # Django's, built once
    "attachment_guide.http.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "attachment_guide.safety.exit.PendingExitMiddleware",  # needs the session and the user
    "attachment_guide.http.MessageMiddleware",  # Django's; a page with a notice is not cached
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "attachment_guide.spaces.views.LockMiddleware",
]

ROOT_URLCONF = "attachment_guide.urls"
WSGI_APPLICATION = "attachment_guide.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # The admin needs these two; both are lazy, so other pages pay nothing.
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "attachment_guide.safety.context.site",
                "attachment_guide.accounts.context.return_to",
            ],
        },
    },
]

# A refused form puts the focus on the first thing to fix (attachment_guide/forms.py).
FORM_RENDERER = "attachment_guide.forms.Renderer"

_SQLITE = {
    "default": {
        # Django's SQLite backend, with writers queued on a lock file instead of SQLite's
        # sleep-and-retry (attachment_guide/db/sqlite3/base.py).
        "ENGINE": "attachment_guide.db.sqlite3",
        "NAME": os.environ.get("DJANGO_SQLITE_PATH", "").strip() or BASE_DIR / "db.sqlite3",
        "OPTIONS": {
            # WAL lets readers and one writer work at once; FULL makes a commit survive power
            # loss; IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait for
            # `timeout` seconds instead of failing with "database is locked" mid-transaction.
            # secure_delete overwrites deleted rows: without it they stay readable in freed
            # pages of the file, and in every backup of it (Debian's SQLite has it on by
            # default; others, such as Homebrew's and python.org's, do not).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
            "PRAGMA secure_delete=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # Keep each worker thread's connection open between requests, as with PostgreSQL:
        # opening one (and running the PRAGMAs above) cost about 0.8 ms a request.
        "CONN_MAX_AGE": envint("DATABASE_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # Tests use a file too: an in-memory database would share one connection between
        # the browser tests' server threads and hide real locking behaviour.
        "TEST": {"NAME": str(BASE_DIR / ".test-db.sqlite3")},
    }
}
# DATABASE_URL (postgres://user:password@host:5432/name) selects PostgreSQL, or any database
# Django supports, for deployments with several app servers; unset, SQLite on this machine.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    import dj_database_url

    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = _SQLITE
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", "").strip() or BASE_DIR / "staticfiles"
# favicon.ico and robots.txt must live at the site root; whitenoise serves them from here.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
# Development serves straight from static/ and picks up edits; production from STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production needs `collectstatic` for minified, hashed, compressed, forever-cacheable
        # files (attachment_guide/storage.py).
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "attachment_guide.storage.MinifiedStaticFilesStorage"
    },
}

# The Markdown lessons. Loaded once per process; reloaded on change in development.
CONTENT_DIR = BASE_DIR / "content"
CONTENT_RELOAD = DEBUG
# `manage.py check` warns about a lesson whose last review (its `reviewed_on`) is older.
CONTENT_REVIEW_MAX_AGE_DAYS = envint("CONTENT_REVIEW_MAX_AGE_DAYS", 365)
if CONTENT_REVIEW_MAX_AGE_DAYS < 1:
    raise ImproperlyConfigured("CONTENT_REVIEW_MAX_AGE_DAYS must be 1 or more")
# The largest request body Django reads (its default, 2.5 MiB); past it a save is refused
# with 400 and its words are lost. Without JavaScript a lesson's one form sends every box at
# once: `manage.py check` fails for a lesson whose form, every box at the length limit, could
# be larger (lessons.E002, see journal.reflections.lesson_form_max_bytes).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# "Report a problem with this lesson": at most this many reports a clock hour, site-wide.
PROBLEM_REPORTS_PER_HOUR = envint("PROBLEM_REPORTS_PER_HOUR", 30)
# Crisis and support lines for /support/: a checked TOML file (see content/README.md).
HELPLINES_FILE = Path(
    os.environ.get("HELPLINES_FILE", "").strip() or BASE_DIR / "content" / "helplines.toml"
)


def operator_setting(name: str, development: str) -> str:
    """Who runs this copy of the site, for the privacy notice at /privacy/. Production refuses
    to start without it: a person must know who holds what they write."""
    value = envtext(name)
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(
            f"{name} is required when DJANGO_DEBUG is false: the privacy notice at /privacy/ "
            "names who runs the site, how to reach them and where what people write is kept."
        )
    return development


OPERATOR_NAME = operator_setting("OPERATOR_NAME", "the people running this development copy")
OPERATOR_CONTACT = operator_setting("OPERATOR_CONTACT", "nobody yet: this is a development copy")
DATA_LOCATION = operator_setting("DATA_LOCATION", "the computer running this development copy")

# Quick exit sends the browser here: an everyday page that draws no attention.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "").strip() or "https://www.bbc.com/weather"
if not QUICK_EXIT_URL.startswith("https://"):
    raise ImproperlyConfigured("QUICK_EXIT_URL must be an https:// address")
# A neutral name in the header and in every page title, for readers whose screens are seen.
DISCREET_MODE = envbool("DISCREET_MODE", False)
SITE_NAME = envtext("SITE_NAME", "Notes" if DISCREET_MODE else "")

# Security headers. Every page sends them; production adds HTTPS-only rules below.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Powerful browser features the site never uses, turned off for it and for anything it might
# ever embed: sent as `Permissions-Policy: camera=(), ...` (attachment_guide/http.py). Only
# names that Chromium knows: it warns in the console of each one it does not.
PERMISSIONS_POLICY = [
    "accelerometer",
    "browsing-topics",  # tracking for ads (FLoC's successor)
    "camera",
    "captured-surface-control",
    "compute-pressure",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "identity-credentials-get",
    "idle-detection",
    "interest-cohort",  # FLoC; still a known name, kept off for older Chromes
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "otp-credentials",
    "payment",
    "private-state-token-issuance",
    "private-state-token-redemption",
    "screen-wake-lock",
    "serial",
    "speaker-selection",
    "usb",
    "window-management",
    "xr-spatial-tracking",
]
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
}
# Messages (the staff admin's, and a few one-time notices after logging in) are kept in the
# session, not in a signed cookie, whose signer Django's default storage made on every
# request to every page (3% of a lesson).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
LOGIN_URL = "accounts:login"
# The staff admin's address: not the well-known /admin/, which bots try first. A path of
# words, digits, hyphens and underscores, ending in "/".
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "").strip() or "staff/"
if not re.fullmatch(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*/", ADMIN_PATH):
    raise ImproperlyConfigured(
        f"DJANGO_ADMIN_PATH must look like 'staff/' or 'team/admin/', not {ADMIN_PATH!r}"
    )
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A guest's private space lives as long as its session: this many days after the last save
# (each save restarts the clock), across browser restarts, on this browser only. It is also
# the retention period: `purge_expired_spaces` deletes guest spaces untouched for longer.
GUEST_SPACE_DAYS = envint("GUEST_SPACE_DAYS", 365)
# Accounts unused (no sign-in, no save) for this many days are deleted with everything in
# them by the same command; 0 keeps accounts until their owner deletes them.
INACTIVE_ACCOUNT_DAYS = envint("INACTIVE_ACCOUNT_DAYS", 0)
# A guest who chose "only for this visit" means it: a browser left open (phones rarely close
# theirs) forgets the space after this many hours without a save, and the same command
# deletes it from the server.
VISIT_SPACE_HOURS = envint("VISIT_SPACE_HOURS", 24)
if VISIT_SPACE_HOURS < 1:
    raise ImproperlyConfigured("VISIT_SPACE_HOURS must be 1 or more")
SESSION_COOKIE_AGE = GUEST_SPACE_DAYS * 24 * 60 * 60
# Saves one space may make per minute (autosaves included). Typing autosaves at most every
# couple of seconds; past the limit the text stays in the page and is saved a minute later.
SAVES_PER_MINUTE = envint("SAVES_PER_MINUTE", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# Django's database sessions, read with a statement written once (see the module).
SESSION_ENGINE = "attachment_guide.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Set at a sign-in with "Remember me": failed log-ins from this browser then count on their
# own, so nobody sharing its network can keep its person locked out (accounts/services.py).
DEVICE_COOKIE_NAME = "device"
# Set by quick exit's script as it leaves, deleted by the site's next answer: an exit that
# could not reach the server (offline, a dead signal) is carried out at the next request
# (attachment_guide/safety/exit.py). The page's script takes its name from the page.
EXIT_PENDING_COOKIE_NAME = "exit_pending"
# A stale token (signed in or out in another tab) gives back the text it carried.
CSRF_FAILURE_VIEW = "attachment_guide.journal.views.csrf_failure"

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are refused by browsers unless Secure, for this exact host, path /: no
    # subdomain or plain-HTTP page can plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-session"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    DEVICE_COOKIE_NAME = "__Host-device"
    EXIT_PENDING_COOKIE_NAME = "__Host-exit_pending"
    if envbool("DJANGO_BEHIND_PROXY", True):
        # Only safe when the proxy in front sets this header itself (nginx, Caddy, a load
        # balancer); set DJANGO_BEHIND_PROXY=false when gunicorn faces the internet directly.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Journal text is encrypted at rest with these keys (AES-256-GCM), newest first: new text uses
# the first, older keys still read rows written before a rotation. Never derived from
# SECRET_KEY, so rotating one never touches the other. Development makes a local key file.
JOURNAL_KEYS = envlist("JOURNAL_KEYS", [])
JOURNAL_KEY_FILE = BASE_DIR / ".journal-key"
if not JOURNAL_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "JOURNAL_KEYS is required when DJANGO_DEBUG is false: journal text is encrypted with "
            "it. Generate one with: python manage.py generate_journal_key"
        )
    from attachment_guide.crypto import development_key

    JOURNAL_KEYS = [development_key(JOURNAL_KEY_FILE)]
else:
    from attachment_guide.crypto import parse_key

    for _key in JOURNAL_KEYS:
        parse_key(_key)  # a malformed key stops the start, not the first save

# Tracebacks of requests that carried journal text or passwords show no variables at all.
DEFAULT_EXCEPTION_REPORTER_FILTER = "attachment_guide.reporting.PrivateTextFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
