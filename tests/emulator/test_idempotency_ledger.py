"""The idempotency ledger: once per key, retry after a crash, no double work in a race."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from google.cloud import firestore

from shared.idempotency import (
    LEDGER_COLLECTION,
    EventInProgressError,
    IdempotencyLedger,
    ledger_doc_id,
)

KEY = "demo-bucket/gmail/FAX_0312345678_20240501.pdf#1714521600000000"


def test_completed_key_is_not_run_again(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake")
    runs = []
    for _ in range(3):
        with ledger.once(KEY) as claim:
            if claim is not None:
                runs.append(claim.key)
    assert runs == [KEY]


def test_same_key_for_another_function_is_independent(firestore_client: firestore.Client) -> None:
    with IdempotencyLedger(firestore_client, "intake").once(KEY) as first:
        assert first is not None
    with IdempotencyLedger(firestore_client, "derived").once(KEY) as second:
        assert second is not None


def test_failed_attempt_is_released_and_retried(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake")
    with pytest.raises(RuntimeError), ledger.once(KEY):
        raise RuntimeError("Vision API 503")
    with ledger.once(KEY) as claim:
        assert claim is not None
    record = firestore_client.collection(LEDGER_COLLECTION).document(
        ledger_doc_id("intake", KEY)).get().to_dict()
    assert record["status"] == "completed" and record["attempts"] == 2


def test_live_attempt_blocks_a_concurrent_one(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake")
    claim = ledger.claim(KEY)
    assert claim is not None
    with pytest.raises(EventInProgressError):
        ledger.claim(KEY)


def test_crashed_attempt_is_taken_over_after_timeout(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake", timedelta(minutes=10))
    crashed = ledger.claim(KEY)
    assert crashed is not None
    firestore_client.collection(LEDGER_COLLECTION).document(crashed.doc_id).update(
        {"startedAt": datetime.now(UTC) - timedelta(minutes=11)})
    retry = ledger.claim(KEY)
    assert retry is not None and retry.token != crashed.token
    ledger.release(crashed)  # the crashed attempt's late release must not undo the retry
    record = firestore_client.collection(LEDGER_COLLECTION).document(crashed.doc_id).get()
    assert record.to_dict()["token"] == retry.token
    assert record.to_dict()["status"] == "in_progress"


def test_racing_claims_let_exactly_one_through(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake")
    winners: list[str] = []
    losers: list[str] = []
    barrier = threading.Barrier(4)

    def race() -> None:
        barrier.wait()
        try:
            claim = ledger.claim(KEY)
            (winners if claim is not None else losers).append("x")
        except EventInProgressError:
            losers.append("busy")

    threads = [threading.Thread(target=race) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1 and len(losers) == 3
