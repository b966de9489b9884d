"""My support circle: a private map drawn on the server, changed in place or without JavaScript,
kept like the journal (owner-scoped, encrypted, exported, deleted) and never cached."""

from __future__ import annotations

import html
import io
import json
import math
import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client

from attachment_guide.circle.drawing import LABEL_MAX, draw, shorten, text_width
from attachment_guide.circle.forms import GuidedStartForm, MemberForm
from attachment_guide.circle.models import MAX_MEMBERS, CircleMember
from attachment_guide.journal.models import Entry
from attachment_guide.spaces.models import Space
from tests.conftest import AGREE
from tests.test_journal_privacy import HOSTILE

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
LESSON = "/lessons/support-networks/building-your-circle/"
PASSWORD = "a calm river at dawn"


def add(client: Client, name: str, ring: int = 1, htmx: bool = False, **more):
    data = {**AGREE, "name": name, "ring": ring, **more}
    return client.post("/circle/add/", data, headers=HX if htmx else {})


def without_tokens(html: str) -> str:
    """The page without its anti-forgery tokens: random letters and digits can spell a name."""
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def page(client: Client) -> str:
    response = client.get("/circle/")
    assert response.status_code == 200
    return without_tokens(response.content.decode())


def svg(text: str) -> str:
    return re.search(r"<svg[^>]*circle-map__drawing.*?</svg>", text, re.S)[0]


@pytest.fixture
def person() -> Client:
    client = Client()
    add(client, "Mum", 1, helps=["listening"], reach="07700 900123")
    add(client, "Book club", 2, helps=["company", "practical"])
    add(client, "Dr Patel", 3, helps=["professional"])
    return client


def member(name: str) -> CircleMember:
    return next(m for m in CircleMember.objects.all() if m.name == name)


# --- Reading and the empty map ---------------------------------------------------------------


def test_an_empty_map_offers_a_gentle_start_and_links_back_to_its_lesson(client):
    response = client.get("/circle/")

    text = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "Who could you call if you had a hard day?" in text
    assert "Who do you see most weeks?" in text
    assert f'href="{LESSON}"' in text
    assert svg(text).count('<circle class="dg-ring-') == 3
    assert 'role="img"' in svg(text)
    assert "sessionid" not in response.cookies  # reading the page keeps nothing
    assert Space.objects.count() == 0


def test_the_map_is_in_the_navigation_and_in_its_lesson(client):
    assert 'href="/circle/"' in client.get("/").content.decode()
    assert 'href="/circle/"' in client.get(LESSON).content.decode()


# --- Adding, without JavaScript and with htmx ---------------------------------------------------


def test_adding_someone_without_javascript_creates_the_space_and_shows_them(client):
    response = add(client, "Sam", 2, helps=["listening", "company"], reach="sam@example.org")

    sam = CircleMember.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/circle/?done=added#member-{sam.id}"
    assert "no-store" in response["Cache-Control"]
    assert str(sam.space_id) == client.session["space_id"]
    assert (sam.name, sam.ring, sam.helps, sam.reach) == (
        "Sam",
        2,
        ["listening", "company"],
        "sam@example.org",
    )
    text = client.get(response["Location"]).content.decode()
    assert "Added to your map." in text
    assert 'id="ring-2-title"' in text and "Listening, Company" in text
    assert 'data-ring="2"' in svg(text) and ">Sam</text>" in svg(text)


def test_the_journal_and_the_map_share_one_space(client):
    add(client, "Sam")
    client.post("/journal/write/", {"body": "hello", "entry": str(uuid.uuid4()), "version": 0})

    assert Space.objects.count() == 1
    assert Entry.objects.get().space_id == CircleMember.objects.get().space_id


def test_adding_with_htmx_swaps_the_map_and_list_in_place_and_says_so(client):
    response = add(client, "Sam", 1, htmx=True)

    text = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "<html" not in text
    assert text.lstrip().startswith('<div id="circle-board"')
    assert 'hx-swap-oob="innerHTML:#circle-status">Added to your map.' in text
    assert ">Sam</text>" in text and 'id="add-name"' in text
    assert 'id="add-name" autofocus' in text or "autofocus" in text.split('id="add-name"')[0][-200:]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "   ", "ring": 1}, "Please write a name, a nickname or initials."),
        ({"name": "x" * 81, "ring": 1}, "Please keep this to 80 characters or fewer (it has 81)."),
        ({"name": "Sam"}, "Please choose one of the three rings."),
        ({"name": "Sam", "ring": 1, "reach": "9" * 201}, "200 characters or fewer (it has 201)"),
        ({"name": "Sam", "ring": 7}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(client, data, message, htmx):
    typed = {"reach": "my own words", **data}

    response = client.post("/circle/add/", typed, headers=HX if htmx else {})

    text = response.content.decode()
    assert response.status_code == 422
    assert message in html.unescape(text)
    assert f'value="{typed["reach"]}"' in text
    assert CircleMember.objects.count() == 0
    if htmx:
        assert response["HX-Retarget"] == "#circle-add"
        assert text.lstrip().startswith('<section id="circle-add"')
    else:
        assert "<html" in text and "My support circle" in text


def test_a_full_map_says_so_and_adds_no_one(person):
    space = Space.objects.get()
    CircleMember.objects.bulk_create(
        CircleMember(space=space, name=f"Friend {n}", ring=3) for n in range(MAX_MEMBERS - 3)
    )

    response = add(person, "One more")

    assert response.status_code == 422
    assert "Your map is full." in response.content.decode()
    assert CircleMember.objects.count() == MAX_MEMBERS


def test_too_many_changes_in_a_minute_wait_and_keep_the_typing(person, settings):
    settings.SAVES_PER_MINUTE = 1
    Space.objects.update(save_count=1)

    plain = add(person, "Kept", reach="typed")
    fragment = add(person, "Kept", htmx=True, reach="typed")

    assert plain.status_code == 429
    assert plain["Retry-After"] == "60"
    assert fragment.status_code == 422  # htmx shows 422s, not 429s (base.html)
    for response in (plain, fragment):
        assert "Please wait a moment" in response.content.decode()
        assert 'value="typed"' in response.content.decode()
    assert CircleMember.objects.count() == 3


# --- The guided start -----------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_the_guided_start_puts_each_answer_in_its_own_ring(client, htmx):
    answers = {
        **AGREE,
        "hard_day": "Mum, Sam",
        "most_weeks": "Jo\nthe choir; Jo",
        "services": "Dr Patel",
    }

    response = client.post("/circle/start/", answers, headers=HX if htmx else {})

    placed = {m.name: (m.ring, m.helps) for m in CircleMember.objects.all()}
    assert placed == {
        "Mum": (1, ["listening"]),
        "Sam": (1, ["listening"]),
        "Jo": (2, ["company"]),
        "the choir": (2, ["company"]),
        "Dr Patel": (3, ["professional"]),
    }
    if htmx:
        assert "Added 5 to your map." in response.content.decode()
    else:
        assert response["Location"] == "/circle/?done=started#circle-list-title"
    text = page(client)
    assert "People in your circle" in text
    assert "A gentle start" not in text  # offered only to an empty map
    names_in_order = re.findall(r'class="member__name"[^>]*>([^<]+)<', text)
    assert names_in_order == ["Mum", "Sam", "Jo", "the choir", "Dr Patel"]


@pytest.mark.parametrize("htmx", [False, True])
def test_an_empty_guided_start_asks_gently_and_keeps_the_answers(client, htmx):
    response = client.post(
        "/circle/start/",
        {"hard_day": " , ", "services": "y" * 81},
        headers=HX if htmx else {},
    )

    text = response.content.decode()
    assert response.status_code == 422
    assert "Please keep each name to 80 characters or fewer." in text
    assert f'value="{"y" * 81}"' in text
    assert CircleMember.objects.count() == 0 and Space.objects.count() == 0
    nothing = client.post("/circle/start/", {"hard_day": ""}, headers=HX if htmx else {})
    assert "Write at least one name" in nothing.content.decode()


# --- Editing and removing ------------------------------------------------------------------------


def test_editing_without_javascript_moves_someone_to_another_ring(person):
    mum = member("Mum")
    form = person.get(f"/circle/{mum.id}/").content.decode()
    assert 'value="Mum"' in form and 'value="07700 900123"' in form
    assert f'action="/circle/{mum.id}/"' in form and "hx-post" not in form.split("<main")[1]

    response = person.post(
        f"/circle/{mum.id}/", {"name": "Mum", "ring": 2, "helps": ["company"], "reach": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/circle/?done=saved#member-{mum.id}"
    mum.refresh_from_db()
    assert (mum.ring, mum.helps, mum.reach) == (2, ["company"], "")
    assert "Changes saved." in person.get(response["Location"]).content.decode()


def test_editing_in_place_opens_a_form_and_saves_into_the_map(person):
    mum = member("Mum")

    form = person.get(f"/circle/{mum.id}/?edit", headers=HX).content.decode()
    assert form.lstrip().startswith(f'<li class="member member--editing" id="member-{mum.id}"')
    assert f'id="edit-{mum.id}-name"' in form and 'hx-target="#circle-board"' in form
    cancel = person.get(f"/circle/{mum.id}/", headers=HX).content.decode()
    assert cancel.lstrip().startswith(f'<li class="member" id="member-{mum.id}"')

    bad = person.post(f"/circle/{mum.id}/", {"name": "", "ring": 3}, headers=HX)
    assert bad.status_code == 422 and bad["HX-Retarget"] == f"#member-{mum.id}"
    saved = person.post(f"/circle/{mum.id}/", {"name": "Mother", "ring": 3}, headers=HX)

    assert saved.status_code == 200
    assert 'data-ring="3"' in svg(saved.content.decode())
    assert ">Mother</text>" in saved.content.decode()
    assert "Changes saved." in saved.content.decode()
    mum.refresh_from_db()
    assert (mum.name, mum.ring) == ("Mother", 3)


@pytest.mark.parametrize("htmx", [False, True])
def test_removing_asks_first_then_removes(person, htmx):
    mum = member("Mum")
    headers = HX if htmx else {}

    asked = person.get(f"/circle/{mum.id}/remove/", headers=headers).content.decode()
    assert "Remove “Mum” from your map?" in asked
    assert CircleMember.objects.count() == 3
    response = person.post(f"/circle/{mum.id}/remove/", headers=headers)

    assert not CircleMember.objects.filter(id=mum.id).exists()
    assert CircleMember.objects.count() == 2
    if htmx:
        assert "Removed from your map." in response.content.decode()
        assert ">Mum<" not in response.content.decode()
    else:
        assert response["Location"] == "/circle/?done=removed#circle-list-title"


# --- Nobody else's -----------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/circle/{id}/", {}),
        ("get", "/circle/{id}/?edit", {}),
        ("post", "/circle/{id}/", {"name": "taken over", "ring": 3}),
        ("get", "/circle/{id}/remove/", {}),
        ("post", "/circle/{id}/remove/", {}),
    ],
)
def test_someone_elses_circle_is_a_404_and_stays_unchanged(person, method, path, data, htmx):
    mum = member("Mum")
    someone = Client()
    add(someone, "My own friend")

    for stranger in (Client(), someone):
        response = getattr(stranger, method)(
            path.format(id=mum.id), data, headers=HX if htmx else {}
        )

        assert response.status_code == 404
        shown = without_tokens(response.content.decode())
        assert "Mum" not in shown
        mum.refresh_from_db()
        assert (mum.name, mum.ring) == ("Mum", 1)
    assert CircleMember.objects.count() == 4
    assert "Mum" not in page(someone) and "My own friend" in page(someone)


@pytest.mark.parametrize("form", [MemberForm, GuidedStartForm])
def test_no_field_hides_a_property_of_its_form_in_the_browser(form):
    # A field named like a property of HTMLFormElement replaces it in the DOM: one named
    # "closest" stopped htmx from sending the guided start in place.
    dom = {"action", "closest", "contains", "elements", "id", "length", "matches", "method"}
    dom |= {"remove", "reset", "style", "submit", "target", "checkValidity"}
    assert not set(form.base_fields) & dom


def test_member_ids_are_random_uuids(person):
    assert member("Mum").id.version == 4


def test_every_circle_response_keeps_out_of_the_browser_cache(person):
    mum = member("Mum")
    responses = [
        person.get("/circle/"),
        person.get(f"/circle/{mum.id}/"),
        person.get(f"/circle/{mum.id}/?edit", headers=HX),
        person.get(f"/circle/{mum.id}/", headers=HX),
        person.get(f"/circle/{mum.id}/remove/"),
        person.get(f"/circle/{mum.id}/remove/", headers=HX),
        person.post(f"/circle/{mum.id}/", {"name": "Mum", "ring": 1}),
        person.post(f"/circle/{mum.id}/", {"name": "", "ring": 1}, headers=HX),
        add(person, "", htmx=True),
        add(person, "Another"),
        person.post("/circle/start/", {**AGREE, "hard_day": "A"}, headers=HX),
        person.post(f"/circle/{mum.id}/remove/"),
    ]
    for response in responses:
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


# --- The drawing --------------------------------------------------------------------------------


def pills(markup: str) -> list[dict]:
    """Each person in the SVG: ring, centre, size and turn, read from the markup."""
    found = []
    pattern = (
        r'<g class="dg-person" data-ring="(\d)" transform="rotate\(([-\d.]+) ([\d.]+) ([\d.]+)\)">'
        r'(?:<title>.*?</title>)?\s*<rect class="dg-pill" x="[\d.]+" y="[\d.]+" '
        r'width="([\d.]+)" height="([\d.]+)"[^>]*/>\s*<text[^>]*>(.*?)</text>'
    )
    for ring, turn, cx, cy, width, height, label in re.findall(pattern, markup, re.S):
        found.append(
            {
                "ring": int(ring),
                "turn": math.radians(float(turn)),
                "cx": float(cx),
                "cy": float(cy),
                "w": float(width),
                "h": float(height),
                "label": html.unescape(label),
            }
        )
    return found


def corners(pill: dict) -> list[tuple[float, float]]:
    cos, sin = math.cos(pill["turn"]), math.sin(pill["turn"])
    points = []
    for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = dx * pill["w"] / 2, dy * pill["h"] / 2
        points.append((pill["cx"] + x * cos - y * sin, pill["cy"] + x * sin + y * cos))
    return points


def overlap(a: list, b: list) -> bool:
    """Two convex polygons overlap unless some edge direction separates them."""
    for polygon in (a, b):
        for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
            nx, ny = y2 - y1, x1 - x2
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
    return True


def rings_of(markup: str) -> tuple[float, dict[int, float]]:
    circles = re.findall(
        r'<circle class="dg-ring-(\d)" cx="([\d.]+)" cy="[\d.]+" r="([\d.]+)"', markup
    )
    centre = float(circles[0][1])
    return centre, {int(ring): float(r) for ring, _, r in circles}


def assert_everyone_in_their_ring_and_apart(markup: str) -> list[dict]:
    centre, outer = rings_of(markup)
    inner = {
        1: float(re.search(r'class="dg-strong"[^>]* r="([\d.]+)"', markup)[1]),
        2: outer[1],
        3: outer[2],
    }
    found = pills(markup)
    for pill in found:
        distances = [math.dist((x, y), (centre, centre)) for x, y in corners(pill)]
        assert inner[pill["ring"]] < min(distances), pill["label"]
        assert max(distances) < outer[pill["ring"]], pill["label"]
    for i, one in enumerate(found):
        for other in found[i + 1 :]:
            assert not overlap(corners(one), corners(other)), (one["label"], other["label"])
    return found


def test_the_svg_places_each_person_in_their_ring(person):
    found = assert_everyone_in_their_ring_and_apart(svg(page(person)))

    assert {(p["label"], p["ring"]) for p in found} == {
        ("Mum", 1),
        ("Book club", 2),
        ("Dr Patel", 3),
    }


@pytest.mark.parametrize("rings", [[1], [2], [3], [1, 2, 3], [1, 1, 1, 3]])
def test_many_people_with_long_names_never_overlap(person, rings):
    space = Space.objects.get()
    names = [
        "Aunt Margaret Thompson",
        "Jo",
        "Wojciech Szczęsny-Kowalski",
        "情報センター",
        "AA group",
    ]
    CircleMember.objects.bulk_create(
        CircleMember(space=space, name=f"{names[n % 5]} {n}", ring=rings[n % len(rings)])
        for n in range(MAX_MEMBERS - 3)
    )

    found = assert_everyone_in_their_ring_and_apart(svg(page(person)))

    assert len(found) == MAX_MEMBERS


def test_long_names_are_shortened_in_the_drawing_and_whole_in_the_list(client):
    add(client, "Aunt Margaret Thompson-Whitfield of the Valley")

    text = page(client)

    assert ">Aunt Margaret…</text>" in svg(text)
    assert "<title>Aunt Margaret Thompson-Whitfield of the Valley</title>" in svg(text)
    assert ">Aunt Margaret Thompson-Whitfield of the Valley</p>" in text


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Sam", "Sam"),
        ("  Sam \n  Lee ", "Sam Lee"),
        ("Dr Okonkwo-Adeyemi and colleagues", "Dr Okonkwo…"),
        ("Supercalifragilisticexpialidocious", "Supercalifragilis…"),
        ("情報センターの相談窓口です", "情報センターの相…"),
    ],
)
def test_names_are_shortened_at_a_word_when_they_can_be(name, short):
    assert shorten(name) == short
    assert text_width(shorten(name)) <= LABEL_MAX


def test_the_map_grows_with_the_people_in_it_and_says_how_narrow_it_may_be():
    empty = draw([])
    fuller = draw([CircleMember(name=f"Friend {n}", ring=1 + n % 3) for n in range(30)])

    assert empty.size < 320  # three thin rings, as in the lesson's diagram
    assert not empty.may_scroll
    assert fuller.size > empty.size
    assert fuller.may_scroll  # scrolls in its own box on a small phone, names readable


# --- Hostile names -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [p[:70] for p in HOSTILE if "\x00" not in p])
def test_hostile_names_are_escaped_everywhere_they_are_shown(client, payload):
    assert add(client, payload, 1, reach=payload).status_code == 302
    found = CircleMember.objects.get()
    stored = " ".join(payload.split())

    pages = {
        "page": client.get("/circle/"),
        "board fragment": add(client, "Second", 2, htmx=True),
        "card fragment": client.get(f"/circle/{found.id}/", headers=HX),
        "edit fragment": client.get(f"/circle/{found.id}/?edit", headers=HX),
        "edit page": client.get(f"/circle/{found.id}/"),
        "remove fragment": client.get(f"/circle/{found.id}/remove/", headers=HX),
        "remove page": client.get(f"/circle/{found.id}/remove/"),
        "printed export": client.post("/journal/export/", {"format": "print"}),
    }
    for name, response in pages.items():
        text = (b"".join(response) if response.streaming else response.content).decode()
        assert stored not in text or stored == html.escape(stored), name
        assert html.escape(stored) in text, name
    exported = b"".join(client.post("/journal/export/", {"format": "json"})).decode()
    assert json.loads(exported)["circle"][0]["name"] == stored
    assert (found.name, found.reach) == (stored, stored)


# --- Kept like the journal: encrypted, exported, merged, deleted ------------------------------


def test_names_and_ways_to_reach_are_encrypted_at_rest(person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, reach FROM circle_circlemember")
        rows = cursor.fetchall()

    assert len(rows) == 3
    for name, reach in rows:
        assert name.startswith("ag1$")
        assert reach == "" or reach.startswith("ag1$")
    raw = repr(rows)
    for plain in ("Mum", "Book club", "Dr Patel", "07700"):
        assert plain not in raw


def test_rotating_keys_re_encrypts_the_circle_too(person, settings):
    from attachment_guide.crypto import new_key

    settings.JOURNAL_KEYS = [new_key(), *settings.JOURNAL_KEYS]
    out = io.StringIO()

    call_command("rotate_journal_keys", stdout=out)

    assert "circle.CircleMember.name: 3 re-encrypted" in out.getvalue()
    assert "circle.CircleMember.reach: 1 re-encrypted" in out.getvalue()
    assert member("Mum").reach == "07700 900123"


def export(client: Client, **data) -> str:
    response = client.post("/journal/export/", data)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content).decode()


def test_the_json_export_holds_the_whole_circle(person):
    data = json.loads(export(person, format="json"))

    mum = member("Mum")
    assert len(data["circle"]) == 3
    assert data["circle"][0] == {
        "id": str(mum.id),
        "name": "Mum",
        "ring": 1,
        "ring_name": "Closest",
        "helps": ["listening"],
        "reach": "07700 900123",
        "created": mum.created.isoformat(),
        "updated": mum.updated.isoformat(),
    }
    assert [m["name"] for m in data["circle"]] == ["Mum", "Book club", "Dr Patel"]


def test_the_markdown_export_lists_the_circle_ring_by_ring(person):
    text = export(person, format="markdown")

    assert "## My support circle\n\n### Closest\n\n- Mum · Listening · 07700 900123\n" in text
    assert "### People I see regularly\n\n- Book club · Practical help, Company\n" in text
    assert "### Wider and professional support\n\n- Dr Patel · Professional support\n" in text


def test_the_printed_export_draws_the_map_and_lists_it_but_one_entry_leaves_it_out(person):
    entry_id = uuid.uuid4()
    person.post("/journal/write/", {"body": "a thought", "entry": str(entry_id), "version": 0})

    everything = export(person, format="print")
    one_entry = export(person, format="print", entry=str(entry_id))
    one_module = export(person, format="markdown", modules=[""])

    assert "My support circle" in everything
    assert_everyone_in_their_ring_and_apart(svg(everything))
    assert ">Book club</p>" in everything and "Edit" not in everything.split("export-circle")[1]
    assert "My support circle" not in one_entry and "a thought" in one_entry
    assert "My support circle" not in one_module


def test_logging_in_from_a_guest_map_keeps_both_maps(person):
    account = Client()
    account.post(
        "/accounts/signup/",
        {
            "username": "willow",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "remember": "on",
            **AGREE,
        },
    )
    add(account, "From the laptop", 2)

    person.post("/accounts/login/", {"username": "willow", "password": PASSWORD})

    assert Space.objects.count() == 1
    text = page(person)
    assert "From the laptop" in text and "Book club" in text
    assert CircleMember.objects.filter(space__user__username="willow").count() == 4


def test_deleting_the_journal_keeps_the_circle_and_deleting_everything_removes_it(person):
    person.post("/journal/write/", {**AGREE, "body": "x", "entry": str(uuid.uuid4()), "version": 0})
    person.post("/journal/delete/")
    assert Entry.objects.count() == 0  # gone, so "keeps the circle" means something
    assert CircleMember.objects.count() == 3

    person.post("/accounts/delete/")

    assert CircleMember.objects.count() == 0
    assert Space.objects.count() == 0
    assert "A gentle start" in page(person)


def test_an_account_deleting_everything_removes_its_circle(client):
    client.post(
        "/accounts/signup/",
        {
            "username": "willow",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "remember": "on",
            **AGREE,
        },
    )
    add(client, "Mum")

    client.post("/accounts/delete/", {"password": PASSWORD})

    assert CircleMember.objects.count() == 0 and User.objects.count() == 0


# --- Costs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_the_map_page_makes_the_same_few_queries_however_many_people(
    person, django_assert_max_num_queries, htmx
):
    space = Space.objects.get()
    headers = HX if htmx else {}
    with django_assert_max_num_queries(3):
        person.get("/circle/", headers=headers)
    CircleMember.objects.bulk_create(
        CircleMember(space=space, name=f"Friend {n}", ring=1 + n % 3) for n in range(50)
    )

    with django_assert_max_num_queries(3):
        response = person.get("/circle/", headers=headers)

    assert response.content.decode().count('class="dg-person"') == 53


@pytest.mark.parametrize("htmx", [False, True])
def test_the_first_person_on_a_map_asks_for_agreement_and_keeps_the_name(client, htmx):
    assert 'name="agree"' in page(client)

    refused = client.post(
        "/circle/add/", {"name": "Aunt May", "ring": 1}, headers=HX if htmx else {}
    )

    assert refused.status_code == 422
    assert "tick the box agreeing to the privacy notice" in refused.content.decode()
    assert 'value="Aunt May"' in refused.content.decode()
    assert Space.objects.count() == 0
    add(client, "Aunt May", htmx=htmx)
    assert Space.objects.get().notice_version


@pytest.mark.parametrize("htmx", [False, True])
def test_editing_someone_after_a_new_privacy_notice_asks_again_and_keeps_the_changes(person, htmx):
    """A notice changed since the map was started (or an account opened on a new device
    whose space agreed to an older one): the edit is refused with the tick to agree and
    what was typed, never a server error that drops it."""
    from attachment_guide.spaces.services import AGREED_KEY

    session = person.session
    session[AGREED_KEY] = "an-older-notice"
    session.save()
    mum = member("Mum")
    data = {"name": "Mum, renamed", "ring": 2, "reach": "07700 900456"}

    refused = person.post(f"/circle/{mum.id}/", data, headers=HX if htmx else {})

    html_text = refused.content.decode()
    assert refused.status_code == 422
    assert "tick the box agreeing to the privacy notice" in html_text
    assert 'name="agree"' in html_text
    assert 'value="Mum, renamed"' in html_text and 'value="07700 900456"' in html_text
    assert member("Mum").ring == 1

    agreed = person.post(f"/circle/{mum.id}/", {**data, **AGREE}, headers=HX if htmx else {})

    assert agreed.status_code == (200 if htmx else 302)
    mum.refresh_from_db()
    assert (mum.name, mum.ring, mum.reach) == ("Mum, renamed", 2, "07700 900456")
