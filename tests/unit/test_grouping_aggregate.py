"""Group membership and the group document built from its members (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.grouping.aggregate import (
    GroupRef,
    membership,
    recompute_all,
    stored_membership,
    touched_groups,
)
from shared.grouping.ids import group_doc_id
from shared.grouping.keys import UNASSIGNED, group_keys

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _doc(customer: str = "山田 太郎", day: int = 1, **extra: object) -> dict[str, object]:
    return {"customerName": customer, "officeName": "ケアサポートみどり",
            "documentType": "サービス提供票", "status": "processed",
            "processedAt": datetime(2024, 5, day, 9, tzinfo=UTC),
            "fileName": f"サービス提供票_{day}.pdf", **extra}


def _customer(doc: dict[str, object]) -> GroupRef:
    return next(g for g in membership(doc) if g.group_type == "customer")


def test_document_without_care_manager_counts_in_unassigned_group() -> None:
    assert GroupRef("careManager", UNASSIGNED) in membership(_doc())
    groups = recompute_all([("d1", _doc())], NOW)
    assert groups[group_doc_id("careManager", UNASSIGNED)]["displayName"] == "未割当"


def test_split_parent_error_and_unprocessed_documents_count_nowhere() -> None:
    for status in ("split", "error", "pending", "processing"):
        assert membership(_doc(status=status)) == set()
        assert recompute_all([("d1", _doc(status=status))], NOW) == {}


def test_kanji_variant_and_spacing_fall_into_one_customer_group() -> None:
    assert _customer(_doc("髙橋 一郎")) == _customer(_doc("高橋一郎"))
    groups = recompute_all([("d1", _doc("髙橋 一郎")), ("d2", _doc("高橋一郎", day=2))], NOW)
    assert groups["customer_高橋一郎"]["count"] == 2


def test_a_move_touches_the_group_left_and_the_group_entered() -> None:
    before, after = _doc("山田 太郎"), _doc("佐藤 花子")
    customers = {g.group_key for g in touched_groups(before, after)
                 if g.group_type == "customer"}
    assert customers == {"山田太郎", "佐藤花子"}


def test_stale_stored_keys_are_touched_too() -> None:
    """A group query sees the key stored on the document; until the write-back replaces
    it, the group of the stored key must be recomputed as well."""
    doc = {**_doc("佐藤 花子"), **{k: v for k, v in group_keys(_doc("山田 太郎")).items()}}
    assert GroupRef("customer", "山田太郎") in stored_membership(doc)
    assert {"山田太郎", "佐藤花子"} <= {g.group_key for g in touched_groups(doc)}


def test_unprocessed_states_touch_nothing() -> None:
    assert touched_groups(_doc(status="pending"), _doc(status="processing")) == set()


def test_latest_docs_are_the_newest_three_newest_first() -> None:
    docs = [(f"d{i}", _doc(day=i)) for i in range(1, 6)]
    group = recompute_all(docs, NOW)["customer_山田太郎"]
    assert group["count"] == 5
    assert [e["id"] for e in group["latestDocs"]] == ["d5", "d4", "d3"]
    assert group["latestAt"] == datetime(2024, 5, 5, 9, tzinfo=UTC)


def test_same_time_breaks_ties_by_document_id_descending() -> None:
    docs = [("a", _doc(day=1)), ("c", _doc(day=1)), ("b", _doc(day=1))]
    group = recompute_all(docs, NOW)["customer_山田太郎"]
    assert [e["id"] for e in group["latestDocs"]] == ["c", "b", "a"]


def test_display_name_is_spelling_of_newest_document() -> None:
    docs = [("d1", _doc("髙橋 一郎", day=1)), ("d2", _doc("高橋 一郎", day=2))]
    group = recompute_all(docs, NOW)["customer_高橋一郎"]
    assert group["displayName"] == "高橋 一郎"
    assert group["latestDisplayNames"] == ["高橋 一郎", "髙橋 一郎"]
    assert set(group["latestDocs"][0]) <= {"id", "fileName", "documentType", "customerName",
                                           "officeName", "fileDate", "processedAt"}


def test_group_id_escapes_slash_and_bounds_length() -> None:
    assert group_doc_id("office", "あおば/第2") == "office_あおば／第2"
    long_id = group_doc_id("office", "あ" * 600)
    assert "/" not in long_id and len(long_id.encode()) < 100
    assert group_doc_id("office", "あ" * 600) == long_id
