"""Recompute one ``documentGroups`` document from the documents themselves.

Two bounded queries give the truth: a ``count()`` aggregation of the group's filed
documents and its newest three. The result is written only if no recompute that read
later has written already: ``_groupState/{groupId}.readAt`` keeps the time the last
written result was read at, compared and set in one small transaction. Deriving from
the documents makes the result independent of event order, duplicates and history (a
re-create, a move, a delete), and nothing is kept per document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.derived.group_marks import STATE_COLLECTION
from shared.derived.settings import DerivedSettings
from shared.grouping.aggregate import (
    COUNTED_STATUS,
    LATEST_DOCS,
    SORT_FIELD,
    SOURCE_FIELDS,
    GroupRef,
    group_document,
)
from shared.grouping.ids import GROUPS_COLLECTION, KEY_FIELD

DOCUMENTS = "documents"
# Fields compared to decide that a rewrite would change nothing the client sees.
COMPARED_FIELDS = ("groupType", "groupKey", "displayName", "count", "latestAt", "latestDocs",
                   "latestDisplayNames")


@dataclass(frozen=True)
class RecomputeResult:
    group_id: str
    outcome: str  # written | deleted | unchanged | stale
    count: int


def members_query(db: firestore.Client, group: GroupRef) -> Any:
    """The filed documents of ``group`` (by the key stored on each document)."""
    return (db.collection(DOCUMENTS)
            .where(filter=FieldFilter(KEY_FIELD[group.group_type], "==", group.group_key))
            .where(filter=FieldFilter("status", "==", COUNTED_STATUS)))


Members = list[tuple[str, dict[str, Any]]]


def read_group(db: firestore.Client, group: GroupRef) -> tuple[int, Members, datetime]:
    """The group's size, its newest members (newest first), and the server's time of
    the count: every change committed before it is reflected."""
    started = datetime.now(UTC)
    query = members_query(db, group)
    aggregate = query.count(alias="n").get()
    result = aggregate[0][0] if aggregate and aggregate[0] else None
    count = int(result.value) if result is not None else 0
    read_at = getattr(result, "read_time", None) or started
    newest = (query.order_by(SORT_FIELD, direction=firestore.Query.DESCENDING)
              .order_by("__name__", direction=firestore.Query.DESCENDING)
              .limit(LATEST_DOCS).select(list(SOURCE_FIELDS)))
    return count, [(snap.id, snap.to_dict() or {}) for snap in newest.stream()], read_at


def recomputed_after(db: firestore.Client, group: GroupRef, moment: object) -> bool:
    """Whether the group's last written recompute read at or after ``moment``."""
    if not isinstance(moment, datetime):
        return False
    snap = db.collection(STATE_COLLECTION).document(group.doc_id).get()
    read_at = (snap.to_dict() or {}).get("readAt") if snap.exists else None
    return isinstance(read_at, datetime) and read_at >= moment


def recompute_group(db: firestore.Client, group: GroupRef,
                    settings: DerivedSettings) -> RecomputeResult:
    """Rewrite ``group`` from the documents unless a later read already did."""
    count, newest, read_at = read_group(db, group)
    payload = group_document(group, count, newest, read_at) if count > 0 else None
    group_ref = db.collection(GROUPS_COLLECTION).document(group.doc_id)
    state_ref = db.collection(STATE_COLLECTION).document(group.doc_id)

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> str:
        state = state_ref.get(transaction=tx)
        current = group_ref.get(transaction=tx)
        stamp = (state.to_dict() or {}).get("readAt") if state.exists else None
        if isinstance(stamp, datetime) and stamp >= read_at:
            return "stale"
        tx.set(state_ref, {"groupId": group.doc_id, "readAt": read_at, "count": count,
                           "expireAt": read_at + timedelta(
                               hours=settings.bookkeeping_retention_hours)})
        existing = current.to_dict() if current.exists else None
        if payload is None:
            if existing is None:
                return "unchanged"
            tx.delete(group_ref)
            return "deleted"
        if existing is not None and all(existing.get(f) == payload.get(f)
                                        for f in COMPARED_FIELDS):
            return "unchanged"
        tx.set(group_ref, payload)
        return "written"

    outcome: str = attempt(db.transaction())
    return RecomputeResult(group.doc_id, outcome, count)
