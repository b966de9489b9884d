"""Reading progress: recorded only for people with a space, forward only, resumable."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.sessions.models import Session

from attachment_guide.spaces.models import Space
from attachment_guide.spaces.services import space_marker
from lessons.content import get_catalog
from lessons.models import LessonProgress
from lessons.progress import section_of
from tests.conftest import AGREE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
MODULE, LESSON = "attachment-basics", "what-attachment-is"
URL = f"/lessons/{MODULE}/{LESSON}/"
PROGRESS = f"{URL}progress/"


def lesson():
    return get_catalog().lesson(MODULE, LESSON)


def sections():
    return [section.anchor for section in lesson().headed_sections]


def give_a_space(client):
    client.post(
        "/journal/write/", {**AGREE, "body": "hello", "entry": str(uuid.uuid4()), "version": 0}
    )


def marker() -> str:
    """The marker of this browser's space, as the pages made for it carry."""
    return space_marker(Space.objects.get().id)


def row():
    return LessonProgress.objects.get(module_slug=MODULE, lesson_slug=LESSON)


def test_reading_alone_records_nothing_and_sets_no_session(client):
    client.get("/")
    client.get(URL)
    client.post(PROGRESS, {"section": sections()[1]}, headers=HX)

    assert LessonProgress.objects.count() == 0
    assert Space.objects.count() == 0
    assert Session.objects.count() == 0


def test_a_reader_without_a_space_is_not_tracked_but_can_choose_to_be_remembered(client):
    page = client.get(URL).content.decode()
    # What posts reading progress is marked for reflections.js to hold back while the page
    # has no space's marker (tests/test_journal_browser.py watches that nothing is sent).
    triggers = re.findall(r"<[^>]*intersect once[^>]*>", page)
    assert len(triggers) == len(sections()) + 2  # the title, each section, the end
    for trigger in triggers:
        assert "data-reading" in trigger and 'hx-include="#lesson-progress [name=space]"' in trigger
    assert '<input type="hidden" name="space" value="">' in page
    assert "Remember my place" in page

    response = client.post(PROGRESS, {**AGREE, "remember": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{URL}#lesson-progress"
    assert row().done is False
    assert (
        f'<input type="hidden" name="space" value="{marker()}">' in client.get(URL).content.decode()
    )


def test_sections_coming_into_view_move_progress_forward_only(client):
    give_a_space(client)
    first, _, third = sections()[:3]

    client.post(PROGRESS, {"section": ""}, headers=HX)
    assert row().section == ""
    client.post(PROGRESS, {"section": third}, headers=HX)
    client.post(PROGRESS, {"section": first}, headers=HX)
    client.post(PROGRESS, {"section": "not-a-section"}, headers=HX)

    assert row().section == third
    assert LessonProgress.objects.count() == 1


def test_reaching_the_end_or_pressing_done_completes_a_lesson_and_it_stays_done(client):
    give_a_space(client)

    response = client.post(PROGRESS, {"reached_end": "1"}, headers=HX)
    assert "You finished this lesson." in response.content.decode()
    client.post(PROGRESS, {"section": sections()[0]}, headers=HX)

    assert row().done is True
    page = client.get(URL).content.decode()
    assert "You finished this lesson." in page
    assert "Mark as not done" in page


def test_mark_as_not_done_keeps_the_place_reached_and_continue(client):
    """It used to forget the lesson: a reader with answers in it found it "not started",
    and "Continue where you left off" gone when it was the only lesson begun."""
    give_a_space(client)
    anchor = sections()[1]
    client.post(PROGRESS, {"section": anchor}, headers=HX)
    client.post(PROGRESS, {**AGREE, "done": "1"})

    client.post(PROGRESS, {"reset": "1"})

    assert (row().done, row().completed, row().section) == (False, None, anchor)
    home = client.get("/").content.decode()
    assert "Continue where you left off" in home and f'href="{URL}#{anchor}"' in home
    assert "In progress" in home
    panel = client.get(URL).content.decode()
    assert "Mark as done" in panel and "You finished this lesson." not in panel
    client.post(PROGRESS, {"reached_end": "1"}, headers=HX)  # read to the end again: done
    assert row().done is True


def test_a_pressed_button_is_not_overruled_by_reaching_the_end(client):
    """The panel a press brings back is in view: had it the "reached the end" trigger, its
    post would mark the lesson done at once, undoing "Mark as not done" or "Remember my
    place". A page read down to the panel still completes the lesson."""
    remembered = client.post(PROGRESS, {**AGREE, "remember": "1"}, headers=HX).content.decode()
    assert "Your place in this lesson is remembered." in remembered
    assert '"reached_end"' not in remembered
    assert row().done is False
    assert '"reached_end"' in client.get(URL).content.decode()
    client.post(PROGRESS, {"done": "1"}, headers=HX)

    undone = client.post(PROGRESS, {"reset": "1"}, headers=HX).content.decode()

    assert "Mark as done" in undone and '"reached_end"' not in undone
    assert "This lesson is no longer marked as done." in undone
    assert "Your place in this lesson is remembered." not in undone
    assert row().done is False


def test_home_shows_continue_with_module_lesson_and_section(client):
    give_a_space(client)
    anchor = sections()[1]
    client.post(PROGRESS, {"section": anchor}, headers=HX)

    page = client.get("/").content.decode()

    assert "Continue where you left off" in page
    assert f'href="{URL}#{anchor}"' in page
    section_title = lesson().headed_sections[1].title
    assert lesson().module.title in page and lesson().title in page and section_title in page
    assert "In progress" in page


def test_a_first_answer_from_a_page_opened_without_a_space_is_where_continue_leads(client):
    """A page made before there was a space records no reading as it is scrolled, so a reader
    who answered a question there and came back was told "Start with the first lesson". The
    first answer it keeps notes the lesson as begun, at the question's section."""
    prompt = lesson().prompts[1]
    anchor = section_of(lesson(), prompt)
    assert anchor == sections()[2]  # under its own heading, not at the lesson's top
    answer = {**AGREE, "body": "Hello", "entry": str(uuid.uuid4()), "version": 0, "space": ""}

    client.post(f"/journal/prompts/{prompt.id}/", answer, headers=HX)

    page = client.get("/").content.decode()
    assert "Continue where you left off" in page
    assert f'href="{URL}#{anchor}"' in page
    assert "Start with the first lesson" not in page


def test_answers_from_a_page_made_for_the_space_leave_reading_progress_alone(client):
    """The page's tracking records reading there; its saves (every autosave) write no more."""
    give_a_space(client)
    prompt = lesson().prompts[1]
    answer = {**AGREE, "body": "Hello", "entry": str(uuid.uuid4()), "version": 0}

    client.post(f"/journal/prompts/{prompt.id}/", {**answer, "space": marker()}, headers=HX)

    assert LessonProgress.objects.count() == 0


def test_after_a_finished_lesson_continue_points_to_the_next_one(client):
    give_a_space(client)
    client.post(PROGRESS, {**AGREE, "done": "1"})
    following = lesson().next

    page = client.get("/").content.decode()

    assert f'href="/lessons/{following.module_slug}/{following.slug}/"' in page.split("Modules")[0]
    assert "Done" in page
    assert f"You have finished 1 of {len(get_catalog().lessons)} lessons." in page


def test_after_going_back_to_a_finished_lesson_continue_returns_to_the_place_in_the_next(client):
    """A reader halfway through lesson 2 who went back to lesson 1 (or logged in from a
    browser that had answered there: the merge makes lesson 1 the latest) was sent to the top
    of lesson 2, losing the section they had reached in it."""
    give_a_space(client)
    following = lesson().next
    anchor = following.headed_sections[1].anchor
    later = f"/lessons/{following.module_slug}/{following.slug}/"
    client.post(f"{later}progress/", {"section": anchor}, headers=HX)
    client.post(PROGRESS, {"done": "1"}, headers=HX)

    page = client.get("/").content.decode().split("Modules")[0]

    assert f'href="{later}#{anchor}"' in page
    assert following.headed_sections[1].title in page


def test_continue_passes_over_lessons_already_finished(client):
    give_a_space(client)
    following = lesson().next
    client.post(f"/lessons/{following.module_slug}/{following.slug}/progress/", {"done": "1"})
    client.post(PROGRESS, {"done": "1"}, headers=HX)
    after = following.next

    page = client.get("/").content.decode().split("Modules")[0]

    assert f'href="/lessons/{after.module_slug}/{after.slug}/"' in page


def test_after_the_last_lesson_continue_goes_back_to_one_left_unfinished(client):
    """Continue never stops at the end while a lesson earlier in the course is not done."""
    give_a_space(client)
    catalog = get_catalog()
    *before, last = catalog.lessons
    skipped = before[1]
    for each in before:
        if each is not skipped:
            url = f"/lessons/{each.module_slug}/{each.slug}/progress/"
            client.post(url, {**AGREE, "done": "1"}, headers=HX)
    client.post(f"/lessons/{last.module_slug}/{last.slug}/progress/", {"done": "1"}, headers=HX)

    page = client.get("/").content.decode().split("Modules")[0]

    assert f'href="/lessons/{skipped.module_slug}/{skipped.slug}/"' in page
    assert skipped.title in page


def test_module_page_counts_lessons_done(client):
    give_a_space(client)
    client.post(PROGRESS, {**AGREE, "done": "1"})

    page = client.get(f"/lessons/{MODULE}/").content.decode()

    total = len(get_catalog().module(MODULE).lessons)
    assert (f"1 of {total} lessons done" if total > 1 else "1 of 1 lesson done") in page


def test_continue_falls_back_to_the_module_when_a_lesson_was_removed(client):
    give_a_space(client)
    LessonProgress.objects.create(
        space=Space.objects.get(), module_slug=MODULE, lesson_slug="a-removed-lesson"
    )

    page = client.get("/").content.decode()

    assert "Continue where you left off" in page
    assert f'class="continue__link" href="/lessons/{MODULE}/"' in page


def test_continue_disappears_quietly_when_a_whole_module_was_removed(client):
    give_a_space(client)
    LessonProgress.objects.create(
        space=Space.objects.get(), module_slug="gone", lesson_slug="gone-too"
    )

    page = client.get("/").content.decode()

    assert "Continue where you left off" not in page
    assert client.get("/").status_code == 200


def test_progress_follows_a_renamed_lesson(client, renamed_lesson):
    give_a_space(client)
    LessonProgress.objects.create(
        space=Space.objects.get(), module_slug="basics", lesson_slug="old-name", section="part"
    )

    page = client.get("/").content.decode()

    assert 'href="/lessons/basics/new-name/#part"' in page
    assert "In progress" in page


def test_a_lesson_for_a_person_with_a_space_stays_within_four_queries(
    client, django_assert_max_num_queries
):
    give_a_space(client)
    client.post(PROGRESS, {"section": sections()[0]}, headers=HX)

    with django_assert_max_num_queries(4):
        client.get(URL)
    with django_assert_max_num_queries(4):
        client.get("/")
