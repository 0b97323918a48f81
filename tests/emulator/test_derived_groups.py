"""documentGroups through the real function: counts, latestDocs, unassigned, exclusions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.config import get_settings
from shared.derived.check_groups import check_groups
from shared.grouping.ids import group_doc_id
from shared.localcloud import cloudevents_http
from shared.localcloud.cloudevents_http import HttpEvent
from tests.functions_client import (
    deliver,
    function_client,
    post_event,
    settle_groups,
    written_event,
)


def _write(db: firestore.Client, doc_id: str, data: dict[str, Any] | None,
           deliver: bool = True) -> HttpEvent:
    ref = db.collection("documents").document(doc_id)
    event = written_event(ref, ref.delete if data is None else lambda: ref.set(data))
    if deliver:
        _deliver(event)
    return event


def _deliver(event: HttpEvent) -> None:
    deliver("derived", "on_document_written", event)
    settle_groups(_db(event))


def _db(_event: HttpEvent) -> firestore.Client:
    return firestore.Client(project=get_settings().project)


def _doc(customer: str, day: int, **extra: Any) -> dict[str, Any]:
    return {"customerName": customer, "officeName": "ケアサポートみどり",
            "documentType": "サービス提供票", "status": "processed",
            "processedAt": datetime(2024, 5, day, 9, tzinfo=UTC),
            "fileName": f"サービス提供票_{day:02d}.pdf", **extra}


def _group(db: firestore.Client, group_type: str, key: str) -> dict[str, Any] | None:
    snap = db.collection("documentGroups").document(group_doc_id(group_type, key)).get()
    return snap.to_dict() if snap.exists else None


def test_group_document_has_the_seed_shape(firestore_client: firestore.Client) -> None:
    _write(firestore_client, "d1", _doc("山田 太郎", 1))
    _write(firestore_client, "d2", _doc("山田太郎", 2, careManager="鈴木 美香"))
    group = _group(firestore_client, "customer", "山田太郎")
    assert group is not None
    assert group["id"] == "customer_山田太郎"
    assert (group["groupType"], group["groupKey"], group["count"]) == ("customer", "山田太郎", 2)
    assert group["displayName"] == "山田太郎"  # the newest document's spelling
    assert group["latestAt"] == datetime(2024, 5, 2, 9, tzinfo=UTC)
    assert [e["id"] for e in group["latestDocs"]] == ["d2", "d1"]
    assert set(group["latestDocs"][0]) <= {"id", "fileName", "documentType", "customerName",
                                           "officeName", "fileDate", "processedAt"}
    unassigned = _group(firestore_client, "careManager", "_unassigned")
    assert unassigned is not None and unassigned["count"] == 1
    assert unassigned["displayName"] == "未割当"
    assert _group(firestore_client, "careManager", "鈴木美香")["count"] == 1


def test_deleting_the_newest_refills_latest_docs_from_the_rest(
    firestore_client: firestore.Client,
) -> None:
    for day in range(1, 6):
        _write(firestore_client, f"d{day}", _doc("佐藤 花子", day))
    _write(firestore_client, "d5", None)
    group = _group(firestore_client, "customer", "佐藤花子")
    assert group is not None and group["count"] == 4
    assert [e["id"] for e in group["latestDocs"]] == ["d4", "d3", "d2"]
    _write(firestore_client, "d4", _doc("山田 太郎", 4))  # moves to another customer
    group = _group(firestore_client, "customer", "佐藤花子")
    assert group is not None and group["count"] == 3
    assert [e["id"] for e in group["latestDocs"]] == ["d3", "d2", "d1"]
    assert check_groups(firestore_client).drift == []


def test_split_parent_and_error_document_leave_every_group(
    firestore_client: firestore.Client,
) -> None:
    _write(firestore_client, "p1", _doc("田中 一郎", 1))
    _write(firestore_client, "p1", _doc("田中 一郎", 1, status="split"))
    _write(firestore_client, "e1", _doc("田中 一郎", 2, status="error"))
    assert _group(firestore_client, "customer", "田中一郎") is None
    assert _group(firestore_client, "careManager", "_unassigned") is None


def test_create_arriving_after_its_delete_changes_nothing(
    firestore_client: firestore.Client,
) -> None:
    create = _write(firestore_client, "d1", _doc("山田 太郎", 1), deliver=False)
    delete = _write(firestore_client, "d1", None, deliver=False)
    _deliver(delete)
    _deliver(create)
    assert _group(firestore_client, "customer", "山田太郎") is None
    # A later re-create with the same id counts again.
    _write(firestore_client, "d1", _doc("山田 太郎", 3))
    assert _group(firestore_client, "customer", "山田太郎")["count"] == 1


def test_swapped_updates_end_at_the_later_one(firestore_client: firestore.Client) -> None:
    _write(firestore_client, "d1", _doc("山田 太郎", 1))
    first = _write(firestore_client, "d1", _doc("佐藤 花子", 1), deliver=False)
    second = _write(firestore_client, "d1", _doc("高橋 一郎", 1), deliver=False)
    _deliver(second)
    _deliver(first)
    assert _group(firestore_client, "customer", "山田太郎") is None
    assert _group(firestore_client, "customer", "佐藤花子") is None
    assert _group(firestore_client, "customer", "高橋一郎")["count"] == 1


def test_office_name_with_slash_gets_a_valid_group_id(firestore_client: firestore.Client) -> None:
    _write(firestore_client, "d1", {**_doc("山田 太郎", 1), "officeName": "あおば/第2事業所"})
    group = _group(firestore_client, "office", "あおば/第2事業所")
    assert group is not None and group["groupKey"] == "あおば/第2事業所"


def test_group_keys_written_back_without_looping(firestore_client: firestore.Client) -> None:
    _write(firestore_client, "d1", _doc("髙橋 一郎", 1))
    ref = firestore_client.collection("documents").document("d1")
    snap = ref.get()
    stored = snap.to_dict()
    assert stored["customerKey"] == "高橋一郎" and stored["careManagerKey"] == "_unassigned"
    assert stored["search"]["version"] >= 1 and stored["search"]["tokens"]
    # The write-back's own event is recognised and changes nothing.
    echo = cloudevents_http.firestore_written(
        firestore_client.project, "documents/d1", _doc("髙橋 一郎", 1), stored,
        after_times=(snap.create_time, snap.update_time))
    _deliver(echo)
    assert ref.get().update_time == snap.update_time


def test_check_command_repairs_drift(firestore_client: firestore.Client) -> None:
    for day in (1, 2):
        _write(firestore_client, f"d{day}", _doc("山田 太郎", day))
    groups = firestore_client.collection("documentGroups")
    groups.document("customer_山田太郎").update({"count": 7})
    groups.document("customer_幽霊").set({"count": 1, "groupType": "customer"})
    firestore_client.collection("documents").document("d3").set(_doc("山田 太郎", 3))  # no event
    report = check_groups(firestore_client)
    problems = {(d.group_id, d.problem) for d in report.drift}
    assert ("customer_山田太郎", "different") in problems
    assert ("customer_幽霊", "extra") in problems
    check_groups(firestore_client, repair=True)
    assert check_groups(firestore_client).drift == []
    assert _group(firestore_client, "customer", "山田太郎")["count"] == 3
    # Incremental updates continue correctly from the repaired base.
    _write(firestore_client, "d3", None)
    assert _group(firestore_client, "customer", "山田太郎")["count"] == 2
    assert check_groups(firestore_client).drift == []


def test_malformed_event_is_recorded_once_and_not_retried(
    firestore_client: firestore.Client,
) -> None:
    good = cloudevents_http.firestore_written(firestore_client.project, "documents/x",
                                              None, {"customerName": "山田 太郎"})
    bad = HttpEvent({**good.headers, "ce-subject": "", "ce-id": "broken-1"}, b"\xff\x00garbage")
    client = function_client("derived", "on_document_written")
    assert post_event(client, bad).status_code == 200
    assert post_event(client, bad).status_code == 200
    errors = [d.to_dict() for d in firestore_client.collection("errors").stream()]
    assert len(errors) == 1 and errors[0]["errorType"] == "システムエラー"
    assert "broken-1" in errors[0]["errorDetails"]
