"""File names as people will see them: safe to display, store and search.

Object names come from mail attachments and browsers and may carry path separators of
either kind, ``..`` segments, control characters or stray whitespace. The object name is
kept untouched as ``fileId`` (it is the key to the bytes); ``fileName`` is this cleaned
display form. Nothing in the pipeline ever builds a local path from either.
"""

from __future__ import annotations

import unicodedata

MAX_FILE_NAME_CHARS = 200


def display_file_name(object_name: str) -> str:
    """The last path segment of ``object_name``, without control characters.

    Both ``/`` and ``\\`` count as separators (Windows mailers send ``C:\\scan\\a.pdf``).
    Control and format characters become spaces, runs of whitespace collapse, and a name
    that is empty or only dots after cleaning becomes ``無題``.
    """
    last = object_name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in last
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned.strip("."):
        return "無題"
    if len(cleaned) > MAX_FILE_NAME_CHARS:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 8:
            cleaned = stem[: MAX_FILE_NAME_CHARS - len(ext) - 1] + "." + ext
        else:
            cleaned = cleaned[:MAX_FILE_NAME_CHARS]
    return cleaned
