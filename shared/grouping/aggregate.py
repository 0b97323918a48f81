"""Which groups a document counts in, and what a ``documentGroups`` document says. Pure.

A group is derived from the documents alone: its ``count`` is how many filed documents
carry its key, its ``latestDocs`` are the newest three of them. Both the incremental path
(``shared.derived.group_recompute``, one group from two bounded queries) and the full
check (``shared.derived.check_groups``, every group from a scan) build the group document
here, so they cannot disagree on shape or order.

Rules (issue 5 and the seed):
- only filed documents (``status: processed``) count: split parents, errors, and
  documents still being read (``pending``, ``processing``) count nowhere. They have no
  type, customer or office yet, and counting them would make the unassigned care-manager
  group a hot spot that every arriving fax enters and leaves within seconds;
- a document without a care manager counts in the explicit unassigned care-manager group;
- ``latestDocs`` are the newest three by (``processedAt``, document id), newest first, and
  the group's ``displayName`` is the spelling of the newest document (未割当 for
  unassigned).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.grouping.ids import DISPLAY_FIELD, GROUP_TYPES, KEY_FIELD, display_name, group_doc_id
from shared.grouping.keys import group_keys

LATEST_DOCS = 3
COUNTED_STATUS = "processed"
SORT_FIELD = "processedAt"
# The fields a latestDocs entry carries for the preview (besides id and processedAt).
PREVIEW_FIELDS = ("fileName", "documentType", "customerName", "officeName", "fileDate")
# What a group is computed from: a query selects only these (OCR text stays put).
SOURCE_FIELDS = ("status", SORT_FIELD, *PREVIEW_FIELDS, "careManager",
                 *KEY_FIELD.values())


@dataclass(frozen=True, order=True)
class GroupRef:
    """One group: its type and normalised key (the id follows from both)."""

    group_type: str
    group_key: str

    @property
    def doc_id(self) -> str:
        return group_doc_id(self.group_type, self.group_key)


def is_counted(doc: dict[str, Any] | None) -> bool:
    return doc is not None and doc.get("status") == COUNTED_STATUS


def membership(doc: dict[str, Any] | None) -> set[GroupRef]:
    """The groups ``doc`` counts in, by the keys its display fields give."""
    if not is_counted(doc):
        return set()
    assert doc is not None
    computed = group_keys(doc)
    return {GroupRef(t, key) for t in GROUP_TYPES if (key := computed[KEY_FIELD[t]])}


def stored_membership(doc: dict[str, Any] | None) -> set[GroupRef]:
    """The groups ``doc`` counts in by the keys stored on it (what a group query sees)."""
    if not is_counted(doc):
        return set()
    assert doc is not None
    return {GroupRef(t, key) for t in GROUP_TYPES
            if isinstance(key := doc.get(KEY_FIELD[t]), str) and key}


def touched_groups(*states: dict[str, Any] | None) -> set[GroupRef]:
    """Every group whose members may differ between any of ``states`` of one document."""
    out: set[GroupRef] = set()
    for doc in states:
        out |= membership(doc) | stored_membership(doc)
    return out


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def sort_key(doc_id: str, doc: dict[str, Any]) -> tuple[datetime, str]:
    """Newest first means descending on this (like ``processedAt`` then ``__name__``)."""
    return (_aware(doc.get(SORT_FIELD)) or datetime.min.replace(tzinfo=UTC), doc_id)


def preview_entry(doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The ``latestDocs`` element of a document."""
    entry: dict[str, Any] = {"id": doc_id, "processedAt": doc.get(SORT_FIELD)}
    entry.update({name: doc.get(name) for name in PREVIEW_FIELDS if doc.get(name) is not None})
    return entry


def group_document(group: GroupRef, count: int,
                   newest: list[tuple[str, dict[str, Any]]], now: datetime) -> dict[str, Any]:
    """The seed's ``documentGroups`` fields from a count and the newest members.

    ``newest`` must be newest first; only documents with a ``processedAt`` can appear in
    it (the incremental path finds the newest by ordering on that field).
    ``latestDisplayNames`` runs parallel to ``latestDocs`` with each member's spelling.
    """
    top = newest[:LATEST_DOCS]
    display_field = DISPLAY_FIELD[group.group_type]
    first = top[0][1] if top else {}
    return {
        "id": group.doc_id,
        "groupType": group.group_type,
        "groupKey": group.group_key,
        "displayName": display_name(group.group_type, group.group_key,
                                    first.get(display_field)),
        "count": count,
        "latestAt": first.get(SORT_FIELD),
        "latestDocs": [preview_entry(doc_id, doc) for doc_id, doc in top],
        "latestDisplayNames": [display_name(group.group_type, group.group_key,
                                            doc.get(display_field)) for _, doc in top],
        "updatedAt": now,
    }


def recompute_all(docs: Iterable[tuple[str, dict[str, Any]]],
                  now: datetime) -> dict[str, dict[str, Any]]:
    """Every group document from scratch, by id: what the incremental path must equal."""
    members: dict[GroupRef, list[tuple[str, dict[str, Any]]]] = {}
    for doc_id, doc in docs:
        for group in membership(doc):
            members.setdefault(group, []).append((doc_id, doc))
    out: dict[str, dict[str, Any]] = {}
    for group, docs_in in members.items():
        dated = [(i, d) for i, d in docs_in if _aware(d.get(SORT_FIELD)) is not None]
        newest = sorted(dated, key=lambda pair: sort_key(*pair), reverse=True)
        out[group.doc_id] = group_document(group, len(docs_in), newest, now)
    return out
