"""File-system names for user-chosen labels that never collide and never escape a folder.

Labels are free text in a suite (``a/b``, ``a-b``, ``..``, a 300-character name); figures
and exports are named after them. A plain character substitution maps ``a/b`` and ``a-b`` to
the same file (one silently overwrites the other) and keeps ``..`` as is (a path out of the
export folder). :func:`unique_slug` keeps readable labels unchanged and gives every other
label a short hash of its exact text.
"""

from __future__ import annotations

import hashlib
import re

#: Longest slug kept before the hash (file names stay well under the usual 255 bytes).
MAX_SLUG = 60

_SAFE = re.compile(r"[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*")


def unique_slug(label: str) -> str:
    """A file name for ``label``: the label itself when it is already a safe, short name,
    else its characters reduced to ``[A-Za-z0-9_+.-]`` plus 8 hex digits of its SHA-256.

    Distinct labels give distinct slugs (up to hash collisions), and no slug is ``.``, ``..``
    or contains a path separator.
    """
    text = str(label)
    if _SAFE.fullmatch(text) and len(text) <= MAX_SLUG:
        return text
    readable = re.sub(r"[^A-Za-z0-9_+-]+", "-", text).strip("-")[:MAX_SLUG] or "label"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"
