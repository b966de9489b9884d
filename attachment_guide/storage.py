"""Static files as production serves them: our scripts and styles minified, then hashed and
compressed by whitenoise.

Our JavaScript and CSS are written to be read: about half of each file is comments saying
why. A reader on a cheap phone and a slow network should not download them. At
`collectstatic`, this storage strips comments and spare whitespace from the files in our own
`js/` and `css/` folders (the first lesson visit goes from 50 to 38 KB compressed), and
leaves the rest alone: vendored files ship minified already, and Django's admin is its own.
Development serves the sources as written (`WHITENOISE_USE_FINDERS`), and
`tests/test_minified_static.py` runs the minified scripts in Chromium.

rjsmin and rcssmin only remove: they rename nothing and rewrite no expression. Comments
starting `/*!` (licences) are kept.
"""

from __future__ import annotations

import rcssmin
import rjsmin
from django.core.files.base import ContentFile
from whitenoise.storage import CompressedManifestStaticFilesStorage

OURS = ("js/", "css/")


def is_ours(name: str) -> bool:
    """A script or style sheet of our own, as written (not a vendored `.min.` file)."""
    return name.startswith(OURS) and name.endswith((".js", ".css")) and ".min." not in name


def minified(name: str, text: str) -> str | None:
    """`text` without comments and spare whitespace, for one of our scripts or style sheets;
    None for any other file."""
    if not is_ours(name):
        return None
    if name.endswith(".js"):
        return rjsmin.jsmin(text, keep_bang_comments=True)
    return rcssmin.cssmin(text, keep_bang_comments=True)


class MinifiedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Each of our scripts and style sheets is minified as it is saved: the copy
    `collectstatic` makes, and so the hashed copy made from it (minifying that again changes
    nothing), whose name then follows the minified text."""

    def _save(self, name, content):
        if is_ours(name):  # images and other files are never read here
            content.seek(0)
            text = content.read()
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            content = ContentFile(minified(name, text).encode("utf-8"))
        return super()._save(name, content)
