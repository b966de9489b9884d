"""The privacy notice's version, recorded with each person's agreement.

The notice is templates/safety/privacy.html, filled from the operator settings. A test
compares the template with NOTICE_SHA256 and fails until the hash (and the date) are updated.

The version each agreement records is the date *and the start of the hash*, so any change to
the words is a new version and everyone who agreed to older words is asked again: nobody's
recorded agreement can point at words they never saw. (A list of versions kept by hand did
let that happen once: a text went out under the version of the text before it.)
"""

from __future__ import annotations

NOTICE_TEMPLATE = "safety/privacy.html"
NOTICE_DATE = "2026-11-30"
NOTICE_SHA256 = "6dd66596b7a365094e83dbbca9848c4a1880d549a656f1262c30c00f3b9204bc"
NOTICE_VERSION = f"{NOTICE_DATE}~{NOTICE_SHA256[:8]}"
