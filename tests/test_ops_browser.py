"""In Chromium: the end of a lesson (review line, problem report) and the staff admin."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from lessons.models import ProblemReport
from tests.test_admin import STAFF_PASSWORD, report_a_dead_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LESSON = "/lessons/attachment-basics/what-attachment-is/"


def watch(page):
    """Collect console errors (CSP violations are reported there) and page errors."""
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def assert_accessible(page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


@pytest.mark.parametrize("width", [375, 1280])
def test_a_reader_reports_a_problem_in_place(browser, live_server, screenshots, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = watch(context.new_page())
    page.goto(live_server.url + LESSON)
    footer = page.locator(".lesson-footer")
    expect(footer).to_contain_text("Reviewed by the Attachment Guide team on Nov. 29, 2026.")

    page.get_by_text("Report a problem with this lesson").click()
    expect(page.get_by_label("A link does not work")).to_be_visible()
    assert_accessible(page, f"lesson with the report form open at {width}px")
    footer.scroll_into_view_if_needed()
    # caret="initial": hiding the caret leaves style="" on every field, which htmx's settle
    # would then copy onto the swapped-in fields (a CSP report no reader would ever cause).
    page.screenshot(path=screenshots / f"lesson-end-report-{width}.png", caret="initial")

    page.get_by_label("Something is hard to understand").check()
    page.get_by_label("Anything to add? (optional)").fill("x" * 520)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".form-errors")).to_contain_text("Your report was not sent yet.")
    expect(page.locator(".form-errors")).to_be_focused()
    expect(page.get_by_label("Anything to add? (optional)")).to_have_value("x" * 520)
    expect(page.get_by_label("Something is hard to understand")).to_be_checked()
    assert page.url.endswith(LESSON), "the form was swapped in place"
    assert_accessible(page, f"report form with an error at {width}px")
    page.screenshot(path=screenshots / f"lesson-end-report-error-{width}.png", caret="initial")

    page.get_by_label("Anything to add? (optional)").fill("The second part lost me.")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".report__sent")).to_be_focused()
    expect(page.locator(".report__sent")).to_contain_text("Thank you.")
    page.screenshot(path=screenshots / f"lesson-end-report-sent-{width}.png", caret="initial")

    report = ProblemReport.objects.get()
    assert (report.kind, report.comment) == ("unclear", "The second part lost me.")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the lesson scrolls sideways at {width}px"
    assert [e for e in page.errors if "status of 422" not in e] == []
    context.close()


def test_reporting_works_without_javascript(browser, live_server, screenshots):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + LESSON)

    page.get_by_text("Report a problem with this lesson").click()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem with this lesson")
    expect(page.locator(".form-errors")).to_contain_text("Your report was not sent yet.")
    expect(page.get_by_text("Please choose what the problem is.")).to_be_visible()
    page.get_by_label("It upset me in a way I did not expect").check()
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    expect(page.get_by_role("link", name="grounding exercise", exact=True)).to_be_visible()
    page.screenshot(path=screenshots / "report-sent-nojs-375.png", full_page=True)
    assert ProblemReport.objects.get().kind == "upsetting"
    context.close()


def test_the_staff_admin_works_under_the_sites_strict_csp(
    browser, live_server, django_user_model, screenshots
):
    django_user_model.objects.create_superuser("boss", password=STAFF_PASSWORD)
    report_a_dead_link()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = watch(context.new_page())

    page.goto(live_server.url + "/staff/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Anonymous totals")).to_be_visible()
    page.screenshot(path=screenshots / "admin-index-1280.png", full_page=True)

    for path in (
        "/staff/lessons/problemreport/",
        "/staff/lessons/problemreport/?kind__exact=link",
        "/staff/spaces/space/",
        "/staff/auth/user/",
        "/staff/auth/user/1/change/",
        "/staff/totals/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        expect(page.locator("#content")).to_be_visible()
    page.screenshot(path=screenshots / "admin-totals-1280.png", full_page=True)
    # The theme toggle and the sidebar are the admin's own scripts: they must run.
    page.locator("button.theme-toggle").first.click()
    assert page.evaluate("localStorage.getItem('theme')") is not None
    assert page.errors == [], "the admin broke under the CSP"
    context.close()
