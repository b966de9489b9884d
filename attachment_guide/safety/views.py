from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from attachment_guide.http import private
from attachment_guide.safety.helplines import get_helplines
from attachment_guide.spaces.services import space_id_for_request
from lessons.content import get_catalog

EXIT_FORGETS = "exit_forgets"


@require_GET
def support(request: HttpRequest) -> HttpResponse:
    helplines = get_helplines()
    has_space = space_id_for_request(request) is not None
    ctx = {
        "helplines": helplines,
        "has_space": has_space,
        "is_account": has_space and request.user.is_authenticated,
        "exit_forgets": request.session.get(EXIT_FORGETS, False) if has_space else False,
        "guest_space_days": settings.GUEST_SPACE_DAYS,
    }
    return private(render(request, "safety/support.html", ctx))


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "safety/privacy.html", {"guest_space_days": settings.GUEST_SPACE_DAYS})


@require_GET
def grounding(request: HttpRequest) -> HttpResponse:
    page = get_catalog().grounding
    if page is None:
        raise Http404("No grounding exercise")
    return render(request, "safety/grounding.html", {"page": page})


@require_GET
def quick_exit(request: HttpRequest) -> HttpResponse:
    """The one GET that changes state, on purpose: a person in danger must be able to leave
    with one tap. It ends an account's session; a guest's key to their journal is kept unless
    they chose otherwise, because losing it cannot be undone."""
    if request.user.is_authenticated:
        logout(request)
    elif request.session.get(EXIT_FORGETS):
        request.session.flush()
    response = HttpResponseRedirect(settings.QUICK_EXIT_URL)
    # Not "cache" (it stalls Chromium for seconds) and not "cookies" (it would end every
    # guest's journal): storage is all this site could have left behind.
    response["Clear-Site-Data"] = '"storage"'
    response["Referrer-Policy"] = "no-referrer"
    return private(response)


@require_POST
def exit_choice(request: HttpRequest) -> HttpResponse:
    """A guest's choice: should quick exit also forget this browser's key to the journal?"""
    if space_id_for_request(request) is not None:
        request.session[EXIT_FORGETS] = request.POST.get("forget") == "1"
    return redirect("/support/#quick-exit-choice")
