"""Group types, the document fields they group by, and safe ``documentGroups`` ids.

The seed names a group ``{groupType}_{groupKey}`` (``customer_やまだたろう``). A key is
free text after normalisation, so it can contain ``/`` (a path separator in Firestore) or
be too long for an id. ``/`` becomes the full-width ``／``, which the normaliser folds away
(so no normalised key contains it and the mapping stays one-to-one); an over-long key is
replaced by a hash. The real key is always stored in the group's ``groupKey`` field.
"""

from __future__ import annotations

import hashlib

from shared.grouping.keys import UNASSIGNED

GROUP_TYPES: tuple[str, ...] = ("customer", "office", "documentType", "careManager")

# groupType → (key field on the document, display field on the document)
KEY_FIELD: dict[str, str] = {
    "customer": "customerKey",
    "office": "officeKey",
    "documentType": "documentTypeKey",
    "careManager": "careManagerKey",
}
DISPLAY_FIELD: dict[str, str] = {
    "customer": "customerName",
    "office": "officeName",
    "documentType": "documentType",
    "careManager": "careManager",
}

UNASSIGNED_DISPLAY = "未割当"
GROUPS_COLLECTION = "documentGroups"
_MAX_ID_BYTES = 700  # Firestore allows 1,500; keep well clear of it


def group_doc_id(group_type: str, group_key: str) -> str:
    """A valid Firestore document id for ``{groupType}_{groupKey}``."""
    if group_type not in KEY_FIELD:
        raise ValueError(f"unknown group type {group_type!r}")
    candidate = f"{group_type}_{group_key.replace('/', '／')}"
    if len(candidate.encode("utf-8")) <= _MAX_ID_BYTES:
        return candidate
    digest = hashlib.sha256(group_key.encode("utf-8")).hexdigest()[:32]
    return f"{group_type}_＃{digest}"


def display_name(group_type: str, group_key: str, raw: object) -> str:
    """What the web client shows for a group: the original spelling, or 未割当."""
    if group_type == "careManager" and group_key == UNASSIGNED:
        return UNASSIGNED_DISPLAY
    return raw.strip() if isinstance(raw, str) and raw.strip() else group_key
