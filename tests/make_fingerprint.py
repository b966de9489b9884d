"""Write tests/source_fingerprint.txt: hashes of every 8-word run of the source article.

The source article is not part of this repository (it sits in the team's shared folder), so
the test that no lesson copies it compares against these hashes instead of the text:

    python tests/make_fingerprint.py ../shared/source/attachment-based-therapy.txt
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

RUN = 8
OUTPUT = Path(__file__).with_name("source_fingerprint.txt")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower().replace("’", "'"))


def runs(text: str) -> set[str]:
    w = words(text)
    return {
        hashlib.sha256(" ".join(w[i : i + RUN]).encode()).hexdigest()[:16]
        for i in range(len(w) - RUN + 1)
    }


def main(source: str) -> None:
    hashes = sorted(runs(Path(source).read_text(encoding="utf-8")))
    OUTPUT.write_text("\n".join(hashes) + "\n", encoding="utf-8")
    print(f"wrote {len(hashes)} hashes to {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1])
