from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from attachment_guide.circle.drawing import draw
from attachment_guide.circle.forms import GuidedStartForm, MemberForm
from attachment_guide.circle.models import MAX_MEMBERS, CircleMember, Ring
from attachment_guide.circle.services import (
    CircleFull,
    member_add,
    member_change,
    member_remove,
    members_add,
)
from attachment_guide.http import private
from attachment_guide.spaces.lock import keeps_words
from attachment_guide.spaces.services import (
    MARKER_FIELD,
    NOT_SAVED_HERE,
    AgreementMissing,
    SaveLimitReached,
    space_for_saving,
    space_id_for_request,
    space_marker_stale,
)
from lessons.content import get_catalog

PAGE = "circle/index.html"
# The lesson that introduces the map; the page links back to it.
LESSON = ("support-networks", "building-your-circle")
# After a change without JavaScript, the page it redirects to says what happened.
DONE = {
    "added": gettext_lazy("Added to your map."),
    "started": gettext_lazy("Your map has its first people."),
    "saved": gettext_lazy("Changes saved."),
    "removed": gettext_lazy("Removed from your map."),
}
AGREE = gettext_lazy(
    "Not kept yet: to keep your map, tick the box agreeing to the privacy notice. What you "
    "typed is still here."
)
NOTICE_CHANGED = gettext_lazy(
    'Not kept yet: the <a href="{url}">privacy notice</a> has changed since this page was '
    "opened. To keep your map under the new notice, tick the box again. What you typed is "
    "still here."
)
FULL = gettext_lazy(
    "Your map is full. To add someone, first remove someone you no longer need on it."
)
TOO_FAST = gettext_lazy(
    "That was a lot of changes in a minute. Please wait a moment and try again."
)


@dataclass
class RingGroup:
    ring: int
    label: str
    members: list[CircleMember]


def map_context(members: list[CircleMember]) -> dict:
    """The drawing and the list by ring: what the page and the printed export both show."""
    return {
        "drawing": draw(members),
        "rings": [
            RingGroup(ring, label, [m for m in members if m.ring == ring])
            for ring, label in Ring.choices
        ],
        "count": len(members),
    }


def _board(
    request: HttpRequest,
    *,
    add_form: MemberForm | None = None,
    start_form: GuidedStartForm | None = None,
    focus: str = "",
    focus_member: uuid.UUID | None = None,
) -> dict:
    """What the map, the list and the forms under them show."""
    members = list(CircleMember.objects.owned_by(space_id_for_request(request)).in_ring_order())
    add_form = add_form or MemberForm(auto_id="add-%s")
    if focus == "add":  # after adding someone, ready to add the next
        add_form.fields["name"].widget.attrs["autofocus"] = True
    return {
        **map_context(members),
        "full": len(members) >= MAX_MEMBERS,
        "add_form": add_form,
        "start_form": start_form or GuidedStartForm(auto_id="start-%s"),
        "focus": focus,
        "focus_member": focus_member,
    }


def circle_page(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    lesson = get_catalog().lesson(*LESSON)
    ctx = {
        **_board(request, **forms),
        "lesson": lesson,
        "lesson_url": lesson and reverse("lesson", args=[lesson.module_slug, lesson.slug]),
        "done": DONE.get(request.GET.get("done", ""), ""),
        "has_space": space_id_for_request(request) is not None,
    }
    return _retry_later(private(render(request, PAGE, ctx, status=status)))


def _retry_later(response: HttpResponse) -> HttpResponse:
    if response.status_code == 429:
        response["Retry-After"] = "60"
    return response


def _changed(request: HttpRequest, message: str, done: str, anchor: str, **focus) -> HttpResponse:
    """After a change: the new map and list in place (htmx), or back to the page (no JS)."""
    if request.htmx:
        ctx = {**_board(request, **focus), "message": message}
        return private(render(request, f"{PAGE}#board", ctx))
    return private(redirect(f"{reverse('circle:index')}?done={done}#{anchor}"))


def _refused(request: HttpRequest, partial: str, target: str, ctx: dict, status: int):
    """A form with its errors and what was typed, in place of the one that was sent."""
    response = render(request, f"{PAGE}#{partial}", ctx, status=status)
    retarget(response, target)
    reswap(response, "outerHTML")
    return private(response)


def _not_agreed(form, refusal: AgreementMissing) -> None:
    """Refused for want of the tick, or because it was ticked for older words. Its link to the
    notice opens it over the page (notice.js, data-agreement-refused): leaving would lose what
    was typed."""
    if refusal.outdated:
        changed = format_html(str(NOTICE_CHANGED), url=reverse("privacy"))
        form.add_error(None, format_html("<span data-agreement-refused>{}</span>", changed))
    else:
        form.add_error(None, AGREE)


def _not_saved_here(request: HttpRequest, form, partial: str, target: str, ctx: dict):
    """A change from a page made for another space than this browser holds now: signed out,
    or someone signed in, in another tab (see `space_marker_stale`). Nothing is kept; the
    form comes back with what was typed, still made for that space, so sending it again is
    refused too until this browser is back in it."""
    sent = request.POST.get(MARKER_FIELD, "")
    if request.htmx:
        form.add_error(None, NOT_SAVED_HERE)
        return _refused(request, partial, target, {**ctx, "space_marker": sent}, 422)
    ctx = {"message": NOT_SAVED_HERE, "form": form, "action": request.path, "space_marker": sent}
    return private(render(request, "spaces/not_saved.html", ctx, status=409))


def _too_fast(form, request: HttpRequest) -> int:
    form.add_error(None, TOO_FAST)
    # htmx swaps only 2xx, 409 and 422 (base.html): a refusal it must show is a 422 there.
    return 422 if request.htmx else 429


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The map, the list beside it, and the ways to add people."""
    return circle_page(request)


@require_POST
@keeps_words("name", "reach", form=MemberForm)
def add(request: HttpRequest) -> HttpResponse:
    form, status = MemberForm(request.POST, auto_id="add-%s"), 422
    if space_marker_stale(request):
        board = {**_board(request, add_form=form), "full": False}
        return _not_saved_here(request, form, "add", "#circle-add", board)
    if form.is_valid():
        try:
            member = member_add(space=space_for_saving(request), **form.cleaned_data)
        except SaveLimitReached:
            status = _too_fast(form, request)
        except AgreementMissing as refusal:
            _not_agreed(form, refusal)
        except CircleFull:
            form.add_error(None, FULL)
        else:
            anchor = f"member-{member.id}"
            return _changed(request, _("Added to your map."), "added", anchor, focus="add")
    if request.htmx:
        board = _board(request, add_form=form)
        return _refused(request, "add", "#circle-add", board, status)
    return circle_page(request, add_form=form, status=status)


@require_POST
@keeps_words("hard_day", "most_weeks", "services", form=GuidedStartForm)
def start(request: HttpRequest) -> HttpResponse:
    """The guided start: a few questions whose answers put the first people on the map."""
    form, status = GuidedStartForm(request.POST, auto_id="start-%s"), 422
    if space_marker_stale(request):
        return _not_saved_here(request, form, "start", "#circle-start", {"start_form": form})
    if form.is_valid():
        try:
            count = members_add(space=space_for_saving(request), people=form.cleaned_data["people"])
        except SaveLimitReached:
            status = _too_fast(form, request)
        except AgreementMissing as refusal:
            _not_agreed(form, refusal)
        except CircleFull:
            form.add_error(None, FULL)
        else:
            message = ngettext(
                "Added %(count)d to your map.", "Added %(count)d to your map.", count
            ) % {"count": count}
            return _changed(request, message, "started", "circle-list-title", focus="list")
    if request.htmx:
        board = _board(request, start_form=form)
        return _refused(request, "start", "#circle-start", board, status)
    return circle_page(request, start_form=form, status=status)


def _owned(request: HttpRequest, member_id: uuid.UUID) -> CircleMember:
    space_id = space_id_for_request(request)
    found = CircleMember.objects.owned_by(space_id).filter(id=member_id).first()
    if found is None:
        raise Http404("No such person in this circle")
    return found


def _edit_form(member: CircleMember, data=None) -> MemberForm:
    initial = {"name": member.name, "ring": member.ring, "helps": member.helps}
    initial["reach"] = member.reach
    return MemberForm(data, initial=initial, auto_id=f"edit-{member.id}-%s")


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@keeps_words("name", "reach", form=MemberForm)
def member(request: HttpRequest, member_id: uuid.UUID) -> HttpResponse:
    """One person: shown or opened for editing in place (GET), changed (POST)."""
    if request.method == "POST" and space_marker_stale(request):
        # Before looking them up: they are in the space the page was made for, not this one.
        form = MemberForm(request.POST, auto_id=f"edit-{member_id}-%s")
        ctx = {"m": {"id": member_id}, "form": form}
        return _not_saved_here(request, form, "edit", f"#member-{member_id}", ctx)
    found = _owned(request, member_id)
    if request.method == "GET":
        if not request.htmx:
            ctx = {"m": found, "form": _edit_form(found)}
            return private(render(request, "circle/member.html", ctx))
        if "edit" in request.GET:
            form = _edit_form(found)
            form.fields["name"].widget.attrs["autofocus"] = True
            ctx = {"m": found, "form": form}
            return private(render(request, f"{PAGE}#edit", ctx))
        ctx = {"m": found, "focus_member": found.id}
        return private(render(request, f"{PAGE}#member", ctx))

    form, status = _edit_form(found, request.POST), 422
    if form.is_valid():
        try:
            space_for_saving(request)  # counts this change against the allowance
        except SaveLimitReached:
            status = _too_fast(form, request)
        except AgreementMissing as refusal:  # a newer notice than the one agreed to
            _not_agreed(form, refusal)
        else:
            member_change(member=found, **form.cleaned_data)
            anchor = f"member-{found.id}"
            return _changed(request, _("Changes saved."), "saved", anchor, focus_member=found.id)
    ctx = {"m": found, "form": form}
    if request.htmx:
        return _refused(request, "edit", f"#member-{found.id}", ctx, status)
    return _retry_later(private(render(request, "circle/member.html", ctx, status=status)))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def remove(request: HttpRequest, member_id: uuid.UUID) -> HttpResponse:
    """Ask first (GET), then take the person off the map (POST)."""
    found = _owned(request, member_id)
    if request.method == "GET":
        template = f"{PAGE}#confirm" if request.htmx else "circle/remove.html"
        return private(render(request, template, {"m": found}))
    member_remove(member=found)
    return _changed(
        request, _("Removed from your map."), "removed", "circle-list-title", focus="list"
    )
