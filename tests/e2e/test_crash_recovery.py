"""A function instance killed in the middle of an event: the redelivery converges.

``group_recompute`` waits for its window to close before it reads, so a mark's event is
reliably in flight for about two seconds: the test kills that process with SIGKILL while
it holds the event. The supervisor brings the process back on its port (as Cloud Run
replaces a crashed instance), the router's retry reaches it, and the group ends exactly
as a recomputation says, with no dead letter.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime

from google.cloud import firestore

from shared.derived.consistency import check_consistency
from shared.derived.group_marks import MARKS_COLLECTION
from shared.localcloud.cloud import LocalCloud
from shared.localcloud.router import EventRouter


def _wait_for(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_sigkill_during_a_group_recompute_is_survived_by_redelivery(
    running_functions: LocalCloud, event_router: EventRouter,
) -> None:
    assert running_functions.functions is not None
    db = firestore.Client(project=running_functions.project)
    process = running_functions.functions.process("group_recompute")
    restarts = process.restarts
    db.collection("documents").document("fax-kill").set({
        "fileName": "サービス提供票_山田太郎.pdf", "customerName": "山田 太郎",
        "officeName": "ケアサポートみどり", "documentType": "サービス提供票",
        "status": "processed", "processedAt": datetime(2024, 5, 1, 9, tzinfo=UTC)})

    # A mark exists once derived has run; its creation event is then being handled,
    # and the handler sleeps until the mark's window has closed.
    _wait_for(lambda: any(True for _ in db.collection(MARKS_COLLECTION).limit(1).stream()))
    time.sleep(0.3)
    assert not list(db.collection("documentGroups").limit(1).stream())  # not yet written
    os.kill(process.pid, signal.SIGKILL)

    assert event_router.wait_idle(timeout=120, settle=3.0)
    assert process.restarts > restarts
    retried = [d for d in event_router.deliveries
               if d.function == "group_recompute" and d.attempts > 1]
    assert retried, "the killed delivery should have been retried"
    assert event_router.dead_letters == []
    group = db.collection("documentGroups").document("customer_山田太郎").get()
    assert group.exists and (group.to_dict() or {})["count"] == 1
    report = check_consistency(db)
    assert report.ok, report.summary()


def test_a_listener_that_dies_is_replaced_and_misses_nothing(
    running_functions: LocalCloud, event_router: EventRouter,
) -> None:
    db = firestore.Client(project=running_functions.project)
    documents = db.collection("documents")
    documents.document("fax-old").set({
        "fileName": "古い.pdf", "customerName": "佐藤 花子", "status": "processed",
        "processedAt": datetime(2024, 5, 1, 9, tzinfo=UTC)})
    assert event_router.wait_idle(timeout=60, settle=3.0)

    event_router._watch_of[("documents", False)].close()  # the stream ends for good
    documents.document("fax-new").set({
        "fileName": "新しい.pdf", "customerName": "髙橋 一郎", "status": "processed",
        "processedAt": datetime(2024, 5, 2, 9, tzinfo=UTC)})
    documents.document("fax-old").delete()

    assert event_router.wait_idle(timeout=60, settle=3.0)
    assert (documents.document("fax-new").get().to_dict() or {}).get("customerKey") == "高橋一郎"
    assert not db.collection("documentGroups").document("customer_佐藤花子").get().exists
    report = check_consistency(db)
    assert report.ok, report.summary()
