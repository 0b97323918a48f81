"""People's corrections: resolution audit logs, alias learning, edit logs (idempotent)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud import firestore

from shared.localcloud import cloudevents_http
from shared.localcloud.cloudevents_http import HttpEvent
from tests.functions_client import deliver, written_event

NOW = datetime(2024, 5, 10, 9, tzinfo=UTC)


def _master(db: firestore.Client, kind: str, mid: str, **data: Any) -> None:
    db.collection("masters").document(kind).collection("items").document(mid).set(data)


def _aliases(db: firestore.Client, kind: str, mid: str) -> list[str]:
    snap = db.collection("masters").document(kind).collection("items").document(mid).get()
    return list((snap.to_dict() or {}).get("aliases") or [])


def _change(db: firestore.Client, doc_id: str, update: dict[str, Any]) -> HttpEvent:
    ref = db.collection("documents").document(doc_id)
    return written_event(ref, lambda: ref.update(update))


def _deliver(*events: HttpEvent) -> None:
    deliver("derived", "on_document_written", *events)


def _logs(db: firestore.Client, collection: str) -> list[dict[str, Any]]:
    return [s.to_dict() or {} for s in db.collection(collection).stream()]


@pytest.fixture
def db(firestore_client: firestore.Client) -> firestore.Client:
    db = firestore_client
    _master(db, "customers", "c-yamada", name="山田 太郎", furigana="ヤマダ タロウ",
            isDuplicate=False, careManagerName="鈴木 美香")
    _master(db, "customers", "c-sato", name="佐藤 花子", furigana="サトウ ハナコ",
            isDuplicate=False, aliases=["佐藤はな子"])
    _master(db, "offices", "o-midori", name="ケアサポートみどり", shortName="みどり",
            isDuplicate=False)
    db.collection("users").document("staff-1").set({"email": "staff@care.example.jp",
                                                    "role": "user", "isActive": True})
    db.collection("documents").document("doc-1").set({
        "customerName": "不明顧客", "customerId": None, "customerConfirmed": False,
        "officeName": "ｹｱｻﾎﾟｰﾄ緑", "officeId": None, "officeConfirmed": False,
        "documentType": "サービス提供票", "status": "processed", "fileName": "fax_0510.pdf",
        "ocrExtraction": {"customerName": "山田 太朗", "officeName": "ｹｱｻﾎﾟｰﾄ緑"},
    })
    return db


def _pick_customer(db: firestore.Client, customer_id: str, name: str) -> HttpEvent:
    return _change(db, "doc-1", {"customerId": customer_id, "customerName": name,
                                 "customerConfirmed": True, "confirmedBy": "staff-1",
                                 "confirmedAt": NOW})


def test_person_picking_customer_is_logged_and_ocr_spelling_learned_once(
    db: firestore.Client,
) -> None:
    event = _pick_customer(db, "c-yamada", "山田 太郎")
    _deliver(event, event, cloudevents_http.HttpEvent(
        {**event.headers, "ce-id": "redelivered"}, event.body))

    logs = _logs(db, "customerResolutionLogs")
    assert len(logs) == 1
    log = logs[0]
    assert (log["documentId"], log["previousCustomerId"], log["newCustomerId"]) == (
        "doc-1", None, "c-yamada")
    assert (log["newCustomerName"], log["resolvedBy"], log["resolvedByEmail"]) == (
        "山田 太郎", "staff-1", "staff@care.example.jp")
    assert log["resolvedAt"] == NOW
    assert _aliases(db, "customers", "c-yamada") == ["山田 太朗"]
    learned = _logs(db, "aliasLearningLogs")
    assert [(x["masterType"], x["masterId"], x["masterName"], x["alias"], x["learnedBy"],
             x["learnedByEmail"]) for x in learned] == [
        ("customer", "c-yamada", "山田 太郎", "山田 太朗", "staff-1", "staff@care.example.jp")]


def test_log_written_by_the_client_is_not_duplicated(db: firestore.Client) -> None:
    db.collection("customerResolutionLogs").document("client-log").set({
        "documentId": "doc-1", "previousCustomerId": None, "newCustomerId": "c-yamada",
        "newCustomerName": "山田 太郎", "resolvedBy": "staff-1",
        "resolvedByEmail": "staff@care.example.jp",
        "resolvedAt": datetime.now(UTC) + timedelta(seconds=1)})
    _deliver(_pick_customer(db, "c-yamada", "山田 太郎"))
    assert len(_logs(db, "customerResolutionLogs")) == 1


def test_spelling_of_another_master_is_not_learned(db: firestore.Client) -> None:
    db.collection("documents").document("doc-1").update(
        {"ocrExtraction": {"customerName": "佐藤 はな子"}})  # c-sato's alias, normalised
    _deliver(_pick_customer(db, "c-yamada", "山田 太郎"))
    assert _aliases(db, "customers", "c-yamada") == []
    assert _logs(db, "aliasLearningLogs") == []
    assert len(_logs(db, "customerResolutionLogs")) == 1


@pytest.mark.parametrize("seen", ["山田", "ヤマダ　タロウ", "山田太郎様"])
def test_short_or_already_known_spelling_is_not_learned(db: firestore.Client,
                                                        seen: str) -> None:
    db.collection("documents").document("doc-1").update(
        {"ocrExtraction": {"customerName": seen}})
    _deliver(_pick_customer(db, "c-yamada", "山田 太郎"))
    assert _aliases(db, "customers", "c-yamada") == []
    assert _logs(db, "aliasLearningLogs") == []


def test_pipeline_confirmation_is_not_a_person_and_logs_nothing(db: firestore.Client) -> None:
    _deliver(_change(db, "doc-1", {"customerId": "c-yamada", "customerName": "山田 太郎",
                                   "customerConfirmed": True, "confirmedBy": None}))
    assert _logs(db, "customerResolutionLogs") == []
    assert _aliases(db, "customers", "c-yamada") == []


def test_person_picking_office_is_logged_and_learned(db: firestore.Client) -> None:
    _deliver(_change(db, "doc-1", {"officeId": "o-midori", "officeName": "ケアサポートみどり",
                                   "officeConfirmed": True, "officeConfirmedBy": "staff-1",
                                   "officeConfirmedAt": NOW}))
    logs = _logs(db, "officeResolutionLogs")
    assert [(x["newOfficeId"], x["newOfficeName"], x["resolvedBy"]) for x in logs] == [
        ("o-midori", "ケアサポートみどり", "staff-1")]
    assert _aliases(db, "offices", "o-midori") == ["ｹｱｻﾎﾟｰﾄ緑"]
    assert [x["masterType"] for x in _logs(db, "aliasLearningLogs")] == ["office"]


def test_field_edits_give_one_edit_log_per_field_whatever_the_order(
    db: firestore.Client,
) -> None:
    first = _change(db, "doc-1", {"documentType": "訪問看護報告書", "fileName": "報告書.pdf",
                                  "editedBy": "staff-1", "editedAt": NOW})
    second = _change(db, "doc-1", {"fileDate": datetime(2024, 5, 1, tzinfo=UTC),
                                   "editedBy": "staff-1",
                                   "editedAt": NOW + timedelta(minutes=1)})
    not_an_edit = _change(db, "doc-1", {"summary": "AI要約"})
    events = [first, second, not_an_edit] * 2
    random.Random(3).shuffle(events)
    _deliver(*events)
    logs = sorted((x["fieldName"], x["editedBy"], x["editedByEmail"], x["editedAt"])
                  for x in _logs(db, "editLogs"))
    assert logs == [
        ("documentType", "staff-1", "staff@care.example.jp", NOW),
        ("fileDate", "staff-1", "staff@care.example.jp", NOW + timedelta(minutes=1)),
        ("fileName", "staff-1", "staff@care.example.jp", NOW),
    ]
