"""An idempotency ledger on Firestore: each natural event key is acted on once.

Delivery is at least once, so every function claims the event's natural key
(``bucket/name#generation``, a Gmail message id, ``path@updateTime``) before acting.
A record is ``in_progress`` while an attempt runs and ``completed`` after it; a crashed
attempt leaves ``in_progress`` behind, which a retry may take over once it is older than
the timeout. The shape follows the idempotency utility of aws-powertools: a record with
explicit states, claimed and completed through small primitives.

Completing and releasing check the claim's token in a transaction: an attempt that ran
past the timeout and was taken over must not mark the newer attempt's work done, nor give
it back. Every record carries ``expireAt`` (its last write plus the retention) so that a
Firestore TTL policy on ``_idempotency.expireAt`` deletes it (``deploy/deploy.py``).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.cloud import firestore

from shared import structured_log

LEDGER_COLLECTION = "_idempotency"
# The field a Firestore TTL policy deletes records by (a timestamp).
EXPIRE_AT = "expireAt"
DEFAULT_RETENTION = timedelta(days=7)

logger = structured_log.get_logger("shared.idempotency")


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
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        self._db = db
        self._function = function
        self._timeout = in_progress_timeout
        self._retention = retention

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
                    EXPIRE_AT: now + self._retention,
                },
            )
            return Claim(key=key, doc_id=doc_id, token=token)

        result: Claim | None = attempt(transaction)
        return result

    def complete(self, claim: Claim, result: dict[str, Any] | None = None) -> bool:
        """Mark the event done if ``claim`` still holds it; return whether it did.

        ``False`` means the claim was taken over (this attempt outlived the timeout): the
        newer attempt owns the record and will complete it itself.
        """
        return self._update_if_held(
            claim, lambda status: status != "completed",
            lambda now: {"status": "completed", "completedAt": now, "result": result or {}},
            when_unchanged=True)

    def release(self, claim: Claim) -> bool:
        """Give the event back after a failure so that a retry can act on it at once.

        Only an ``in_progress`` record still carrying this claim's token is released, in a
        transaction, so a stale attempt's late release cannot undo a newer attempt.
        """
        return self._update_if_held(
            claim, lambda status: status == "in_progress",
            lambda now: {"status": "failed", "releasedAt": now}, when_unchanged=False)

    def _update_if_held(self, claim: Claim, applies: Callable[[object], bool],
                        fields: Callable[[datetime], dict[str, Any]],
                        when_unchanged: bool) -> bool:
        """In one transaction: if the record still carries ``claim``'s token and its
        status ``applies``, write ``fields`` (and a fresh expiry) and return ``True``;
        a held record whose status does not apply returns ``when_unchanged``."""
        ref = self._ref(claim.doc_id)
        now = datetime.now(UTC)

        @firestore.transactional
        def attempt(tx: firestore.Transaction) -> bool:
            snap = ref.get(transaction=tx)
            record = (snap.to_dict() or {}) if snap.exists else {}
            if record.get("token") != claim.token:
                return False
            if not applies(record.get("status")):
                return when_unchanged
            tx.update(ref, {**fields(now), EXPIRE_AT: now + self._retention})
            return True

        done: bool = attempt(self._db.transaction())
        return done

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
        if not self.complete(claim):
            structured_log.log(logger, logging.WARNING,
                               "claim was taken over before completion; left to the newer "
                               "attempt", function=self._function, eventKey=key)
