"""Apply one document version to ``documentGroups`` in one transaction.

``_contributions/{docId}`` keeps what each document last contributed and the source
version it came from (a delete leaves a tombstone). An event older than the stored
version changes nothing; a newer one moves the document between groups by the
difference, so counts are exact at rest whatever order and however often events arrive.
When the document leaving a group was among its ``latestDocs``, the next newest is read
from the contributions with a bounded query (``keys.<type> ==``, ``at`` descending,
limit 4).

Locking: the group documents are read (and so locked) in one sorted order, and the refill
query reads committed contributions *without* taking locks. Taking them deadlocked under
concurrent ingest (T1 holds its record and group G and queries T2's record; T2 holds its
record and waits for G). The unlocked read is still consistent: any other transaction
that moves a document into or out of G must lock G, which this one holds, so it has
either committed before G was read here or cannot commit before this one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.derived.contributions import (
    LATEST_DOCS,
    Contribution,
    GroupDelta,
    GroupState,
    apply_delta,
    group_deltas,
    with_refill,
)
from shared.derived.group_ids import GROUPS_COLLECTION, group_doc_id
from shared.derived.versions import SourceVersion

CONTRIBUTIONS = "_contributions"
TRANSACTION_ATTEMPTS = 12


@dataclass
class GroupApplyResult:
    """What one application did (for logs and tests)."""

    applied: bool
    reason: str
    groups: list[str] = field(default_factory=list)


def refill_query(db: firestore.Client, group_type: str, group_key: str) -> Any:
    """The newest contributions of one group: the bounded query behind ``latestDocs``."""
    return (
        db.collection(CONTRIBUTIONS)
        .where(filter=FieldFilter(f"keys.{group_type}", "==", group_key))
        .order_by("at", direction=firestore.Query.DESCENDING)
        .limit(LATEST_DOCS + 1)
    )


def apply_contribution(db: firestore.Client, doc_id: str, version: SourceVersion,
                       new: Contribution | None) -> GroupApplyResult:
    """Move ``doc_id`` to contribution ``new`` (``None`` = deleted) if ``version`` is newer."""
    record_ref = db.collection(CONTRIBUTIONS).document(doc_id)

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> GroupApplyResult:
        snap = record_ref.get(transaction=tx)
        record = snap.to_dict() if snap.exists else None
        stored = SourceVersion.from_record(record)
        if not version.supersedes(stored):
            return GroupApplyResult(False, "stale")
        old = (Contribution.from_record(doc_id, record)
               if record is not None and not record.get("deleted") else None)
        deltas = group_deltas(doc_id, old, new)
        refs = sorted(
            ((d, db.collection(GROUPS_COLLECTION).document(
                group_doc_id(d.group_type, d.group_key))) for d in deltas),
            key=lambda pair: pair[1].id,
        )
        current: dict[str, dict[str, Any] | None] = {}
        if refs:
            for group_snap in tx.get_all([ref for _, ref in refs]):
                current[group_snap.id] = group_snap.to_dict() if group_snap.exists else None
        now = datetime.now(UTC)
        # All reads (refill queries included) before any write: a transaction's rule.
        planned: list[tuple[firestore.DocumentReference, GroupState, GroupState]] = []
        for delta, ref in refs:
            before = GroupState.from_doc(delta.group_type, delta.group_key,
                                         current.get(ref.id))
            state, needs_refill = apply_delta(before, doc_id, delta)
            if needs_refill:
                state = with_refill(state, doc_id, delta, _rest_top(db, delta))
            planned.append((ref, before, state))
        touched: list[str] = []
        for ref, before, state in planned:
            if current.get(ref.id) is not None and (state.count, state.latest_docs) == (
                    before.count, before.latest_docs):
                continue  # e.g. a preview change of a document not among latestDocs
            if state.count <= 0:
                tx.delete(ref)
            else:
                tx.set(ref, state.to_doc(ref.id, now))
            touched.append(ref.id)
        payload: dict[str, Any] = {
            **version.to_record(),
            "documentId": doc_id,
            "updatedAt": now,
        }
        if new is None:
            payload.update({"keys": {}, "at": None, "preview": {}})
        else:
            payload.update(new.to_record())
        tx.set(record_ref, payload)
        return GroupApplyResult(True, "applied", touched)

    result: GroupApplyResult = attempt(db.transaction(max_attempts=TRANSACTION_ATTEMPTS))
    return result


def _rest_top(db: firestore.Client, delta: GroupDelta) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for snap in refill_query(db, delta.group_type, delta.group_key).stream():
        entries.append(
            Contribution.from_record(snap.id, snap.to_dict() or {}).entry(delta.group_type))
    return entries
