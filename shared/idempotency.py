"""An idempotency ledger on Firestore: each natural event key is acted on once.

Delivery is at least once, so every function claims the event's natural key
(``bucket/name#generation``, a Gmail message id, ``path@updateTime``) before acting.
A record is ``in_progress`` while an attempt runs and ``completed`` after it; a crashed
attempt leaves ``in_progress`` behind, which a retry may take over once it is older than
the timeout. The shape follows the idempotency utility of aws-powertools: a record with
explicit states, claimed and completed through small primitives.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore

LEDGER_COLLECTION = "_idempotency"


class EventInProgressError(Exception):
    """Another attempt holds this event; the caller should fail so the event is retried."""


@dataclass(frozen=True)
class Claim:
    """Proof that this attempt owns the event key until it completes or releases it."""

    key: str
    doc_id: str
    token: str


def ledger_doc_id(function: str, key: str) -> str:
    """Document ids have a length and character limit; keys may not, so hash them."""
    return hashlib.sha256(f"{function}\x00{key}".encode()).hexdigest()


class IdempotencyLedger:
    """Claims, completes and releases event keys for one function."""

    def __init__(
        self,
        db: firestore.Client,
        function: str,
        in_progress_timeout: timedelta = timedelta(minutes=10),
    ) -> None:
        self._db = db
        self._function = function
        self._timeout = in_progress_timeout

    def _ref(self, doc_id: str) -> firestore.DocumentReference:
        return self._db.collection(LEDGER_COLLECTION).document(doc_id)

    def claim(self, key: str) -> Claim | None:
        """Claim ``key``; ``None`` if it was already completed.

        Raises ``EventInProgressError`` when a live attempt holds it.
        """
        doc_id = ledger_doc_id(self._function, key)
        ref = self._ref(doc_id)
        token = uuid.uuid4().hex
        now = datetime.now(UTC)
        transaction = self._db.transaction()

        @firestore.transactional
        def attempt(tx: firestore.Transaction) -> Claim | None:
            snap = ref.get(transaction=tx)
            record: dict[str, Any] = (snap.to_dict() or {}) if snap.exists else {}
            status = record.get("status")
            if status == "completed":
                return None
            started = record.get("startedAt")
            if status == "in_progress" and started and now - started < self._timeout:
                raise EventInProgressError(key)
            tx.set(
                ref,
                {
                    "function": self._function,
                    "key": key,
                    "status": "in_progress",
                    "token": token,
                    "startedAt": now,
                    "attempts": int(record.get("attempts", 0)) + 1,
                },
            )
            return Claim(key=key, doc_id=doc_id, token=token)

        result: Claim | None = attempt(transaction)
        return result

    def complete(self, claim: Claim, result: dict[str, Any] | None = None) -> None:
        """Mark the event done; later deliveries of it are no-ops."""
        self._ref(claim.doc_id).update(
            {"status": "completed", "completedAt": datetime.now(UTC), "result": result or {}}
        )

    def release(self, claim: Claim) -> None:
        """Give the event back after a failure so that a retry can act on it at once."""
        ref = self._ref(claim.doc_id)
        snap = ref.get()
        if snap.exists and (snap.to_dict() or {}).get("token") == claim.token:
            ref.update({"status": "failed", "releasedAt": datetime.now(UTC)})

    @contextmanager
    def once(self, key: str) -> Iterator[Claim | None]:
        """Run the block at most once per key: yields ``None`` when already done."""
        claim = self.claim(key)
        if claim is None:
            yield None
            return
        try:
            yield claim
        except BaseException:
            self.release(claim)
            raise
        self.complete(claim)
