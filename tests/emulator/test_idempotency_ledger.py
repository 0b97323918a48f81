"""The idempotency ledger: once per key, retry after a crash, no double work in a race;
a taken-over claim neither completes nor releases; records expire by ``expireAt``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from shared.idempotency import (
    EXPIRE_AT,
    LEDGER_COLLECTION,
    Claim,
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


def _record(db: firestore.Client, doc_id: str) -> dict[str, Any]:
    return db.collection(LEDGER_COLLECTION).document(doc_id).get().to_dict() or {}


def _taken_over(db: firestore.Client, ledger: IdempotencyLedger) -> tuple[Claim, Claim]:
    """A slow attempt that outlived the timeout, and the retry that took its claim over."""
    slow = ledger.claim(KEY)
    assert slow is not None
    db.collection(LEDGER_COLLECTION).document(slow.doc_id).update(
        {"startedAt": datetime.now(UTC) - timedelta(minutes=11)})
    newer = ledger.claim(KEY)
    assert newer is not None and newer.token != slow.token
    return slow, newer


def test_a_taken_over_claim_cannot_complete(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake", timedelta(minutes=10))
    slow, newer = _taken_over(firestore_client, ledger)

    assert ledger.complete(slow, {"documentId": "from-the-slow-attempt"}) is False
    record = _record(firestore_client, slow.doc_id)
    assert record["status"] == "in_progress" and record["token"] == newer.token
    assert "completedAt" not in record and "result" not in record

    assert ledger.complete(newer, {"documentId": "d1"}) is True
    record = _record(firestore_client, slow.doc_id)
    assert record["status"] == "completed" and record["result"] == {"documentId": "d1"}
    assert ledger.complete(newer) is True  # completing twice is harmless
    assert ledger.complete(slow) is False


def test_a_slow_attempt_finishing_inside_once_leaves_the_newer_claim_alone(
    firestore_client: firestore.Client,
) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake", timedelta(minutes=10))
    newer: Claim | None = None
    with ledger.once(KEY) as slow:
        assert slow is not None
        firestore_client.collection(LEDGER_COLLECTION).document(slow.doc_id).update(
            {"startedAt": datetime.now(UTC) - timedelta(minutes=11)})
        newer = ledger.claim(KEY)  # a redelivery takes over while the slow one still runs
    assert newer is not None
    record = _record(firestore_client, newer.doc_id)
    assert record["status"] == "in_progress" and record["token"] == newer.token


def test_release_by_a_stale_claim_changes_nothing(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake", timedelta(minutes=10))
    slow, newer = _taken_over(firestore_client, ledger)
    before = _record(firestore_client, slow.doc_id)

    assert ledger.release(slow) is False
    assert _record(firestore_client, slow.doc_id) == before

    assert ledger.complete(newer) is True
    completed = _record(firestore_client, slow.doc_id)
    assert ledger.release(slow) is False and ledger.release(newer) is False
    assert _record(firestore_client, slow.doc_id) == completed  # done stays done


def test_release_by_the_holder_frees_the_key_at_once(firestore_client: firestore.Client) -> None:
    ledger = IdempotencyLedger(firestore_client, "intake")
    claim = ledger.claim(KEY)
    assert claim is not None
    assert ledger.release(claim) is True
    assert _record(firestore_client, claim.doc_id)["status"] == "failed"
    assert ledger.claim(KEY) is not None  # no EventInProgressError: the key was given back


def test_records_carry_expire_at_for_the_ttl_policy(firestore_client: firestore.Client) -> None:
    retention = timedelta(days=7)
    ledger = IdempotencyLedger(firestore_client, "intake", retention=retention)
    slack = timedelta(minutes=1)

    start = datetime.now(UTC)
    claim = ledger.claim(KEY)
    assert claim is not None
    in_progress = _record(firestore_client, claim.doc_id)
    assert abs(in_progress[EXPIRE_AT] - (start + retention)) < slack

    assert ledger.release(claim) is True
    failed = _record(firestore_client, claim.doc_id)
    assert failed["status"] == "failed"
    assert abs(failed[EXPIRE_AT] - (failed["releasedAt"] + retention)) < slack

    with ledger.once(KEY) as again:
        assert again is not None
    completed = _record(firestore_client, claim.doc_id)
    assert completed["status"] == "completed"
    assert completed[EXPIRE_AT] == completed["completedAt"] + retention
    assert completed[EXPIRE_AT] >= in_progress[EXPIRE_AT]


def test_retention_comes_from_the_settings(
    firestore_client: firestore.Client, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.config import get_settings
    from shared.handlers.runtime import run_once

    monkeypatch.setenv("LEDGER_RETENTION_SECONDS", str(2 * 24 * 3600))
    get_settings.cache_clear()
    assert run_once("intake", "ev-1", None, KEY, lambda: {"ok": True}) == {"ok": True}
    record = _record(firestore_client, ledger_doc_id("intake", KEY))
    assert record[EXPIRE_AT] == record["completedAt"] + timedelta(days=2)
