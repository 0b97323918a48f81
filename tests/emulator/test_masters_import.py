"""Masters import into the Firestore emulator: written once, idempotent, merges."""

from __future__ import annotations

from google.cloud import firestore

from shared.masters_import import validate, write_items

ROWS = [
    {"id": "C001", "name": "髙橋 登美子", "furigana": "たかはし とみこ",
     "careManagerName": "堤 博美"},
    {"id": "C002", "name": "中山 初江", "furigana": "なかやま はつえ"},
    {"name": ""},
]


def _items(db: firestore.Client) -> dict[str, dict]:
    col = db.collection("masters").document("customers").collection("items")
    return {s.id: s.to_dict() or {} for s in col.stream()}


def test_import_writes_items_and_is_idempotent(firestore_client: firestore.Client) -> None:
    report = write_items(firestore_client, validate("customers", ROWS))
    assert (report.written, report.unchanged, len(report.rejected)) == (2, 0, 1)
    items = _items(firestore_client)
    assert items["C001"]["name"] == "髙橋 登美子"
    assert items["C001"]["careManagerName"] == "堤 博美"
    assert "createdAt" in items["C001"] and "updatedAt" in items["C001"]
    first_update = items["C001"]["updatedAt"]

    again = write_items(firestore_client, validate("customers", ROWS))
    assert (again.written, again.unchanged) == (0, 2)
    assert _items(firestore_client)["C001"]["updatedAt"] == first_update


def test_import_merges_and_keeps_fields_added_by_people(
        firestore_client: firestore.Client) -> None:
    write_items(firestore_client, validate("customers", ROWS[:1]))
    ref = firestore_client.document("masters/customers/items/C001")
    ref.update({"notes": "長女と同居"})
    changed = [{**ROWS[0], "furigana": "たかはし  とみこ"}]
    report = write_items(firestore_client, validate("customers", changed))
    assert report.written == 1
    data = ref.get().to_dict() or {}
    assert data["furigana"] == "たかはし  とみこ"
    assert data["notes"] == "長女と同居"
