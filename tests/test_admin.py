"""The staff admin shows accounts and spaces by their metadata only: a marker written in a
journal never appears on any admin page, in its search, or in its log of actions."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from attachment_guide.accounts.models import RecoveryCode
from attachment_guide.circle.models import CircleMember
from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from lessons.models import ProblemReport
from tests.test_accounts import PASSWORD, code_from, signup, write

pytestmark = pytest.mark.django_db

MARKER = "Zanzibar-marker-7f3kq-only-in-journals"
STAFF_PASSWORD = "a long staff pass phrase"
CIRCLE_NAME = "Auntie-Zebedee-circle-marker"
PASSCODE = "harbour lights 9"


def report_a_dead_link() -> ProblemReport:
    return ProblemReport.objects.create(
        module_slug="attachment-basics",
        lesson_slug="what-attachment-is",
        kind="link",
        comment="The glossary link is dead.",
        received="2026-11-29T10:00:00Z",
    )


@pytest.fixture
def people():
    """An account and a guest, each with the marker in their journal."""
    person = Client()
    code = code_from(signup(person, username="willow"))
    write(person, f"My secret: {MARKER}")
    write(person, f"Free text {MARKER}", prompt="ab-a-secure-moment")
    guest = Client()
    write(guest, f"Guest words {MARKER}")
    # A name on the support circle and a passcode: neither may show in the admin either.
    guest.post("/circle/add/", {"name": CIRCLE_NAME, "ring": 1, "reach": CIRCLE_NAME})
    guest.post(
        "/settings/",
        {"section": "passcode", "passcode": PASSCODE, "repeat": PASSCODE, "lock_after": 15},
    )
    report_a_dead_link()
    assert Entry.objects.count() == 3
    assert CircleMember.objects.get().name == CIRCLE_NAME
    passcode_hash = Space.objects.exclude(passcode_hash="").get().passcode_hash
    return {"code": code, "user": User.objects.get(username="willow"), "hash": passcode_hash}


@pytest.fixture
def staff(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password=STAFF_PASSWORD)
    client.force_login(boss)
    return client


def secrets(people) -> list[str]:
    user = people["user"]
    return [
        MARKER,
        "My secret",
        PASSWORD,
        people["code"],
        people["code"].replace("-", ""),
        user.password,
        user.password.split("$")[-1],  # the hash itself
        RecoveryCode.objects.get(user=user).code_hash.split("$")[-1],
        CIRCLE_NAME,
        PASSCODE,
        people["hash"].split("$")[-1],
    ]


def admin_urls() -> list[str]:
    """Every page the admin offers for the objects in the database."""
    urls = [reverse("admin:index"), reverse("admin:totals")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        # Part of the marker: a search box echoes its query, and the whole must appear 0 times.
        urls += [changelist, f"{changelist}?q={MARKER[4:20]}"]
        urls.append(reverse("admin:app_list", args=[info[0]]))
        for obj in model.objects.all():
            for view in ("change", "history", "delete"):
                urls.append(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk]))
    return urls


def assert_nothing_private(response, people, url) -> None:
    page = response.content.decode()
    for secret in secrets(people):
        assert page.count(secret) == 0, f"{secret!r} appears on {url}"


def test_the_admin_lives_at_its_configured_path_and_needs_staff(client):
    assert reverse("admin:index") == "/staff/"
    assert client.get("/admin/").status_code == 404
    assert client.get("/staff/").status_code == 302
    person = Client()
    signup(person, username="reader")
    assert person.get("/staff/").status_code == 302  # an ordinary account is not staff
    assert client.get("/staff/totals/").status_code == 302


def test_no_admin_page_shows_journal_text_passwords_or_recovery_codes(staff, people):
    urls = admin_urls()
    assert len(urls) > 20

    for url in urls:
        response = staff.get(url)
        assert response.status_code == 200, url
        assert_nothing_private(response, people, url)


def test_searching_the_admin_for_journal_words_finds_nothing(staff, people):
    for name in ("auth_user", "spaces_space"):
        for query in (MARKER, MARKER[4:20], "secret"):
            response = staff.get(reverse(f"admin:{name}_changelist"), {"q": query})
            assert response.context["cl"].result_count == 0, (name, query)


def test_spaces_are_listed_by_their_metadata(staff, people):
    response = staff.get(reverse("admin:spaces_space_changelist"))

    page = response.content.decode()
    cl = response.context["cl"]
    assert cl.result_count == 2
    assert "willow" in page and "guest" in page
    assert [s.entry_count for s in cl.result_list] == [1, 2]  # newest first: the guest
    assert "Created" in page and "Last saved" in page and "Journal entries" in page


def test_accounts_show_no_password_field_and_cannot_be_added_here(staff, people):
    url = reverse("admin:auth_user_change", args=[people["user"].pk])

    page = staff.get(url).content.decode()

    assert 'name="password"' not in page and "argon2" not in page.lower()
    assert "Journal entries" in page
    assert staff.get(reverse("admin:auth_user_add")).status_code == 403
    assert staff.get(url + "password/").status_code in (302, 404)


def test_deleting_a_space_in_the_admin_leaves_no_text_in_its_log(staff, people):
    guest_space = Space.objects.filter(user__isnull=True).get()
    url = reverse("admin:spaces_space_delete", args=[guest_space.pk])

    staff.post(url, {"post": "yes"})

    assert not Space.objects.filter(pk=guest_space.pk).exists()
    assert Entry.objects.filter(space_id=guest_space.pk).count() == 0
    index = staff.get(reverse("admin:index"))
    assert "Space " in index.content.decode()  # the action is logged, by id only
    assert_nothing_private(index, people, "index after delete")


def test_problem_reports_are_listed_read_only_with_lesson_kind_date_and_comment(staff, people):
    response = staff.get(reverse("admin:lessons_problemreport_changelist"))

    page = response.content.decode()
    assert "What attachment is (attachment-basics/what-attachment-is)" in page
    assert "A link does not work" in page
    assert "Nov. 29, 2026" in page
    assert "The glossary link is dead." in page
    assert "?kind__exact=link" in page and "?lesson=attachment-basics%2Fwhat-attachment-is" in page
    report = ProblemReport.objects.get()
    assert staff.get(reverse("admin:lessons_problemreport_add")).status_code == 403
    change = staff.get(reverse("admin:lessons_problemreport_change", args=[report.pk]))
    assert "<textarea" not in change.content.decode()
    filtered = staff.get(
        reverse("admin:lessons_problemreport_changelist"), {"kind__exact": "unclear"}
    )
    assert filtered.context["cl"].result_count == 0


def test_the_staff_login_is_throttled_like_the_sites(client, django_user_model):
    django_user_model.objects.create_superuser("boss", password=STAFF_PASSWORD)
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "boss", "password": "wrong guess"})

    response = client.post(url, {"username": "boss", "password": STAFF_PASSWORD})

    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_empty_password_does_not_clear_the_staff_logins_count(client, django_user_model):
    """Only a right password clears the count: a form sent with the password left out
    checks nothing, so it must not give a guesser a fresh set of tries."""
    django_user_model.objects.create_superuser("boss", password=STAFF_PASSWORD)
    url = reverse("admin:login")
    for _ in range(4):
        client.post(url, {"username": "boss", "password": "wrong guess"})
    client.post(url, {"username": "boss", "password": ""})
    client.post(url, {"username": "boss", "password": "wrong guess"})

    response = client.post(url, {"username": "boss", "password": STAFF_PASSWORD})

    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
