"""Documents follow their masters: care manager changes and re-resolution."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.derived.check_groups import check_groups
from shared.localcloud import cloudevents_http
from shared.localcloud.cloudevents_http import HttpEvent
from tests.functions_client import deliver, settle_groups, written_event

OCR = ("サービス提供票\n利用者氏名 山田 太郎 様\n居宅介護支援事業所 ケアサポートみどり\n"
       "令和6年5月1日\n")


def _items(db: firestore.Client, kind: str) -> firestore.CollectionReference:
    return db.collection("masters").document(kind).collection("items")


def _written(db: firestore.Client, ref: firestore.DocumentReference,
             write: Any) -> HttpEvent:
    return written_event(ref, write)


def _deliver(function: str, target: str, *events: HttpEvent) -> None:
    deliver(function, target, *events)


def _sync_documents(db: firestore.Client,
                    before: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deliver each document's change since ``before`` (the states a previous call
    returned) to the derived function, as Eventarc would; returns the states now."""
    now: dict[str, Any] = {}
    for snap in db.collection("documents").stream():
        old = (before or {}).get(snap.id)
        now[snap.id] = snap
        _deliver("derived", "on_document_written", cloudevents_http.firestore_written(
            db.project, f"documents/{snap.id}", old.to_dict() if old else None,
            snap.to_dict(),
            before_times=(old.create_time, old.update_time) if old else (None, None),
            after_times=(snap.create_time, snap.update_time)))
    settle_groups(db)
    return {doc_id: db.collection("documents").document(doc_id).get() for doc_id in now}


def _doc(customer_id: str | None, name: str, **extra: Any) -> dict[str, Any]:
    return {"customerId": customer_id, "customerName": name, "customerConfirmed": True,
            "officeName": "ケアサポートみどり", "documentType": "サービス提供票",
            "status": "processed", "fileName": "fax.pdf",
            "processedAt": datetime(2024, 5, 1, tzinfo=UTC), **extra}


def test_care_manager_change_moves_the_customers_documents(
    firestore_client: firestore.Client,
) -> None:
    db = firestore_client
    master = _items(db, "customers").document("c-yamada")
    master.set({"name": "山田 太郎", "furigana": "ヤマダ タロウ", "isDuplicate": False,
                "careManagerName": "鈴木 美香"})
    docs = db.collection("documents")
    for i in range(3):
        docs.document(f"y{i}").set(_doc("c-yamada", "山田 太郎", careManager="鈴木 美香"))
    docs.document("y-edited").set(_doc("c-yamada", "山田 太郎", careManager="佐々木 徹",
                                       editedBy="staff-1", editedFields=["careManager"]))
    docs.document("s1").set(_doc("c-sato", "佐藤 花子", careManager="鈴木 美香"))
    states = _sync_documents(db)

    first = _written(db, master, lambda: master.update({"careManagerName": "田中 健"}))
    second = _written(db, master, lambda: master.update({"careManagerName": "田中　健"}))
    _deliver("master_changed", "on_master_written", second, first, second)

    care = {s.id: (s.to_dict() or {}).get("careManager") for s in docs.stream()}
    assert care == {"y0": "田中　健", "y1": "田中　健", "y2": "田中　健",
                    "y-edited": "佐々木 徹", "s1": "鈴木 美香"}
    assert docs.document("y0").get().to_dict()["careManagerKey"] == "田中健"
    _sync_documents(db, states)
    groups = db.collection("documentGroups")
    assert groups.document("careManager_田中健").get().to_dict()["count"] == 3
    assert groups.document("careManager_鈴木美香").get().to_dict()["count"] == 1
    assert check_groups(db).drift == []


def test_new_master_resolves_unresolved_documents_but_not_confirmed_ones(
    firestore_client: firestore.Client,
) -> None:
    db = firestore_client
    _items(db, "documents").document("t-teikyo").set(
        {"name": "サービス提供票", "dateMarker": "", "category": "提供票"})
    _items(db, "offices").document("o-midori").set(
        {"name": "ケアサポートみどり", "isDuplicate": False})
    docs = db.collection("documents")
    unresolved = {"customerName": "不明顧客", "customerId": None, "customerConfirmed": False,
                  "documentType": "サービス提供票", "status": "processed",
                  "fileName": "fax_0501.pdf", "ocrResult": OCR}
    docs.document("u1").set(unresolved)
    docs.document("decided").set({**unresolved, "customerName": "山田 花子",
                                  "customerId": "c-hanako", "customerConfirmed": True,
                                  "confirmedBy": "staff-1"})
    docs.document("person-said-none").set({**unresolved, "confirmedBy": "staff-1"})
    master = _items(db, "customers").document("c-yamada")
    event = _written(db, master, lambda: master.set(
        {"name": "山田 太郎", "furigana": "ヤマダ タロウ", "isDuplicate": False,
         "careManagerName": "鈴木 美香"}))
    _deliver("master_changed", "on_master_written", event, event)

    u1 = docs.document("u1").get().to_dict()
    assert u1["customerId"] == "c-yamada" and u1["customerName"] == "山田 太郎"
    decided = docs.document("decided").get().to_dict()
    assert (decided["customerId"], decided["customerName"]) == ("c-hanako", "山田 花子")
    untouched = docs.document("person-said-none").get().to_dict()
    assert untouched["customerId"] is None and untouched["customerName"] == "不明顧客"
