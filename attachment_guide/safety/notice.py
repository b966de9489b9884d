"""The privacy notice's version, recorded with each person's agreement.

The notice is templates/safety/privacy.html, filled from the operator settings. Changing its
text means a new version: a test compares the template with NOTICE_SHA256 and fails until
both are updated, so nobody's recorded agreement silently points at words they never saw.
"""

from __future__ import annotations

NOTICE_VERSION = "2026-11-29"
NOTICE_TEMPLATE = "safety/privacy.html"
NOTICE_SHA256 = "2b66739548b37d6ddc8892efccf011b28ecfc93fc16dd8acdf4e1009cce8913a"
