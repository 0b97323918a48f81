"""The processing lifecycle on ``documents/{id}``: claim, commit, requeue, fail, rescue.

Every transition is a Firestore transaction that re-reads the document. Claiming sets
``status: processing`` and a fresh ``processingOwner`` token; every later write of that
attempt happens only while the document still carries that token. A stale attempt (one
that was rescued, or overtaken by another) therefore writes nothing: its commit finds
another owner, or none, and returns ``False``.

``pending → processing → processed | error``; ``processing → pending`` (requeue with a
``retryAt``, or rescue after ``stuck_after_seconds``).

An ``errors`` entry that explains a transition (``status: error``, a partial OCR) is
written in the transition's own transaction, so no crash can separate the two.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from google.cloud import firestore

from shared.errors import ErrorEntry, error_entry

DOCUMENTS = "documents"
DETAIL = "detail"
OCR_DETAIL_ID = "ocr"
TERMINAL = ("processed", "error")


def is_due(doc: dict[str, Any], now: datetime) -> bool:
    """Whether ``doc`` wants a processing attempt now (pure: used on event data too)."""
    status = doc.get("status")
    if status == "pending":
        retry_at = doc.get("retryAt")
        return retry_at is None or retry_at <= now
    return bool(doc.get("reprocessRequested")) and status in TERMINAL


@dataclass(frozen=True)
class Claim:
    """Proof that this attempt owns the document until it commits, requeues or fails."""

    doc_id: str
    token: str
    started_at: datetime
    snapshot: dict[str, Any]  # the document as it was when claimed

    @property
    def failed_attempts(self) -> int:
        return int(self.snapshot.get("failedAttempts") or 0)


def _ref(db: firestore.Client, doc_id: str) -> firestore.DocumentReference:
    return db.collection(DOCUMENTS).document(doc_id)


def detail_ref(db: firestore.Client, doc_id: str) -> firestore.DocumentReference:
    return _ref(db, doc_id).collection(DETAIL).document(OCR_DETAIL_ID)


def claim(db: firestore.Client, doc_id: str, now: datetime) -> Claim | None:
    """Take ``doc_id`` for processing; ``None`` if it is not due (or not there)."""
    ref = _ref(db, doc_id)
    token = uuid.uuid4().hex

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> Claim | None:
        snap = ref.get(transaction=tx)
        if not snap.exists:
            return None
        doc = snap.to_dict() or {}
        if not is_due(doc, now):
            return None
        tx.update(ref, {
            "status": "processing",
            "processingOwner": token,
            "processingStartedAt": now,
            "processingAttempts": int(doc.get("processingAttempts") or 0) + 1,
            "reprocessRequested": False,
            "retryAt": firestore.DELETE_FIELD,
            "updatedAt": now,
        })
        return Claim(doc_id, token, now, doc)

    result: Claim | None = attempt(db.transaction())
    return result


def read(db: firestore.Client, doc_id: str) -> dict[str, Any] | None:
    """The document as it is now (``None`` if gone)."""
    snap = _ref(db, doc_id).get()
    return (snap.to_dict() or {}) if snap.exists else None


def _write_error(tx: firestore.Transaction, error: ErrorEntry | None) -> None:
    if error is not None:
        tx.set(error.ref, error.payload, merge=True)


def still_owner(db: firestore.Client, owned: Claim) -> bool:
    """A cheap read before expensive or external work (Storage uploads)."""
    snap = _ref(db, owned.doc_id).get()
    return bool(snap.exists and (snap.to_dict() or {}).get("processingOwner") == owned.token)


def _write_if_owner(
    db: firestore.Client,
    owned: Claim,
    build: Any,
) -> bool:
    """Run ``build(tx, ref, current)`` in a transaction only while ``owned`` holds."""
    ref = _ref(db, owned.doc_id)

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> bool:
        snap = ref.get(transaction=tx)
        if not snap.exists:
            return False
        current = snap.to_dict() or {}
        if current.get("processingOwner") != owned.token or current.get("status") != "processing":
            return False
        build(tx, ref, current)
        return True

    committed: bool = attempt(db.transaction())
    return committed


def commit(
    db: firestore.Client,
    owned: Claim,
    fields: dict[str, Any],
    detail: dict[str, Any] | None,
    filter_fields: Any,
    error: ErrorEntry | None = None,
) -> bool:
    """Write the result and release ownership; ``False`` (nothing written) if stale.

    ``filter_fields(fields, current)`` removes what a person decided, judged on the
    document as it is at commit time (a person may confirm while OCR runs). ``error`` (an
    OCR failure the result reports) is written in the same transaction.
    """
    def build(tx: firestore.Transaction, ref: firestore.DocumentReference,
              current: dict[str, Any]) -> None:
        update = dict(filter_fields(fields, current))
        update.update({
            "processingOwner": firestore.DELETE_FIELD,
            "failedAttempts": 0,
            "rescueCount": 0,
            "lastError": firestore.DELETE_FIELD,
        })
        tx.update(ref, update)
        if detail is not None:
            tx.set(ref.collection(DETAIL).document(OCR_DETAIL_ID), detail)
        _write_error(tx, error)

    return _write_if_owner(db, owned, build)


def requeue(db: firestore.Client, owned: Claim, retry_at: datetime, reason: str,
            disposition: str, now: datetime) -> bool:
    """Back to ``pending`` until ``retry_at`` (the scheduled rescue wakes it)."""
    def build(tx: firestore.Transaction, ref: firestore.DocumentReference,
              current: dict[str, Any]) -> None:
        tx.update(ref, {
            "status": "pending",
            "processingOwner": firestore.DELETE_FIELD,
            "retryAt": retry_at,
            "failedAttempts": int(current.get("failedAttempts") or 0) + 1,
            "lastError": {"class": disposition, "message": reason[:500], "at": now},
            "updatedAt": now,
        })

    return _write_if_owner(db, owned, build)


def fail(db: firestore.Client, owned: Claim, fields: dict[str, Any],
         error: ErrorEntry | None = None) -> bool:
    """``status: error`` with an explanation; ``False`` if this attempt was stale.

    ``error`` (the ``errors`` entry a person reads) is written in the same transaction.
    """
    def build(tx: firestore.Transaction, ref: firestore.DocumentReference,
              current: dict[str, Any]) -> None:
        tx.update(ref, {**fields, "status": "error",
                        "processingOwner": firestore.DELETE_FIELD})
        _write_error(tx, error)

    return _write_if_owner(db, owned, build)


# -- rescue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RescueDecision:
    action: str  # "requeue" | "give_up" | "kick" | "none"


def rescue_decision(doc: dict[str, Any], now: datetime, stuck_after: timedelta,
                    max_rescues: int) -> RescueDecision:
    """What the scheduled rescue does with one document (pure)."""
    status = doc.get("status")
    if status == "processing":
        started = doc.get("processingStartedAt")
        if started is None or now - started > stuck_after:
            if int(doc.get("rescueCount") or 0) >= max_rescues:
                return RescueDecision("give_up")
            return RescueDecision("requeue")
        return RescueDecision("none")
    if status == "pending":
        retry_at = doc.get("retryAt")
        if retry_at is not None:
            return RescueDecision("kick" if retry_at <= now else "none")
        updated = doc.get("updatedAt") or doc.get("createdAt")
        # A pending document nobody touched for a while lost its event: wake it.
        if updated is None or now - updated > stuck_after:
            return RescueDecision("kick")
    return RescueDecision("none")


def give_up_error(db: firestore.Client, doc_id: str, doc: dict[str, Any], max_rescues: int,
                  now: datetime) -> ErrorEntry:
    """The ``errors`` entry of a document the rescue gave up on (one per document)."""
    return error_entry(
        db, error_type="システムエラー", file_name=str(doc.get("fileName")),
        file_id=doc.get("fileId"), file_url=doc.get("fileUrl"), document_id=doc_id,
        details=(f"処理が{max_rescues + 1}回中断されたため自動再処理を"
                 "中止しました（タイムアウトまたはメモリ不足の可能性）"),
        dedupe_key=f"rescue:{doc_id}", now=now,
    )


def apply_rescue(db: firestore.Client, doc_id: str, now: datetime, stuck_after: timedelta,
                 max_rescues: int) -> str:
    """Re-decide and act in one transaction (the document may have moved meanwhile).

    Giving up writes ``status: error`` and its ``errors`` entry together.
    """
    ref = _ref(db, doc_id)

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> str:
        snap = ref.get(transaction=tx)
        if not snap.exists:
            return "none"
        doc = snap.to_dict() or {}
        decision = rescue_decision(doc, now, stuck_after, max_rescues)
        if decision.action == "requeue":
            tx.update(ref, {
                "status": "pending",
                "processingOwner": firestore.DELETE_FIELD,
                "rescueCount": int(doc.get("rescueCount") or 0) + 1,
                "retryAt": firestore.DELETE_FIELD,
                "lastError": {"class": "transient", "at": now,
                              "message": "processing did not finish in time; rescued"},
                "updatedAt": now,
            })
        elif decision.action == "give_up":
            tx.update(ref, {
                "status": "error",
                "processingOwner": firestore.DELETE_FIELD,
                "lastError": {"class": "permanent", "at": now,
                              "message": f"processing was interrupted {max_rescues + 1} "
                                         "times; given up"},
                "updatedAt": now,
            })
            _write_error(tx, give_up_error(db, doc_id, doc, max_rescues, now))
        elif decision.action == "kick":
            # Any change emits a document.written event, which wakes process_document.
            tx.update(ref, {"retryAt": firestore.DELETE_FIELD, "kickedAt": now,
                            "updatedAt": now})
        return decision.action

    action: str = attempt(db.transaction())
    return action
