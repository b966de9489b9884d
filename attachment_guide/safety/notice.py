"""The privacy notice's version, recorded with each person's agreement.

The notice is templates/safety/privacy.html, filled from the operator settings. Changing its
text means a new version: a test compares the template with NOTICE_SHA256 and fails until
both are updated, so nobody's recorded agreement silently points at words they never saw.

NOTICE_HISTORY lists every published text, oldest first, and only ever grows: a new text
adds a line with a version never used before (today's date, with ".2", ".3" for a second or
third text published on one day). A test fails when the hash changes and the version does not, as
happened once: the text of 2b66739… went out under 2026-11-29, the version of 5f11ca5….
"""

from __future__ import annotations

NOTICE_TEMPLATE = "safety/privacy.html"
NOTICE_HISTORY = [
    ("2026-11-29", "5f11ca55dd212d492d1a882a7e359c139891ee8051de9ece114001727bb67d91"),
    # 2b66739548b37d6ddc8892efccf011b28ecfc93fc16dd8acdf4e1009cce8913a also went out as
    # "2026-11-29" (problem reports and the staff page added, version not changed).
    ("2026-11-29.3", "168e4c145730e40b4b48bc0a6b42d4b4e4d6365865cb41e3bba5d11a0bb48c74"),
]
NOTICE_VERSION, NOTICE_SHA256 = NOTICE_HISTORY[-1]
