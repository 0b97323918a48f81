"""What one document contributes to ``documentGroups``, and how a group absorbs a change.

Pure logic, no I/O. A document's *contribution* is the group key it counts under for each
group type (or none), the time it sorts by, and the preview entry shown in ``latestDocs``.
The store (``group_store``) keeps each document's last contribution and applies the
difference between the old and the new one; everything here is what that difference means.

Rules (issue 5 and the seed):
- split parents (``status: split``) and error documents count nowhere, and neither do
  documents still being read (``pending``, ``processing``): they have no type, customer or
  office yet, and counting them would make the unassigned care-manager group a hot spot
  that every arriving fax enters and leaves within seconds;
- a document without a care manager counts in the explicit unassigned care-manager group;
- ``latestDocs`` are the newest three by (sort time, document id), newest first, and the
  group's ``displayName`` is the spelling of the newest document (未割当 for unassigned).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.derived.group_ids import DISPLAY_FIELD, GROUP_TYPES, display_name
from shared.derived.group_keys import group_keys

LATEST_DOCS = 3
EXCLUDED_STATUSES = frozenset({"split", "error", "pending", "processing"})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The fields a latestDocs entry carries for the preview (besides id and processedAt).
PREVIEW_FIELDS = ("fileName", "documentType", "customerName", "officeName", "fileDate")
# In memory an entry also carries the raw spelling of its group (for ``displayName``);
# stored, that spelling moves to the group's ``latestDisplayNames`` (parallel to
# ``latestDocs``), because the preview entry itself is a closed shape.
DISPLAY = "_display"
KEY_OF_TYPE = {"customer": "customerKey", "office": "officeKey",
               "documentType": "documentTypeKey", "careManager": "careManagerKey"}


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def sort_time(doc: dict[str, Any]) -> datetime:
    """When a document counts as "latest": processed, else last updated, else never."""
    for name in ("processedAt", "updatedAt", "createdAt"):
        stamp = _aware(doc.get(name))
        if stamp is not None:
            return stamp
    return EPOCH


@dataclass(frozen=True)
class Contribution:
    """One document's part in the groups: key per group type (None = not counted)."""

    doc_id: str
    keys: dict[str, str | None]
    at: datetime
    preview: dict[str, Any] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)

    def entry(self, group_type: str) -> dict[str, Any]:
        """The ``latestDocs`` element for this document in a group of ``group_type``."""
        return {"id": self.doc_id, "processedAt": self.at, **self.preview,
                DISPLAY: self.displays.get(group_type, "")}

    def to_record(self) -> dict[str, Any]:
        return {"keys": dict(self.keys), "at": self.at, "preview": dict(self.preview),
                "displays": dict(self.displays)}

    @classmethod
    def from_record(cls, doc_id: str, record: dict[str, Any]) -> Contribution:
        keys = record.get("keys") or {}
        return cls(
            doc_id=doc_id,
            keys={t: keys.get(t) for t in GROUP_TYPES},
            at=_aware(record.get("at")) or EPOCH,
            preview=dict(record.get("preview") or {}),
            displays={str(k): str(v) for k, v in (record.get("displays") or {}).items()},
        )


def contribution_of(doc_id: str, doc: dict[str, Any] | None) -> Contribution | None:
    """The contribution of a live document; ``None`` for a deleted one."""
    if doc is None:
        return None
    counted = doc.get("status") not in EXCLUDED_STATUSES
    computed = group_keys(doc)
    keys: dict[str, str | None] = {
        t: (computed[KEY_OF_TYPE[t]] if counted else None) for t in GROUP_TYPES
    }
    preview = {name: doc.get(name) for name in PREVIEW_FIELDS if doc.get(name) is not None}
    displays = {t: display_name(t, key, doc.get(DISPLAY_FIELD[t]))
                for t, key in keys.items() if key}
    return Contribution(doc_id=doc_id, keys=keys, at=sort_time(doc), preview=preview,
                        displays=displays)


def same_contribution(a: Contribution | None, b: Contribution | None) -> bool:
    """Whether two contributions change nothing in any group."""
    if a is None or b is None:
        return _is_empty(a) and _is_empty(b)
    return (a.keys == b.keys and a.at == b.at and a.preview == b.preview
            and a.displays == b.displays)


def _is_empty(c: Contribution | None) -> bool:
    return c is None or all(v is None for v in c.keys.values())


def entry_order(entry: dict[str, Any]) -> tuple[datetime, str]:
    """Sort key of a latestDocs entry (used descending, like Firestore's ``__name__``)."""
    return (_aware(entry.get("processedAt")) or EPOCH, str(entry.get("id", "")))


@dataclass
class GroupState:
    """A ``documentGroups`` document as the aggregation sees it."""

    group_type: str
    group_key: str
    count: int = 0
    latest_docs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_doc(cls, group_type: str, group_key: str, doc: dict[str, Any] | None) -> GroupState:
        if not doc:
            return cls(group_type, group_key)
        stored = list(doc.get("latestDocs") or [])
        names = list(doc.get("latestDisplayNames") or [])
        latest = [{**e, DISPLAY: names[i] if i < len(names) else ""}
                  for i, e in enumerate(stored)]
        return cls(group_type, group_key, int(doc.get("count") or 0), latest)

    def to_doc(self, group_id: str, now: datetime) -> dict[str, Any]:
        """The seed's fields (``updatedAt`` is when this aggregation last wrote it)."""
        newest = self.latest_docs[0] if self.latest_docs else {}
        return {
            "id": group_id,
            "groupType": self.group_type,
            "groupKey": self.group_key,
            "displayName": display_name(self.group_type, self.group_key,
                                        newest.get(DISPLAY)),
            "count": self.count,
            "latestAt": newest.get("processedAt"),
            "latestDocs": [{k: v for k, v in e.items() if k != DISPLAY}
                           for e in self.latest_docs],
            "latestDisplayNames": [str(e.get(DISPLAY, "")) for e in self.latest_docs],
            "updatedAt": now,
        }


@dataclass(frozen=True)
class GroupDelta:
    """How one document's change touches one group: it may leave, enter, or change in it."""

    group_type: str
    group_key: str
    was_member: bool
    entry: dict[str, Any] | None  # the document's entry if it is a member afterwards


def group_deltas(doc_id: str, old: Contribution | None,
                 new: Contribution | None) -> list[GroupDelta]:
    """Every group whose count or preview changes when ``old`` becomes ``new``."""
    deltas: list[GroupDelta] = []
    for group_type in GROUP_TYPES:
        old_key = old.keys.get(group_type) if old else None
        new_key = new.keys.get(group_type) if new else None
        new_entry = new.entry(group_type) if new and new_key else None
        if old_key and old_key == new_key:
            if old is not None and old.entry(group_type) != new_entry:
                deltas.append(GroupDelta(group_type, old_key, True, new_entry))
            continue
        if old_key:
            deltas.append(GroupDelta(group_type, old_key, True, None))
        if new_key:
            deltas.append(GroupDelta(group_type, new_key, False, new_entry))
    return deltas


def apply_delta(state: GroupState, doc_id: str, delta: GroupDelta) -> tuple[GroupState, bool]:
    """The group after ``delta``; the flag says ``latestDocs`` must be refilled first.

    ``latestDocs`` holds the top three of the group. Removing this document from it leaves
    the top two (or fewer) of the rest, and the third is unknown; then the caller reads
    the rest's top three (``refill``) and calls ``with_refill``.
    """
    count = state.count - (1 if delta.was_member else 0) + (1 if delta.entry else 0)
    count = max(count, 1 if delta.entry else 0)
    rest = [e for e in state.latest_docs if e.get("id") != doc_id]
    rest_count = count - (1 if delta.entry else 0)
    needs_refill = len(rest) < min(LATEST_DOCS, rest_count)
    latest = _top(rest + ([delta.entry] if delta.entry else []))
    return GroupState(state.group_type, state.group_key, count, latest), needs_refill


def with_refill(state: GroupState, doc_id: str, delta: GroupDelta,
                rest_top: list[dict[str, Any]]) -> GroupState:
    """``state`` with ``latestDocs`` rebuilt from the rest's top entries and this one."""
    rest = [e for e in rest_top if e.get("id") != doc_id]
    latest = _top(rest + ([delta.entry] if delta.entry else []))
    return GroupState(state.group_type, state.group_key, state.count, latest)


def _top(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=entry_order, reverse=True)[:LATEST_DOCS]


def recompute_groups(contributions: list[Contribution]) -> dict[tuple[str, str], GroupState]:
    """Every group from scratch: what the incremental path must equal at rest."""
    groups: dict[tuple[str, str], GroupState] = {}
    members: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in contributions:
        for group_type, key in c.keys.items():
            if not key:
                continue
            ident = (group_type, key)
            state = groups.setdefault(ident, GroupState(group_type, key))
            state.count += 1
            members.setdefault(ident, []).append(c.entry(group_type))
    for ident, state in groups.items():
        state.latest_docs = _top(members[ident])
    return groups
