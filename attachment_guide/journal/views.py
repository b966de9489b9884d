from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from attachment_guide.circle.models import CircleMember
from attachment_guide.circle.views import map_context
from attachment_guide.frames import Frame, FrameCache, Reader, slot
from attachment_guide.http import private, reverse_once
from attachment_guide.journal import reflections
from attachment_guide.journal.export import (
    Selection,
    as_json,
    as_markdown,
    as_print_page,
    circle_members,
    filename,
    in_zone,
)
from attachment_guide.journal.forms import ExportForm
from attachment_guide.journal.models import Entry
from attachment_guide.journal.reflections import Reflection
from attachment_guide.journal.services import (
    Answers,
    EntryConflict,
    EntryTooLong,
    EntryWouldEmpty,
    answers_for_prompts,
    entries_from,
    entries_matching,
    entry_delete,
    entry_first_save,
    entry_keep_both,
    entry_save,
    normalize_body,
)
from attachment_guide.spaces.lock import YOUR_TEXT, Words, keeps_words
from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import (
    MARKER_FIELD,
    NOT_SAVED_HERE,
    AgreementMissing,
    SaveLimitReached,
    agreement_check,
    space_counting_a_save,
    space_for_request,
    space_id_for_request,
    space_marker,
    space_marker_stale,
    space_touch,
)
from attachment_guide.tokens import csrf_token, random_uuid
from lessons.content import get_catalog
from lessons.progress import progress_record, section_of

ENTRIES_PER_PAGE = 20
# Every answer a writing box gets through htmx carries this header. A page answering a save
# in its place with 200 (a Wi-Fi login page, a sign-in page a proxy redirects to) is then
# not taken for "Saved": the box keeps its words and sends them again (reflections.js).
SAVE_ANSWER_HEADER = "X-Save-Answer"


@dataclass
class EntryItem:
    """An entry as the journal lists it: its text, its question, and where it came from."""

    entry: Entry
    question: str
    lesson_title: str = ""
    lesson_url: str = ""

    @classmethod
    def of(cls, entry: Entry) -> EntryItem:
        if not entry.prompt_id:
            return cls(entry=entry, question=_("Free writing"))
        found = get_catalog().prompts.get(entry.prompt_id)
        if found is None:
            return cls(entry=entry, question=_("A question from an earlier version of the lessons"))
        lesson, prompt = found
        return cls(
            entry=entry,
            question=prompt.question,
            lesson_title=lesson.title,
            lesson_url=reflections.lesson_url(lesson, prompt.id),
        )

    @cached_property
    def url(self) -> str:
        return entry_url("journal:entry", self.entry.id)

    @cached_property
    def delete_url(self) -> str:
        return entry_url("journal:delete", self.entry.id)

    @property
    def id(self) -> str:
        return str(self.entry.id)

    @property
    def created_iso(self) -> str:
        return template_localtime(self.entry.created).isoformat()  # the date filter's "c"

    @property
    def created_text(self) -> str:
        return reflections.day_words(template_localtime(self.entry.created), "j F Y")

    @property
    def body_html(self) -> str:
        # Escaped first, then paragraphs: what the template's `linebreaks` filter does.
        return mark_safe(linebreaks(self.entry.body, autoescape=True))  # noqa: S308


_NO_ENTRY = uuid.UUID(int=0)


def entry_url(name: str, entry_id: uuid.UUID) -> str:
    """`reverse(name, args=[entry_id])` for the entry URLs, without resolving each time: the
    journal lists 20 cards a page, each with two links (reversing was a tenth of the page)."""
    return _entry_url_shape(name, get_script_prefix()).replace(str(_NO_ENTRY), str(entry_id))


@functools.cache
def _entry_url_shape(name: str, prefix: str) -> str:
    return reverse(name, args=[_NO_ENTRY])


@dataclass(frozen=True)
class _CardStandIn:
    """What a card's frame is rendered from: the question and its lesson, slots for the rest."""

    question: str
    lesson_title: str
    lesson_url: str


_CARD_SLOTS = ("id", "url", "delete_url", "created_iso", "created_text", "body_html")
_cards = FrameCache()


def card_html(item: EntryItem) -> str:
    """`journal/entry.html#card` for `item`, from a frame per question rendered once with
    slots where the entry's own values go (rendering 20 cards was most of the journal page).
    The frame sees only the question and its lesson, which come from the catalog."""
    shape = _CardStandIn(str(item.question), item.lesson_title, item.lesson_url)

    def render() -> str:
        stand_in = {**asdict(shape), **{name: slot(name) for name in _CARD_SLOTS}}
        return render_to_string("journal/entry.html#card", {"item": stand_in})

    frame = _cards.get(get_catalog(), (shape, get_language()), render)
    values = {name: conditional_escape(getattr(item, name)) for name in _CARD_SLOTS}
    return mark_safe(frame.fill(values))  # noqa: S308  (each value escaped just above)


# --- Saving -------------------------------------------------------------------------------


def _uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw or "")
    except ValueError:
        return None


# The largest count a version or a page's request number is stored as (a 64-bit column).
_MAX_COUNT = 2**63 - 1


def _int(raw: str | None) -> int:
    """A count a form sent; 0 for anything else, a number too large to store included (it
    failed the save with a server error)."""
    try:
        value = int(raw or 0)
    except ValueError:
        return 0
    return value if 0 <= value <= _MAX_COUNT else 0


@dataclass
class Submitted:
    """What one writing box sent."""

    body: str = field(repr=False)
    intent: str  # "save", "fresh" or "done"; present only when a button was pressed
    resolve: str  # after a conflict: "mine", "theirs" or "both"
    entry_id: uuid.UUID | None
    base_version: int
    writer: str
    seq: int
    both_id: uuid.UUID | None
    page: uuid.UUID | None  # the view of the page it was on, made with no space (`Reflection`)

    @classmethod
    def parse(cls, post, fixed_entry_id: uuid.UUID | None) -> Submitted:
        resolve = post.get("resolve", "")
        return cls(
            body=post.get("body", ""),
            intent=post.get("intent", ""),
            resolve=resolve,
            entry_id=fixed_entry_id or _uuid(post.get("entry")),
            # Choosing one's own text after a conflict saves on the version one was shown.
            base_version=_int(post.get("over_version" if resolve == "mine" else "version")),
            writer=post.get("writer", "")[:32],
            seq=_int(post.get("seq")),
            both_id=_uuid(post.get("both_id")),
            page=_uuid(post.get("page")),
        )


@dataclass
class Saved:
    """What became of one box's save: the box to show, the HTTP status it calls for (200, or
    the refusal's), whether the whole box is to be shown again (not only its status line),
    the space saved in, and an answer decided along the way (an entry's "Done")."""

    reflection: Reflection
    status: int
    whole_box: bool
    space: Space | None
    response: HttpResponse | None = None


class _OtherVersionGone(Exception):
    """A conflict was resolved ("Keep both", "Keep the other version") after the other
    version was deleted, in another tab or window, or is not this box's question's."""


@sensitive_variables("submitted")
def _save_box(
    request: HttpRequest,
    reflection: Reflection,
    submitted: Submitted,
    *,
    prompt_id: str,
    rebuild: Callable[[Space | None], Reflection],
    page_marker: str,
    fixed_entry_id: uuid.UUID | None = None,
    done: Callable[[Entry], HttpResponse] | None = None,
    first_kept: Callable[[Space], None] | None = None,
) -> Saved:
    """The rules of one box's save, whichever way it is answered. `page_marker` is the space
    marker the box's page was made with: `first_kept` runs, in the save's transaction, when
    text is kept from a page made before there was a space (an empty marker): that page's
    first kept words. A conflict resolved after the other version went is refused as
    "gone" (404): the box holds the text sent, one press from kept as a new answer."""
    if submitted.intent == "fresh" and not reflection.can_start_fresh:
        submitted.intent = "save"
    reflection.body, reflection.version = submitted.body, submitted.base_version
    reflection.entry_id = str(submitted.entry_id) if submitted.entry_id else random_uuid()
    status, whole_box = 200, False
    space_id = space_id_for_request(request)  # a locked space answers with the lock screen
    space = Space(id=space_id) if space_id else None
    keeps_text = submitted.resolve not in ("theirs", "both") and submitted.body.strip()
    try:
        normalize_body(submitted.body)  # refuse over-long text before creating anything
        # Agreeing and being active are recorded at once, whatever becomes of this save.
        if keeps_text:
            agreement_check(request, space)
        if space is not None:
            space_touch(request, space)
        # One transaction: the save and its count against the allowance commit together,
        # in one flush to disk.
        with transaction.atomic():
            space = space_counting_a_save(request, space_id)
            if submitted.resolve in ("theirs", "both"):
                theirs = Entry.objects.owned_by(space and space.id).filter(
                    id=submitted.entry_id, prompt_id=prompt_id
                )
                theirs = theirs.first()
                if theirs is None and (submitted.resolve == "theirs" or space is None):
                    raise _OtherVersionGone()  # undoes the count, as any refusal does
                whole_box = True
                if submitted.resolve == "both":
                    # The other version deleted since: "Keep both" keeps what is left, the
                    # words sent, as their own answer (also when a leaving page sends them).
                    mine = entry_keep_both(
                        space=space,
                        current=theirs,
                        prompt_id=prompt_id,
                        body=submitted.body,
                        new_id=submitted.both_id,
                        writer=submitted.writer,
                        seq=submitted.seq,
                    )
                    if mine is None:  # nothing sent, and nothing left to show
                        raise _OtherVersionGone()
                    if fixed_entry_id:  # this box edits one entry; the new one has its own page
                        url = reverse("journal:entry", args=[mine.id])
                        if theirs is not None:  # that page says what became of both
                            key = reflections.entry_key(mine.id)
                            url += f"?{urlencode({'saved': key, 'both': key})}"
                        answer = HttpResponseClientRedirect(url) if request.htmx else redirect(url)
                        return Saved(reflection, 200, True, space, answer)
                    reflection = rebuild(space).mark_saved(mine)
                    reflection.other_gone = theirs is None
                    if theirs is not None:
                        shown = any(earlier.id == theirs.id for earlier in reflection.earlier)
                        reflection.kept_both = "earlier" if shown else "journal"
                else:
                    reflection = rebuild(space).show(theirs)
                reflection.focus = True
            else:
                saved = None
                if keeps_text and space is None:
                    # A first save, or that save sent again because its answer was lost,
                    # or another box of its page after it: then the space it made, not a
                    # second one (`space_adopt`).
                    space, saved = entry_first_save(
                        request,
                        prompt_id=prompt_id,
                        body=submitted.body,
                        entry_id=submitted.entry_id,
                        base_version=submitted.base_version,
                        writer=submitted.writer,
                        seq=submitted.seq,
                        explicit=bool(submitted.intent),
                        page=submitted.page,
                    )
                    reflection.space_created = True  # news to this browser either way
                elif space is not None:
                    saved = entry_save(
                        space=space,
                        prompt_id=prompt_id,
                        body=submitted.body,
                        entry_id=submitted.entry_id,
                        base_version=submitted.base_version,
                        writer=submitted.writer,
                        seq=submitted.seq,
                        explicit=bool(submitted.intent),
                    )
                if saved is None:
                    reflection.status = "nothing"
                else:
                    reflection.mark_saved(saved)
                    if first_kept is not None and not page_marker:
                        first_kept(space)
                    if submitted.intent == "done" and done is not None:
                        return Saved(reflection, 200, False, space, done(saved))
                if submitted.intent == "fresh":
                    whole_box, created = True, reflection.space_created
                    reflection = rebuild(space)
                    reflection.space_created = created
                    reflection.start_fresh()
    except EntryTooLong as exc:
        reflection.status, reflection.length, status = "too_long", exc.length, 422
    except EntryWouldEmpty:
        reflection.status, status = "would_empty", 422
    except EntryConflict as exc:
        reflection.status, reflection.theirs, status = "conflict", exc.current, 409
    except SaveLimitReached:
        reflection.status, status = "too_fast", 429
    except AgreementMissing as exc:
        reflection.status = "notice_changed" if exc.outdated else "needs_agreement"
        status = 422
    except _OtherVersionGone:
        # The whole box: the conflict's choices go, and its next save makes a new entry.
        reflection.status, status, whole_box = "gone", 404, True
        reflection.entry_id, reflection.version = random_uuid(), 0
        reflection.focus = True  # where the choice pressed was
    return Saved(reflection, status, whole_box, space)


def _saved_query(saved: Saved, submitted: Submitted) -> dict[str, str]:
    """What the page a kept save redirects to is told of that box, as query parameters."""
    reflection = saved.reflection
    if submitted.intent == "fresh":
        return {"fresh": reflection.key}
    if reflection.status == "saved":
        query = {"saved": reflection.key}
        if reflection.space_created:  # the box says where it is kept, as with htmx
            query["new"] = "1"
        if reflection.other_gone:  # and why only one version was kept, as with htmx
            query["alone"] = reflection.key
        if reflection.kept_both:  # and where the other version went, as with htmx
            query["both"] = reflection.key
        return query
    return {}


@sensitive_variables("submitted")
def _save(
    request: HttpRequest,
    reflection: Reflection,
    *,
    prompt_id: str,
    rebuild: Callable[[Space | None], Reflection],
    page: Callable[[Reflection, int], HttpResponse],
    done_url: str,
    fixed_entry_id: uuid.UUID | None = None,
    done: Callable[[Entry], HttpResponse] | None = None,
    first_kept: Callable[[Space], None] | None = None,
) -> HttpResponse:
    """One save from any writing box, answered as htmx fragment or, without JS, as a page.

    The text the person wrote always comes back to them: in the textarea they are typing in
    (htmx swaps only the status line), or in the page rendered again with their draft.
    """
    submitted = Submitted.parse(request.POST, fixed_entry_id)
    saved = _save_box(
        request,
        reflection,
        submitted,
        prompt_id=prompt_id,
        rebuild=rebuild,
        page_marker=request.POST.get(MARKER_FIELD, ""),
        fixed_entry_id=fixed_entry_id,
        done=done,
        first_kept=first_kept,
    )
    if saved.response is not None:
        return _answered_here(saved.response)
    reflection, status, whole_box, space = (
        saved.reflection,
        saved.status,
        saved.whole_box,
        saved.space,
    )

    if not request.htmx:
        if reflection.status == "gone" and fixed_entry_id:
            # The entry this page edits is the one gone: its page cannot keep the words.
            return _kept_as_new(request)
        # A refusal, or an empty box saved: the page says so at the box (a redirect to the
        # page would show it as it was, as if Save had done nothing).
        if status != 200 or reflection.status == "nothing":
            response = page(reflection, status)
            if status == 429:
                response["Retry-After"] = "60"
            return private(response)
        query = _saved_query(saved, submitted)
        suffix = f"?{urlencode(query)}" if query else ""
        return redirect(f"{done_url}{suffix}#{reflection.dom_id}")

    # A page made before this space (or before this save made it) gives all its forms the
    # marker, so a sign-out or someone else's sign-in before their next save is noticed.
    reflection.space_changed = space is not None and (
        reflection.space_created or not request.POST.get(MARKER_FIELD)
    )
    # A space made in a session kept only for this visit (its space deleted since, in a tab
    # left open) is kept only for this visit too: the box says so, not "for 365 days".
    reflection.kept_for_visit = reflection.space_created and space.visit_only
    if status == 429:  # the page keeps the text and tries again after Retry-After
        message = _("Too many saves in a minute. Your text is kept and will be saved shortly.")
        response = HttpResponse(message, status=429, headers={"Retry-After": "60"})
        return _answered_here(private(response))
    # An htmx answer belongs to the box's own form, never to its page's one form.
    reflection.page_form = ""
    if whole_box:
        ctx = {"r": reflection, "has_space": space is not None}
        # htmx swaps no 404: "gone" comes as a conflict with what the page shows (409).
        response = render(
            request,
            "journal/_reflection.html#reflection",
            ctx,
            status=409 if status == 404 else status,
        )
        retarget(response, f"#{reflection.dom_id}")
        reswap(response, "outerHTML")
    else:
        response = HttpResponse(
            reflections.render_status(reflection, request=request), status=status
        )
    return _answered_here(private(response))


def _answered_here(response: HttpResponse) -> HttpResponse:
    response[SAVE_ANSWER_HEADER] = "1"
    return response


def _draft(request: HttpRequest) -> dict:
    """What a writing box sent (or, from a lesson's one form, each box the reader changed),
    for a page that holds it in a form to send again: sent, a refusal opens at the box, as
    one from the box's own page does."""
    if request.resolver_match.view_name == "journal:answers":
        sent = _boxes_sent(request)
        changed = [box for box in sent if box.changed] or [box for box in sent if box.pressed]
        prompts = get_catalog().prompts
        drafts = [
            {
                "box": f"{box.key} {box.held}",
                "label": prompts[box.key][1].question if box.key in prompts else YOUR_TEXT,
                "text": box.fields.get("body", ""),
                "entry": str(_uuid(box.fields.get("entry")) or ""),
                "version": _int(box.fields.get("version")),
                "id": f"unsaved-draft-{number}",
            }
            for number, box in enumerate(changed, start=1)
        ]
        action = f"{request.path}#{reflections.LESSON_ANSWERS_FORM}-open"
    else:
        drafts = [
            {
                "label": YOUR_TEXT,
                "text": request.POST.get("body", ""),
                "entry": str(_uuid(request.POST.get("entry")) or ""),
                "version": _int(request.POST.get("version")),
                "id": "unsaved-draft",
            }
        ]
        action = f"{request.path}#{_box_id(request)}"
    return {
        "action": action,
        "space_marker": request.POST.get(MARKER_FIELD, ""),
        "drafts": drafts,
    }


def _box_id(request: HttpRequest) -> str:
    """The id (`Reflection.dom_id`) of the box on the page the writing view answers with."""
    match = request.resolver_match
    if match.view_name == "journal:answer":
        return reflections.dom_id(match.kwargs["prompt_id"])
    if match.view_name == "journal:entry":
        return reflections.dom_id(reflections.entry_key(match.kwargs["entry_id"]))
    return reflections.dom_id(reflections.FREE_WRITING_KEY)


@sensitive_variables("ctx")
def _not_saved_here(request: HttpRequest) -> HttpResponse:
    """A save from a page made for another space than this browser holds now: the person
    signed out, or someone signed in, in another tab (see `space_marker_stale`). Nothing is
    saved. With htmx the box says so and keeps the text, and its next save is checked again
    (422: shown, not retried); without JavaScript a page holds the text in a form still made
    for that space, to copy, or to send again once signed back in."""
    if request.htmx:
        message = format_html('<span class="reflection__problem">{}</span>', NOT_SAVED_HERE)
        return _answered_here(private(HttpResponse(message, status=422)))
    ctx = {"message": NOT_SAVED_HERE, **_draft(request)}
    return private(render(request, "spaces/not_saved.html", ctx, status=409))


@require_POST
@keeps_words("body")
def answer(request: HttpRequest, prompt_id: str) -> HttpResponse:
    """Save an answer to a lesson's reflection prompt."""
    if space_marker_stale(request):
        return _not_saved_here(request)
    found = get_catalog().prompts.get(prompt_id)
    if found is None:  # never was, or removed from the lessons since the page was opened
        if not request.htmx:
            return _kept_as_new(request, status="question_gone")
        raise Http404("No such prompt")
    lesson, prompt = found
    from lessons.views import lesson_page

    def rebuild(space: Space | None) -> Reflection:
        answers = answers_for_prompts(space_id=space and space.id, prompt_ids=[prompt.id])
        return reflections.for_prompt(prompt, answers[prompt.id])

    return _save(
        request,
        reflections.for_prompt(prompt, Answers()),
        prompt_id=prompt.id,
        rebuild=rebuild,
        page=lambda reflection, status: lesson_page(
            request, lesson, overrides={reflection.key: reflection}, status=status
        ),
        done_url=reverse("lesson", args=[lesson.module_slug, lesson.slug]),
        # A page opened before there was a space records no reading as it is scrolled: its
        # first answer notes the lesson as begun, where the question is, or "Continue where
        # you left off" would not know of it.
        first_kept=lambda space: progress_record(
            space=space, lesson=lesson, section=section_of(lesson, prompt)
        ),
    )


@dataclass
class SentBox:
    """One box of a lesson as the page's one form sent it (see `_boxes_sent`)."""

    key: str
    held: str  # reflections.text_digest of the text the page was made with
    fields: MultiValueDict = field(repr=False)

    @property
    def pressed(self) -> bool:
        return "intent" in self.fields or "resolve" in self.fields

    @cached_property
    def changed(self) -> bool:
        return reflections.text_digest(self.fields.get("body", "")) != self.held


def _boxes_sent(request: HttpRequest) -> list[SentBox]:
    """Each box's fields, as a lesson's one form sends them (without JavaScript every field
    of every box belongs to it): in the order of the page, each box's first field its `box`
    ("<prompt id> <digest>"). Same-named fields of several boxes cannot be told apart in
    `request.POST`, so the body it was read from is read again, in order; `request.POST`
    first, so Django's limits on size and number of fields hold."""
    if request.content_type != "application/x-www-form-urlencoded" or not request.POST:
        return []
    sent: list[SentBox] = []
    pairs = parse_qsl(
        request.body.decode(request.encoding or settings.DEFAULT_CHARSET, errors="replace"),
        keep_blank_values=True,
        max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
    )
    for name, value in pairs:
        if name == "box":
            key, _space, held = value.partition(" ")
            sent.append(SentBox(key, held, MultiValueDict()))
        elif sent:
            sent[-1].fields.appendlist(name, value)
    return sent


def _as_sent(reflection: Reflection, box: SentBox) -> Reflection:
    """`reflection` holding what `box` sent, as the page had it: not saved, not changed."""
    submitted = Submitted.parse(box.fields, None)
    reflection.body, reflection.version = submitted.body, submitted.base_version
    reflection.entry_id = str(submitted.entry_id) if submitted.entry_id else random_uuid()
    reflection.writer = submitted.writer or reflection.writer
    reflection.held = box.held
    return reflection


def _set_aside(gone: list[str]) -> Reflection | None:
    """A box of a lesson's one form for the words of questions taken out of the lesson,
    when the page must be shown again: its key names no question, so the next press that
    keeps the rest brings them to the journal's free-writing box (as `answers` does)."""
    if not gone:
        return None
    box = reflections.for_free_writing()
    box.body, box.status = "\n\n".join(gone), "question_gone"
    box.page_form, box.held = reflections.LESSON_ANSWERS_FORM, reflections.text_digest("")
    return box


@require_POST
@keeps_words("body")
def answers(request: HttpRequest, module_slug: str, lesson_slug: str) -> HttpResponse:
    """Without JavaScript, a press under any box of a lesson: the page's one form sends every
    box, and each box the reader changed (and the one pressed) is saved by the rules of one
    box's save (`_save_box`); a box left as it was is not saved again. All kept: back to the
    lesson at the box pressed, each saved box saying so. Anything refused: the lesson again,
    every box holding what was sent, each refused one saying why, opened at the first."""
    lesson = get_catalog().lesson(module_slug, lesson_slug)
    # A lesson taken out (or renamed) since the page was opened: all its questions are gone.
    prompts = {prompt.id: prompt for prompt in lesson.prompts} if lesson is not None else {}
    every = _boxes_sent(request)
    sent = [box for box in every if box.key in prompts]
    # Should the space be locked here, the lock screen gives back each box's words.
    request.words_given = [
        Words(prompts[box.key].question if box.key in prompts else YOUR_TEXT, text, True)
        for box in every
        if box.changed and (text := box.fields.get("body", "")).strip()
    ]
    # A question taken out of the lesson since the page was opened: its words go to the
    # journal's free-writing box once the rest is kept, as a lone box's would (`answer`);
    # a press refused meanwhile holds them in a box of their own (`_set_aside`).
    gone = [
        text
        for box in every
        if box.key not in prompts and box.changed and (text := box.fields.get("body", "")).strip()
    ]
    if space_marker_stale(request):
        return _not_saved_here(request)
    if lesson is None:
        return _kept_as_new(request, "question_gone", body="\n\n".join(gone))
    from lessons.views import lesson_page

    space_id = space_id_for_request(request)  # a locked space answers with the lock screen
    now = answers_for_prompts(space_id=space_id, prompt_ids=list(prompts))
    first_kept = []  # the page's first kept words note the lesson as begun, once

    def note_begun(space: Space, prompt) -> None:
        if not first_kept:
            first_kept.append(prompt.id)
            progress_record(space=space, lesson=lesson, section=section_of(lesson, prompt))

    shown: dict[str, Reflection] = {}
    outcomes: list[tuple[SentBox, Submitted, Saved]] = []
    for box in sent:
        prompt = prompts[box.key]
        if not (box.changed or box.pressed):
            shown[box.key] = _as_sent(reflections.for_prompt(prompt, now[prompt.id]), box)
            continue

        def rebuild(space: Space | None, prompt=prompt) -> Reflection:
            found = answers_for_prompts(space_id=space and space.id, prompt_ids=[prompt.id])
            return reflections.for_prompt(prompt, found[prompt.id])

        submitted = Submitted.parse(box.fields, None)
        # A conflict's other version, deleted since, is refused as "gone" at its box (see
        # `_save_box`): the rest still saves.
        saved = _save_box(
            request,
            reflections.for_prompt(prompt, now[prompt.id]),
            submitted,
            prompt_id=prompt.id,
            rebuild=rebuild,
            page_marker=box.fields.get(MARKER_FIELD, ""),
            first_kept=lambda space, prompt=prompt: note_begun(space, prompt),
        )
        shown[box.key] = saved.reflection
        outcomes.append((box, submitted, saved))

    pressed = next((box for box in sent if box.pressed), sent[0] if sent else None)
    refused = [saved for _box, _submitted, saved in outcomes if saved.status != 200]
    nothing = all(saved.reflection.status == "nothing" for _b, _s, saved in outcomes)
    if refused or (outcomes and nothing):
        # Said at each box; the page opens at the first refused one (or the one pressed),
        # and only there (a conflict chosen in another box asked for the focus too).
        for reflection in shown.values():
            reflection.focus = False
        first = refused[0].reflection if refused else shown[pressed.key]
        first.focus = True
        statuses = {saved.status for saved in refused}
        status = next((code for code in (429, 409, 404, 422) if code in statuses), 200)
        response = lesson_page(
            request, lesson, overrides=shown, set_aside=_set_aside(gone), status=status
        )
        if status == 429:
            response["Retry-After"] = "60"
        return private(response)
    if gone:
        return _kept_as_new(request, "question_gone", body="\n\n".join(gone))
    query: list[tuple[str, str]] = []
    # The box pressed first: a first save's "Saved privately" goes beside it.
    for _box, submitted, saved in sorted(outcomes, key=lambda outcome: not outcome[0].pressed):
        query += [item for item in _saved_query(saved, submitted).items() if item[0] != "new"]
    if any(saved.reflection.space_created for _b, _s, saved in outcomes):
        query.append(("new", "1"))
    suffix = f"?{urlencode(query)}" if query else ""
    anchor = f"#{reflections.dom_id(pressed.key)}" if pressed else ""
    return redirect(f"{reverse('lesson', args=[lesson.module_slug, lesson.slug])}{suffix}{anchor}")


@require_POST
@keeps_words("body")
def write(request: HttpRequest) -> HttpResponse:
    """Save free writing, not tied to any lesson."""
    if space_marker_stale(request):
        return _not_saved_here(request)

    def rebuild(space: Space | None) -> Reflection:
        return reflections.for_free_writing()

    return _save(
        request,
        reflections.for_free_writing(),
        prompt_id="",
        rebuild=rebuild,
        page=lambda reflection, status: journal_page(request, writer=reflection, status=status),
        done_url=reverse("journal:index"),
    )


# --- Reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where entries were written, as the journal's "Show entries from" offers it: a module,
    one of its lessons, or writing of one's own. `name` completes "3 entries from …"."""

    value: str
    label: str
    name: str
    prompt_ids: tuple[str, ...]


def journal_sources() -> list[tuple[str, list[Source]]]:
    """The choices, module by module as the lessons go (the whole module, then each lesson),
    then writing of one's own, in a group with no title."""
    groups = []
    for module in get_catalog().modules:
        whole = Source(
            f"module:{module.slug}",
            # Named in full: some screen readers do not say the group an option is in.
            _("All of %(module)s") % {"module": module.title},
            module.title,
            tuple(prompt.id for lesson in module.lessons for prompt in lesson.prompts),
        )
        lessons = [
            Source(
                f"lesson:{module.slug}/{lesson.slug}",
                lesson.title,
                lesson.title,
                tuple(prompt.id for prompt in lesson.prompts),
            )
            for lesson in module.lessons
        ]
        groups.append((module.title, [whole, *lessons]))
    own = Source("free", _("Your own writing, not from a lesson"), _("your own writing"), ("",))
    groups.append(("", [own]))
    return groups


def chosen_source(sources: list[tuple[str, list[Source]]], value: str) -> Source | None:
    """The choice posted, or None for everything (or a choice no longer offered: a lesson
    removed since the page was opened shows everything rather than nothing)."""
    choices = (choice for _title, group in sources for choice in group)
    return next((choice for choice in choices if value and choice.value == value), None)


def journal_page(
    request: HttpRequest,
    *,
    writer: Reflection | None = None,
    status: int = 200,
    in_place: bool = False,
) -> HttpResponse:
    """The journal, or a search within it. `in_place`: the entries are to take the place of
    those on the page (by htmx), so the reader is taken to them and told what is there."""
    space_id = space_id_for_request(request)
    # Searches and the choice of lesson are posted, never put in the address: a shared
    # device's history must not show what someone looked for in their own journal.
    posted = request.POST if request.method == "POST" else {}
    query = posted.get("q", "").strip()[:200]
    sources = journal_sources() if posted or in_place else []  # a frame has them in it
    source = chosen_source(sources, posted.get("from", ""))
    prompt_ids = source.prompt_ids if source else None
    number = (request.POST if query or source else request.GET).get("page")
    if query:
        matching = entries_matching(space_id, query, prompt_ids=prompt_ids)
        page = Paginator(matching, ENTRIES_PER_PAGE).get_page(number)
        found = Entry.objects.owned_by(space_id).in_bulk(page.object_list)
        # An entry deleted (in another tab) between the two queries simply drops out.
        page.object_list = [found[i] for i in page.object_list if i in found]
    else:
        page = Paginator(entries_from(space_id, prompt_ids), ENTRIES_PER_PAGE).get_page(number)
    writer = writer or reflections.for_free_writing()
    reader = Reader.of(request, space_id=space_id, path=reverse_once("journal:index"))
    if request.GET.get("saved") == writer.key and not writer.status:
        writer.status = "saved"
        writer.other_gone = request.GET.get("alone") == writer.key
        # Without JavaScript the box comes back empty, and both are entries in the list.
        writer.kept_both = "entries" if request.GET.get("both") == writer.key else ""
        reflections.show_first_save(writer, request, reader)
    token = csrf_token(request)
    cards = [card_html(EntryItem.of(entry)) for entry in page.object_list]
    ctx = {
        "page": page,
        # Each card is escaped HTML already (card_html).
        "cards": mark_safe("".join(f"<li>{card}</li>" for card in cards)),  # noqa: S308
        "query": query,
        "source": source,
        "writer_box": reflections.render(
            writer, reader=reader, csrf_token=token, space_marker=space_marker(space_id)
        ),
        "has_space": space_id is not None,
        "deleted": "deleted" in request.GET,
        "cleared": "cleared" in request.GET,
        "guest_space_days": settings.GUEST_SPACE_DAYS,
    }
    # Showing what was looked for, or swapped in place: rendered whole, never framed.
    if query or source or in_place:
        ctx["sources"] = sources
        ctx["focus_results"] = in_place
        return private(render(request, "journal/index.html", ctx, status=status))
    frame = journal_frame(reader, page, ctx)
    slots = {
        "token": token,
        "writer_box": ctx["writer_box"],
        "cards": ctx["cards"],
        "number": str(page.number),
        "pages": str(page.paginator.num_pages),
        "previous": str(page.previous_page_number()) if page.has_previous() else "",
        "next": str(page.next_page_number()) if page.has_next() else "",
    }
    return private(HttpResponse(frame.fill_bytes(slots), status=status))


@dataclass(frozen=True)
class _PageStandIn:
    """A journal page's place among the pages, as its frame sees it: numbers are slots."""

    has_other_pages: bool
    has_previous: bool
    has_next: bool
    number: str = slot("number")
    previous_page_number: str = slot("previous")
    next_page_number: str = slot("next")
    paginator: dict = field(default_factory=lambda: {"num_pages": slot("pages")}, compare=False)


_journal_pages = FrameCache()


def journal_frame(reader: Reader, page, ctx: dict) -> Frame:
    """`journal/index.html` for a kind of reader and state (entries or none, which page
    links, a deletion just confirmed), with slots for the token, the writing box, the cards
    and the page numbers: the page around them was most of what was left of the journal's
    CPU time. Rendered from the reader's stand-in request, never from anyone's values.
    """
    place = _PageStandIn(page.has_other_pages(), page.has_previous(), page.has_next())
    flags = (bool(ctx["cards"]), ctx["deleted"], ctx["cleared"])

    def render() -> str:
        # Named one by one: anything else of `ctx` may be this person's own.
        frame_ctx = {
            "page": place,
            "cards": slot("cards") if ctx["cards"] else "",
            "query": "",
            "source": None,
            "sources": journal_sources(),
            "writer_box": slot("writer_box"),
            "has_space": reader.has_space,
            "deleted": ctx["deleted"],
            "cleared": ctx["cleared"],
            "guest_space_days": settings.GUEST_SPACE_DAYS,
            "csrf_token": slot("token"),
        }
        return render_to_string("journal/index.html", frame_ctx, reader.stand_in())

    key = (reader, place, flags, get_language())
    return _journal_pages.get(get_catalog(), key, render)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@sensitive_post_parameters("q")
def index(request: HttpRequest) -> HttpResponse:
    """The journal (GET), or a search within it, or the entries from one module or lesson
    (POST). By htmx (a search, its pages, "Show all entries", the journal's own pages), the
    entries swap in place; htmx fetching a page of its history again gets the page itself."""
    in_place = bool(request.htmx) and not request.htmx.history_restore_request
    return journal_page(request, in_place=in_place)


def _owned_entry(request: HttpRequest, entry_id: uuid.UUID) -> Entry:
    entry = Entry.objects.owned_by(space_id_for_request(request)).filter(id=entry_id).first()
    if entry is None:
        raise Http404("No such entry")
    return entry


def entry_page(
    request: HttpRequest, entry: Entry, reflection: Reflection | None = None, status: int = 200
) -> HttpResponse:
    item = EntryItem.of(entry)
    reflection = reflection or reflections.for_entry(entry, item.question)
    others = []
    if entry.prompt_id:
        others = [
            EntryItem.of(other)
            for other in Entry.objects.owned_by(entry.space_id)
            .filter(prompt_id=entry.prompt_id)
            .exclude(id=entry.id)
            .with_text()
            .newest_first()
        ]
    if request.GET.get("saved") == reflection.key and not reflection.status:
        reflection.mark_saved(entry)
        if request.GET.get("both") == reflection.key:  # after "Keep both" on another entry
            reflection.kept_both = "others" if others else "journal"
    ctx = {"item": item, "r": reflection, "others": others}
    return private(render(request, "journal/entry.html", ctx, status=status))


@sensitive_variables("writer", "body", "text")
def _kept_as_new(
    request: HttpRequest, status: str = "gone", body: str | None = None
) -> HttpResponse:
    """Without JavaScript, a save of an entry that is not there any more (deleted in another
    tab, or this browser signed out meanwhile), or of an answer to a question taken out of
    the lessons since the page was opened: the text comes back in the free-writing box, one
    press from being kept as a new entry, never on a "page not found" that drops it. (With
    htmx the page says so itself, and the text stays in its box.)"""
    writer = reflections.for_free_writing()
    text = request.POST.get("body", "") if body is None else body
    writer.body, writer.status, writer.focus = text, status, True
    return journal_page(request, writer=writer, status=404)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@keeps_words("body")
def entry(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    """One entry: read and edit it (GET), save it (POST)."""
    if request.method == "POST" and space_marker_stale(request):
        return _not_saved_here(request)
    try:
        found = _owned_entry(request, entry_id)
    except Http404:
        if request.method == "POST" and not request.htmx:
            return _kept_as_new(request)
        raise
    item = EntryItem.of(found)
    if request.method == "GET":
        if request.htmx:
            partial = "editor" if "edit" in request.GET else "card"
            editor = reflections.for_entry(found, item.question)
            editor.focus = True
            ctx = {"item": item, "r": editor, "focus": True}
            return private(render(request, f"journal/entry.html#{partial}", ctx))
        return entry_page(request, found)

    def rebuild(space: Space | None) -> Reflection:
        fresh = Entry.objects.owned_by(space and space.id).get(id=found.id)
        return reflections.for_entry(fresh, item.question)

    def done(saved: Entry) -> HttpResponse:
        if not request.htmx:
            return redirect(f"{reverse('journal:index')}#entry-{found.id}")
        ctx = {"item": EntryItem.of(saved), "focus": True}
        response = render(request, "journal/entry.html#card", ctx)
        retarget(response, f"#entry-{found.id}")
        reswap(response, "outerHTML")
        return private(response)

    return _save(
        request,
        reflections.for_entry(found, item.question),
        prompt_id=found.prompt_id,
        rebuild=rebuild,
        page=lambda reflection, status: entry_page(request, found, reflection, status),
        done_url=reverse("journal:entry", args=[found.id]),
        fixed_entry_id=found.id,
        done=done,
    )


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def delete(request: HttpRequest, entry_id: uuid.UUID) -> HttpResponse:
    """Ask first (GET), then delete for good (POST)."""
    found = _owned_entry(request, entry_id)
    item = EntryItem.of(found)
    if request.method == "GET":
        template = "journal/entry.html#confirm" if request.htmx else "journal/delete.html"
        # In place of the card, the focus goes to what is asked; a page opens at its top.
        ctx = {"item": item, "focus": bool(request.htmx)}
        return private(render(request, template, ctx))
    entry_delete(entry=found)
    if request.htmx:
        # The card goes; a line in its place says so and takes the focus.
        return private(render(request, "journal/entry.html#deleted", {"item": item}))
    return redirect(f"{reverse('journal:index')}?deleted=1")


# Where a writing box posts: a refused token on one of these gives the text back.
_WRITING_VIEWS = {"journal:answer", "journal:answers", "journal:write", "journal:entry"}


def _sent_from_this_site(request: HttpRequest) -> bool:
    """Whether the browser says the form was on one of our own pages (a refused token can
    also be a forgery: another site must never get words of its choosing shown on ours)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    try:
        return request.headers.get("Origin") == f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False


@sensitive_post_parameters("body")
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. A page opened before signing in or out (in another tab) sends a
    token that no longer matches. With JavaScript the page fetches a fresh one and saves
    again; without it, this page holds the text with a fresh token, one press from saved."""
    ctx = {}
    match = request.resolver_match  # resolved before the middleware checks the token
    if (
        request.method == "POST"
        and "body" in request.POST
        and match is not None
        and match.view_name in _WRITING_VIEWS
        and _sent_from_this_site(request)
    ):
        if space_marker_stale(request):  # "Send again" would only be refused
            return _not_saved_here(request)
        ctx = _draft(request)
    return private(render(request, "403_csrf.html", ctx, status=403))


@require_GET
def token(request: HttpRequest) -> HttpResponse:
    """A fresh anti-forgery token, for a page whose token went stale while it sat open."""
    return private(HttpResponse(csrf_token(request), content_type="text/plain; charset=utf-8"))


# --- Export and delete all ----------------------------------------------------------------

PRINT_MARKER = "<!-- entries -->"


@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """Choose what to take away (GET); download it or open the printable page (POST)."""
    space = space_for_request(request)
    form = ExportForm(request.POST or None, initial={"entry": request.GET.get("entry")})
    if request.method == "POST" and form.is_valid() and form.cleaned_data["entry"]:
        _owned_entry(request, form.cleaned_data["entry"])  # not theirs: 404 like every entry URL
    if request.method == "POST" and space is not None and form.is_valid():
        data = form.cleaned_data
        selection = Selection(
            modules=set(data["modules"]),
            since=data["since"],
            until=data["until"],
            entry_ids=[data["entry"]] if data["entry"] else [],
        )
        # The dates of the selection, the file's name and every time written out are the
        # reader's own: in the view, and in each part of the stream (made after it returns).
        with timezone.override(data["zone"]):
            return _export_response(request, space, selection, data["format"], data["zone"])
    ctx = {
        "form": form,
        "has_space": space is not None,
        "count": Entry.objects.owned_by(space and space.id).with_text().count(),
        "circle_count": CircleMember.objects.owned_by(space and space.id).count(),
    }
    return private(render(request, "journal/export.html", ctx, status=422 if form.errors else 200))


def _export_response(
    request: HttpRequest, space: Space, selection: Selection, fmt: str, zone: ZoneInfo | None
) -> StreamingHttpResponse:
    if fmt == "json":
        stream = in_zone(as_json(space=space, selection=selection), zone)
        response = StreamingHttpResponse(stream, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename("json")}"'
    elif fmt == "markdown":
        site_name = settings.SITE_NAME or _("Attachment Guide")
        stream = in_zone(as_markdown(space=space, selection=selection, site_name=site_name), zone)
        response = StreamingHttpResponse(stream, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename("md")}"'
    else:
        ctx = {
            "marker": PRINT_MARKER,
            "count": selection.entries(space.id).count(),
            "everything": selection.everything,
            "exported": timezone.now(),
        }
        if selection.everything:  # one entry printed for a therapist does not bring the map
            ctx["circle"] = map_context(circle_members(space.id))
        page = render_to_string("journal/export_print.html", ctx, request=request)
        stream = in_zone(
            as_print_page(page_html=page, marker=PRINT_MARKER, space=space, selection=selection),
            zone,
        )
        response = StreamingHttpResponse(stream, content_type="text/html; charset=utf-8")
    return private(response)


@require_http_methods(["GET", "POST"])
def delete_all(request: HttpRequest) -> HttpResponse:
    """Delete every journal entry, after offering the export; progress and account stay."""
    space_id = space_id_for_request(request)
    entries = Entry.objects.owned_by(space_id)
    if request.method == "POST":
        count, _by_model = entries.delete()
        return redirect(f"{reverse('journal:index')}?cleared={count}")
    ctx = {"count": entries.with_text().count(), "has_space": space_id is not None}
    return private(render(request, "journal/delete_all.html", ctx))
