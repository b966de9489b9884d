"""Random values drawn in one read (tokens.py): Django's CSRF tokens and uuid4 text, cheaper."""

from __future__ import annotations

import collections
import re
import uuid

import pytest
from django.conf import settings
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CsrfViewMiddleware,
    _unmask_cipher_token,
)
from django.test import Client, RequestFactory

from attachment_guide import tokens

LESSON = "/lessons/attachment-basics/what-attachment-is/"
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def request_through_csrf_middleware(cookie: str | None = None):
    factory = RequestFactory()
    if cookie is not None:
        factory.cookies[settings.CSRF_COOKIE_NAME] = cookie
    request = factory.get("/")
    CsrfViewMiddleware(lambda r: None).process_request(request)
    return request


def test_a_first_visit_gets_a_new_secret_that_its_token_masks():
    request = request_through_csrf_middleware()

    token = tokens.csrf_token(request)

    secret = request.META["CSRF_COOKIE"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", secret)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]  # the response sets the cookie
    assert re.fullmatch(r"[A-Za-z0-9]{64}", token)
    assert _unmask_cipher_token(token) == secret


def test_a_returning_visit_keeps_its_secret_under_a_new_mask_each_time():
    secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
    request = request_through_csrf_middleware(cookie=secret)

    first, second = tokens.csrf_token(request), tokens.csrf_token(request)

    assert request.META["CSRF_COOKIE"] == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]  # renewed, as Django renews it
    assert first != second and first[:32] != second[:32]
    assert _unmask_cipher_token(first) == _unmask_cipher_token(second) == secret


def test_a_secret_that_is_not_one_is_replaced_as_the_middleware_replaces_it():
    request = request_through_csrf_middleware()
    request.META["CSRF_COOKIE"] = "bad!" * 8  # the middleware never leaves one like this

    token = tokens.csrf_token(request)

    secret = request.META["CSRF_COOKIE"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", secret)
    assert _unmask_cipher_token(token) == secret


@pytest.mark.django_db
def test_django_accepts_the_page_token_and_refuses_it_with_another_cookie():
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(LESSON)
    token = TOKEN_FIELD.search(page.content.decode()).group(1)
    progress = f"{LESSON}progress/"

    assert page.cookies[settings.CSRF_COOKIE_NAME].value == _unmask_cipher_token(token)
    accepted = reader.post(progress, {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302 and accepted["Location"].startswith(LESSON)
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(LESSON)  # a cookie of its own
    refused = stranger.post(progress, {"csrfmiddlewaretoken": token})
    assert refused.status_code == 403


def test_bytes_that_would_favour_some_characters_are_dropped(monkeypatch):
    # 248 is the largest multiple of 62 under 256: 248..255 would make 'a'..'h' likelier.
    draws = iter([bytes(range(240, 256)) * 3, bytes(range(62)) * 2])
    monkeypatch.setattr(tokens.os, "urandom", lambda n: next(draws)[:n])

    chars = tokens.random_chars(32)

    # 240..247 are kept (as 240 % 62 = 54 onwards); the rest come from the second read.
    first_read = [CSRF_ALLOWED_CHARS[b % 62] for b in range(240, 248)]
    assert chars.decode() == "".join(first_read * 3 + list(CSRF_ALLOWED_CHARS[:8]))


def test_every_character_is_as_likely_as_every_other():
    counts = collections.Counter(tokens.random_chars(62 * 2000).decode())

    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    # 2,000 expected each, standard deviation 44: a bias like modulo's 25% is far outside.
    assert all(1760 < n < 2240 for n in counts.values()), counts.most_common(3)


def test_random_uuids_are_version_4_and_differ():
    made = {tokens.random_uuid() for _ in range(500)} | set(tokens.random_uuids(500))

    assert len(made) == 1000
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert re.fullmatch(r"[0-9a-f]{32}", tokens.random_hex())
