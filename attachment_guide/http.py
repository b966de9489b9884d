"""Small response helpers shared by the apps."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import middleware as messages
from django.http import HttpRequest, HttpResponse
from django.middleware import csp
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.cache import patch_cache_control
from django.utils.csp import CSP, build_policy
from django.utils.http import url_has_allowed_host_and_scheme


def private(response: HttpResponse) -> HttpResponse:
    """A page that may show what a person wrote or read never enters any cache."""
    patch_cache_control(response, no_store=True, private=True)
    return response


def private_to_a_reader(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A page the same for everyone but its menu, which tells of a space or an account
    ("Settings", "Lock now", "Account"): for such a reader it never enters a cache either."""
    if request.session.get("space_id") or request.user.is_authenticated:
        private(response)
    return response


def same_site(request: HttpRequest, target: str) -> str:
    """`target` when it is an address on this site to send the person back to (a `next`),
    or "" when it is empty or would lead elsewhere."""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


def reverse_once(name: str, *args: str) -> str:
    """`reverse(name, args=args)`, worked out once: for the addresses of lessons and prompts,
    which every lesson page needs and the catalog bounds (resolving was a tenth of a page).
    Never for ids of people's entries: there is no end to those."""
    return _reversed(name, args, get_script_prefix(), get_urlconf(settings.ROOT_URLCONF))


@functools.lru_cache(maxsize=4096)
def _reversed(name: str, args: tuple[str, ...], prefix: str, urlconf: str) -> str:
    return reverse(name, args=args)


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    """Django's, with the header built once: our policy (SECURE_CSP) has no nonce, so its
    text is the same for every response, and building it from the setting each time was
    2% of an anonymous lesson. Anything else (a nonce, a report-only policy, a view's own
    policy) goes through Django's code as it is. The text is rebuilt when the setting is
    replaced (as override_settings does); change it by replacing it, never in place."""

    # The setting the text was built from, and the text (None: it has a nonce).
    _built: tuple[object, str | None] = (None, None)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        config = settings.SECURE_CSP
        built_from, policy = self._built
        if built_from is not config:
            has_nonce = any(
                values == CSP.NONCE
                or (isinstance(values, list | tuple | set) and CSP.NONCE in values)
                for values in config.values()
            )
            policy = None if has_nonce or not config else build_policy(config)
            self._built = (config, policy)
        if (
            policy is None
            or settings.SECURE_CSP_REPORT_ONLY
            or CSP.HEADER_ENFORCE in response
            or hasattr(response, "_csp_config")
            or hasattr(response, "_csp_ro_config")
        ):
            return super().process_response(request, response)
        # A plain str name, as Django writes it: WSGI servers may refuse a str subclass.
        response.headers[str(CSP.HEADER_ENFORCE)] = policy
        return response


class MessageMiddleware(messages.MessageMiddleware):
    """Django's, but a page that showed a one-time notice never enters any cache: a notice
    can tell of the person's account (a passcode left behind on logging in), and it waits
    for the next page rendered whole, which may be one otherwise cached (the glossary)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        shown = getattr(request, "_messages", None)
        if shown is not None and shown.used:  # `used`: the page went through them
            private(response)
        return super().process_response(request, response)


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every page, turning off the features in PERMISSIONS_POLICY.
    Its text is built once, like the CSP's, and again only when the setting is replaced (as
    override_settings does). After whitenoise, as the CSP is: a policy governs documents,
    not the stylesheets and scripts whitenoise answers for before this is reached."""

    HEADER = "Permissions-Policy"
    # The setting the text was built from, and the text ("" for none: no header).
    _built: tuple[object, str] = (None, "")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        features = settings.PERMISSIONS_POLICY
        built_from, policy = self._built
        if built_from is not features:
            policy = ", ".join(f"{feature}=()" for feature in features)
            self._built = (features, policy)
        if policy and self.HEADER not in response:
            response.headers[self.HEADER] = policy
        return response
