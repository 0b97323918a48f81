"""Reindex and the migrations: drift in the index is found and repaired, once."""

from __future__ import annotations

from datetime import UTC, datetime

from google.cloud import firestore

from migrations.runner import MIGRATIONS, registry, run_all
from shared.localcloud import cloudevents_http
from shared.search.layout import RECORDS_COLLECTION, shard_of, shard_ref, token_id
from shared.search.query import STATS, SearchRequest, search
from shared.search.reindex import actual_shards, expected_shards, reindex, shard_drift
from tests.functions_client import function_client, post_event, settle_groups


def _index(db: firestore.Client, doc_id: str, data: dict[str, object]) -> None:
    ref = db.collection("documents").document(doc_id)
    ref.set(data)
    snap = ref.get()
    event = cloudevents_http.firestore_written(
        db.project, f"documents/{doc_id}", None, snap.to_dict(),
        after_times=(snap.create_time, snap.update_time))
    assert post_event(function_client("derived", "on_document_written"), event).status_code == 200


def _corpus(db: firestore.Client) -> None:
    for i, name in enumerate(["山田 太郎", "佐藤 花子", "高橋 一郎"]):
        _index(db, f"r{i}", {"customerName": name, "documentType": "サービス提供票",
                             "status": "processed", "fileName": f"提供票_{i}.pdf",
                             "fileDate": datetime(2024, 5, i + 1, tzinfo=UTC)})


def _ids(db: firestore.Client, q: str) -> set[str]:
    STATS.clear()
    return {h.id for h in search(db, SearchRequest(q=q)).hits}


def test_reindex_repairs_lost_stray_and_miscounted_postings(
    firestore_client: firestore.Client,
) -> None:
    db = firestore_client
    _corpus(db)
    assert shard_drift(expected_shards(db), actual_shards(db)) == []
    lost = shard_ref(db, token_id("山田"), shard_of("r0"))
    lost.set({"postings": {"r0": firestore.DELETE_FIELD}}, merge=True)
    stray = shard_ref(db, token_id("佐藤"), shard_of("r2"))
    stray.set({"df": firestore.Increment(1),
               "postings": {"r2": {"score": 3.0, "fieldsMask": 1}}}, merge=True)
    db.collection("documents").document("r3").set(  # written while the trigger was down
        {"customerName": "田中 健", "status": "processed", "fileName": "計画書.pdf"})
    assert _ids(db, "山田") == set() and _ids(db, "佐藤") == {"r1", "r2"}

    report = reindex(db, verify=True)
    assert report.reindexed == 1 and report.shards_rebuilt == 2
    assert shard_drift(expected_shards(db), actual_shards(db)) == []
    assert _ids(db, "山田") == {"r0"} and _ids(db, "佐藤") == {"r1"}
    assert _ids(db, "田中") == {"r3"}
    assert db.collection("documents").document("r3").get().to_dict()["search"]["tokens"]
    again = reindex(db, verify=True)
    assert (again.reindexed, again.shards_rebuilt, again.drift) == (0, 0, [])


def test_migrations_run_once_and_record_their_state(firestore_client: firestore.Client) -> None:
    db = firestore_client
    _corpus(db)
    settle_groups(db)
    db.collection(RECORDS_COLLECTION).document("r1").delete()  # index record lost
    db.collection("documentGroups").document("customer_山田太郎").update({"count": 9})
    first = run_all(db)
    assert [r["status"] for r in first] == ["completed", "completed"]
    assert all(r["processedCount"] == 3 and r["errorCount"] == 0 for r in first)
    assert db.collection("documentGroups").document(
        "customer_山田太郎").get().to_dict()["count"] == 1
    assert _ids(db, "佐藤") == {"r1"}
    second = run_all(db)
    assert all(r.get("skipped") for r in second)
    ids = {s.id for s in db.collection(MIGRATIONS).stream()}
    assert ids == {m.id for m in registry()}
