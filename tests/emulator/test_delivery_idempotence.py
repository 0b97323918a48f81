"""At-least-once delivery: repeated and shuffled events change nothing twice."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import google.cloud.storage as storage
from google.cloud import firestore

from shared.idempotency import LEDGER_COLLECTION
from shared.localcloud import cloudevents_http
from tests.functions_client import function_client, post_event


def _upload(bucket: storage.Bucket, name: str, data: bytes) -> dict[str, object]:
    blob = bucket.blob(name)
    blob.upload_from_string(data, content_type="application/pdf")
    blob.reload()
    return dict(blob._properties)


def test_finalize_delivered_three_times_gives_one_document(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket
) -> None:
    resource = _upload(storage_bucket, "uploads/サービス提供票_佐藤花子.pdf", b"%PDF-1.4 test")
    client = function_client("intake", "on_object_finalized")
    event = cloudevents_http.storage_finalized(resource)
    for _ in range(3):
        assert post_event(client, event).status_code == 200
    # A redelivery carries a new event id but the same object generation.
    assert post_event(client, cloudevents_http.storage_finalized(resource)).status_code == 200

    docs = list(firestore_client.collection("documents").stream())
    assert len(docs) == 1
    assert docs[0].to_dict()["status"] == "pending"
    ledger = [d.to_dict() for d in firestore_client.collection(LEDGER_COLLECTION).stream()]
    assert [(e["function"], e["status"]) for e in ledger] == [("intake", "completed")]


def test_new_generation_of_same_name_is_a_new_document(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket
) -> None:
    client = function_client("intake", "on_object_finalized")
    first = _upload(storage_bucket, "uploads/居宅サービス計画書.pdf", b"%PDF-1.4 v1")
    second = _upload(storage_bucket, "uploads/居宅サービス計画書.pdf", b"%PDF-1.4 v2")
    events = [cloudevents_http.storage_finalized(first), cloudevents_http.storage_finalized(second)]
    events = events * 2
    random.Random(7).shuffle(events)
    for event in events:
        assert post_event(client, event).status_code == 200
    generations = sorted(d.to_dict()["generation"] for d in
                         firestore_client.collection("documents").stream())
    assert generations == sorted([str(first["generation"]), str(second["generation"])])


def test_firestore_event_delivered_twice_is_observed_once(
    firestore_client: firestore.Client,
) -> None:
    ref = firestore_client.collection("documents").document("doc-yamada")
    ref.set({"customerName": "髙橋 一郎", "officeName": "ｹｱｻﾎﾟｰﾄ みどり", "status": "processed"})
    snap = ref.get()
    after = snap.to_dict()
    event = cloudevents_http.firestore_written(
        firestore_client.project, "documents/doc-yamada", None, after,
        after_times=(snap.create_time, snap.update_time),
    )
    client = function_client("derived", "on_document_written")
    assert post_event(client, event).status_code == 200
    first = ref.get()
    record = firestore_client.collection("_searchPostings").document("doc-yamada").get()
    assert post_event(client, event).status_code == 200

    # The repeat is level-triggered: it finds the document and its index current and
    # rewrites neither.
    assert ref.get().update_time == first.update_time
    again = firestore_client.collection("_searchPostings").document("doc-yamada").get()
    assert again.update_time == record.update_time
    stored = ref.get().to_dict()
    assert stored["customerKey"] == "高橋一郎"  # 異体字 and spacing folded
    assert stored["officeKey"] == "けあさぽーとみどり"  # width and kana folded
    assert stored["careManagerKey"] == "_unassigned"


def test_late_event_for_deleted_document_does_not_resurrect_it(
    firestore_client: firestore.Client,
) -> None:
    ref = firestore_client.collection("documents").document("doc-gone")
    ref.set({"customerName": "佐藤 花子"})
    snap = ref.get()
    event = cloudevents_http.firestore_written(
        firestore_client.project, "documents/doc-gone", None, snap.to_dict(),
        after_times=(snap.create_time, snap.update_time),
    )
    ref.delete()
    client = function_client("derived", "on_document_written")
    assert post_event(client, event).status_code == 200
    assert not ref.get().exists


def test_stale_event_is_recorded_as_error_not_retried(
    firestore_client: firestore.Client, storage_bucket: storage.Bucket, monkeypatch: object
) -> None:
    resource = _upload(storage_bucket, "uploads/古い通知.pdf", b"%PDF-1.4 old")
    event = cloudevents_http.storage_finalized(resource)
    old = datetime(2020, 1, 1, tzinfo=UTC).isoformat().replace("+00:00", "Z")
    event.headers["ce-time"] = old
    client = function_client("intake", "on_object_finalized")
    assert post_event(client, event).status_code == 200
    assert list(firestore_client.collection("documents").stream()) == []
    errors = [d.to_dict() for d in firestore_client.collection("errors").stream()]
    assert len(errors) == 1 and errors[0]["errorType"] == "システムエラー"
