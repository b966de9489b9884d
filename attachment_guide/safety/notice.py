"""The privacy notice's version, recorded with each person's agreement.

The notice is templates/safety/privacy.html, filled from the operator settings. A test
compares the template with NOTICE_SHA256 and fails until the hash (and the date) are updated.

The version each agreement records is the date *and the start of the hash*, so any change to
the words is a new version and everyone who agreed to older words is asked again: nobody's
recorded agreement can point at words they never saw. (A list of versions kept by hand did
let that happen once: a text went out under the version of the text before it.) For the same
reason the tick that agrees carries the version it was shown with, and counts only for the
current one: a page opened before the words changed agrees to nothing.

Read it as `notice.NOTICE_VERSION` at each use, not imported by name: tests change it while
pages are open, as a new text deployed would.
"""

from __future__ import annotations

NOTICE_TEMPLATE = "safety/privacy.html"
NOTICE_DATE = "2026-11-30"
NOTICE_SHA256 = "aa2f44e6cf2ee988f5f8dd1f79c4064e765fb9e51aad82995dcb236699423b44"
NOTICE_VERSION = f"{NOTICE_DATE}~{NOTICE_SHA256[:8]}"


def version_tag(version: str) -> str:
    """The start of the words' hash in `version`: short, and fit for an element's id."""
    return version.rpartition("~")[2]
