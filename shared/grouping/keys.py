"""The normalised grouping keys of a document (``customerKey``, ``officeKey`` …).

Keys are a pure function of the display fields, computed with the one normaliser that
resolution and search use, so 髙橋 and 高橋, ｶﾀｶﾅ and カタカナ group together. Writing
them back is guarded by equality, so the write this causes triggers one more event that
finds nothing to change: no endless loop.
"""

from __future__ import annotations

from typing import Any

from shared.normalize import normalize_key

UNASSIGNED = "_unassigned"

KEY_SOURCES: dict[str, str] = {
    "customerKey": "customerName",
    "officeKey": "officeName",
    "documentTypeKey": "documentType",
    "careManagerKey": "careManager",
}


def group_keys(doc: dict[str, Any]) -> dict[str, str | None]:
    """Keys for the four group types; care manager falls back to the unassigned group."""
    keys: dict[str, str | None] = {}
    for key_field, source_field in KEY_SOURCES.items():
        raw = doc.get(source_field)
        value = normalize_key(raw) if isinstance(raw, str) and raw.strip() else ""
        if key_field == "careManagerKey" and not value:
            keys[key_field] = UNASSIGNED
        else:
            keys[key_field] = value or None
    return keys


def key_updates(doc: dict[str, Any]) -> dict[str, str | None]:
    """Only the keys whose stored value differs from the computed one."""
    wanted = group_keys(doc)
    return {k: v for k, v in wanted.items() if doc.get(k) != v}
