"""Group contributions and how a group absorbs one document's change (pure logic)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.derived.contributions import (
    GroupState,
    apply_delta,
    contribution_of,
    group_deltas,
    recompute_groups,
    same_contribution,
    with_refill,
)
from shared.derived.group_ids import group_doc_id
from shared.derived.group_keys import UNASSIGNED


def _doc(customer: str = "山田 太郎", day: int = 1, **extra: object) -> dict[str, object]:
    return {"customerName": customer, "officeName": "ケアサポートみどり",
            "documentType": "サービス提供票", "status": "processed",
            "processedAt": datetime(2024, 5, day, 9, tzinfo=UTC),
            "fileName": f"サービス提供票_{day}.pdf", **extra}


def test_document_without_care_manager_counts_in_unassigned_group() -> None:
    c = contribution_of("d1", _doc())
    assert c is not None
    assert c.keys["careManager"] == UNASSIGNED
    assert c.displays["careManager"] == "未割当"


def test_split_parent_error_and_unprocessed_documents_count_nowhere() -> None:
    for status in ("split", "error", "pending", "processing"):
        c = contribution_of("d1", _doc(status=status))
        assert c is not None and all(v is None for v in c.keys.values())


def test_kanji_variant_and_spacing_fall_into_one_customer_group() -> None:
    a = contribution_of("d1", _doc("髙橋 一郎"))
    b = contribution_of("d2", _doc("高橋一郎"))
    assert a is not None and b is not None
    assert a.keys["customer"] == b.keys["customer"]


def test_moving_customer_leaves_old_group_and_enters_new_one() -> None:
    old = contribution_of("d1", _doc("山田 太郎"))
    new = contribution_of("d1", _doc("佐藤 花子"))
    deltas = group_deltas("d1", old, new)
    customer = [(d.was_member, d.entry is not None) for d in deltas
                if d.group_type == "customer"]
    assert customer == [(True, False), (False, True)]
    # The other groups keep the document; only its preview (customerName) changes.
    others = {d.group_type: (d.was_member, d.entry is not None) for d in deltas
              if d.group_type != "customer"}
    assert others == {"office": (True, True), "documentType": (True, True),
                      "careManager": (True, True)}


def test_change_that_moves_nothing_has_no_deltas() -> None:
    old = contribution_of("d1", _doc(summary="a"))
    new = contribution_of("d1", _doc(summary="b"))
    assert same_contribution(old, new)
    assert group_deltas("d1", old, new) == []


def test_removing_newest_of_a_big_group_asks_for_refill() -> None:
    members = [contribution_of(f"d{i}", _doc(day=i)) for i in range(1, 6)]
    groups = recompute_groups([m for m in members if m is not None])
    key = members[0].keys["customer"] if members[0] else None
    assert key is not None
    state = groups[("customer", key)]
    assert [e["id"] for e in state.latest_docs] == ["d5", "d4", "d3"]
    newest = members[-1]
    delta = group_deltas("d5", newest, None)[0]
    after, needs_refill = apply_delta(state, "d5", delta)
    assert after.count == 4 and needs_refill
    rest = recompute_groups([m for m in members[:-1] if m is not None])[("customer", key)]
    refilled = with_refill(after, "d5", delta, rest.latest_docs)
    assert [e["id"] for e in refilled.latest_docs] == ["d4", "d3", "d2"]


def test_removing_old_member_needs_no_refill() -> None:
    members = [c for c in (contribution_of(f"d{i}", _doc(day=i)) for i in range(1, 5)) if c]
    key = members[0].keys["customer"]
    assert key is not None
    state = recompute_groups(members)[("customer", key)]
    after, needs_refill = apply_delta(state, "d1", group_deltas("d1", members[0], None)[0])
    assert not needs_refill
    assert after.count == 3 and [e["id"] for e in after.latest_docs] == ["d4", "d3", "d2"]


def test_display_name_is_spelling_of_newest_document() -> None:
    members = [c for c in (contribution_of("d1", _doc("髙橋 一郎", day=1)),
                           contribution_of("d2", _doc("高橋 一郎", day=2))) if c]
    key = members[0].keys["customer"]
    assert key is not None
    state = recompute_groups(members)[("customer", key)]
    doc = state.to_doc(group_doc_id("customer", key), datetime.now(UTC))
    assert doc["displayName"] == "高橋 一郎"
    assert doc["latestAt"] == datetime(2024, 5, 2, 9, tzinfo=UTC)
    assert all("_display" not in e for e in doc["latestDocs"])
    restored = GroupState.from_doc("customer", key, doc)
    assert restored.latest_docs == state.latest_docs


def test_group_id_escapes_slash_and_bounds_length() -> None:
    assert group_doc_id("office", "あおば/第2") == "office_あおば／第2"
    long_id = group_doc_id("office", "あ" * 600)
    assert "/" not in long_id and len(long_id.encode()) < 100
    assert group_doc_id("office", "あ" * 600) == long_id
    assert group_doc_id("office", "あ" * 599) != long_id
