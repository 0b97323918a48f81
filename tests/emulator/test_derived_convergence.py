"""Property: however events arrive, groups and the search index end equal to a
recomputation from the live documents.

Random creates, updates (including moves between groups, into and out of split/error)
and deletes are applied to the emulator; every resulting change becomes the CloudEvent
Eventarc would send; the events are then delivered duplicated and shuffled, through the
real function entry point.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.derived.check_groups import check_groups
from shared.derived.consistency import check_consistency
from shared.localcloud import cloudevents_http
from shared.localcloud.cloudevents_http import HttpEvent
from shared.localcloud.emulators import Emulators
from shared.search.entries import entry_for
from shared.search.furigana import FuriganaLookup
from shared.search.index_store import metadata_current
from shared.search.layout import STATS_COLLECTION, shard_of, token_id
from shared.search.reindex import actual_shards
from tests.functions_client import function_client, post_event, settle_groups

CUSTOMERS = ["山田 太郎", "山田太郎", "髙橋 一郎", "高橋　一郎", "佐藤 花子"]
OFFICES = ["ケアサポートみどり", "ｹｱｻﾎﾟｰﾄ みどり", "訪問看護ステーションさくら"]
TYPES = ["サービス提供票", "訪問看護報告書", "居宅サービス計画書"]
CARE_MANAGERS = [None, "鈴木 美香", "田中 健"]
STATUSES = ["processed", "processed", "processed", "split", "error", "pending", "processing"]
TIMES = [datetime(2024, 5, d, 9, 0, tzinfo=UTC) for d in (1, 1, 2, 3, 4, 5)]
DOC_IDS = [f"doc{i}" for i in range(8)]

FIELD_VALUES = {
    "customerName": st.sampled_from(CUSTOMERS),
    "officeName": st.sampled_from(OFFICES),
    "documentType": st.sampled_from(TYPES),
    "careManager": st.sampled_from(CARE_MANAGERS),
    "status": st.sampled_from(STATUSES),
    "processedAt": st.sampled_from(TIMES),
    "fileDate": st.sampled_from(TIMES),
}
operation: st.SearchStrategy[tuple[str, str, dict[str, Any]]] = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(DOC_IDS), st.fixed_dictionaries(FIELD_VALUES)),
    st.tuples(st.just("update"), st.sampled_from(DOC_IDS),
              st.fixed_dictionaries({}, optional=FIELD_VALUES)),
    st.tuples(st.just("delete"), st.sampled_from(DOC_IDS), st.just({})),
)


def _apply(db: firestore.Client, op: tuple[str, str, dict[str, Any]]) -> HttpEvent | None:
    """Apply one operation; the CloudEvent it causes (None if nothing changed)."""
    kind, doc_id, data = op
    ref = db.collection("documents").document(doc_id)
    before = ref.get()
    if kind == "delete":
        if not before.exists:
            return None
        ref.delete()
    elif kind == "update" and before.exists:
        if data:
            ref.update(data)
    else:
        ref.set({"fileName": f"{doc_id}.pdf", **(data if kind == "set" else {})})
    after = ref.get()
    b = before.to_dict() if before.exists else None
    a = after.to_dict() if after.exists else None
    if b == a:
        return None
    return cloudevents_http.firestore_written(
        db.project, f"documents/{doc_id}", b, a,
        before_times=(before.create_time, before.update_time) if before.exists else (None, None),
        after_times=(after.create_time, after.update_time) if after.exists else (None, None),
    )


def _expected_index(db: firestore.Client) -> tuple[dict[tuple[str, int], dict[str, Any]],
                                                    dict[int, int]]:
    furigana = FuriganaLookup(db)
    shards: dict[tuple[str, int], dict[str, Any]] = {}
    counts: dict[int, int] = {}
    for snap in db.collection("documents").stream():
        entry = entry_for(snap.id, snap.to_dict(), furigana)
        if entry is None:
            continue
        shard = shard_of(snap.id)
        counts[shard] = counts.get(shard, 0) + 1
        for token, posting in entry.postings.items():
            shards.setdefault((token_id(token), shard), {})[snap.id] = (
                posting.score, posting.fields_mask)
    return shards, counts


def assert_converged(db: firestore.Client) -> None:
    report = check_groups(db)
    assert report.drift == [], report.summary()
    consistency = check_consistency(db)
    assert consistency.ok, consistency.summary()

    want, want_counts = _expected_index(db)
    have = actual_shards(db)
    have_postings = {
        key: {d: (p["score"], p["fieldsMask"]) for d, p in (v.get("postings") or {}).items()}
        for key, v in have.items()
    }
    nonempty = {k: v for k, v in have_postings.items() if v}
    assert nonempty == want
    for key, shard in have.items():
        assert shard.get("df", 0) == len(have_postings[key]), key
    stats = {int(s.id): (s.to_dict() or {}).get("docs", 0)
             for s in db.collection(STATS_COLLECTION).stream()}
    assert {k: v for k, v in stats.items() if v} == want_counts

    furigana = FuriganaLookup(db)
    for snap in db.collection("documents").stream():
        doc = snap.to_dict() or {}
        assert metadata_current(doc, entry_for(snap.id, doc, furigana)), snap.id


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=24), seed=st.integers(0, 2**32 - 1),
       duplicates=st.integers(0, 6))
def test_groups_and_index_converge_under_duplicates_and_reordering(
    emulators: Emulators, ops: list[tuple[str, str, dict[str, Any]]], seed: int,
    duplicates: int,
) -> None:
    emulators.wipe()
    db = firestore.Client(project=emulators.project)
    events = [e for e in (_apply(db, op) for op in ops) if e is not None]
    rng = random.Random(seed)
    delivered = events + [rng.choice(events) for _ in range(duplicates) if events]
    rng.shuffle(delivered)
    client = function_client("derived", "on_document_written")
    for event in delivered:
        assert post_event(client, event).status_code == 200
    settle_groups(db)
    assert_converged(db)
