"""Derived-data benchmark: Firestore operations per document write, index update time,
query latency on 10,000 and 100,000 indexed documents, and the largest index document.

    .venv/bin/python -m benchmarks.derived_bench [--writes 40] [--sizes 10000,100000]

Starts its own emulators. Operation counts come from wrapping the Firestore client's RPCs
(documents returned by reads and queries, writes in commits), the way they are billed.
The large indexes are built by writing the shard documents directly (computed with the
same tokeniser and layout): building 100,000 documents through the trigger would take
hours on this machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.services.firestore import client as gapic

from shared.derived.group_marks import mark_dirty
from shared.derived.group_recompute import recompute_group
from shared.derived.settings import get_derived_settings
from shared.grouping.aggregate import membership
from shared.localcloud import cloudevents_http
from shared.localcloud.cloud import LocalCloud
from shared.search.entries import index_entry
from shared.search.index_store import sync_index
from shared.search.layout import SHARDS, shard_of, shard_ref, stats_ref, token_id
from shared.search.query import STATS, SearchRequest, search

SURNAMES = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤",
            "吉田", "山本", "斎藤", "松本", "井上", "木村", "林", "清水", "山崎", "森"]
GIVEN = ["太郎", "花子", "一郎", "美香", "健", "和子", "正夫", "幸子", "茂", "節子",
         "博", "洋子", "勇", "京子", "実"]
OFFICES = [f"{p}{s}" for p in ("ケアサポート", "訪問看護ステーション", "デイサービス",
                                "ヘルパーステーション", "福祉用具")
           for s in ("みどり", "さくら", "あおば", "ひまわり", "すみれ", "かえで", "つばき",
                     "ふじ")]
TYPES = ["サービス提供票", "訪問看護報告書", "居宅サービス計画書", "サービス担当者会議録",
         "モニタリング報告書", "福祉用具貸与計画書", "通所介護計画書", "主治医意見書",
         "訪問介護計画書", "利用票別表"]
CARE_MANAGERS = [None, "鈴木 美香", "田中 健", "佐々木 徹", "高田 由美", "小川 誠"]


@dataclass
class Counter:
    reads: int = 0
    writes: int = 0

    def snapshot(self) -> tuple[int, int]:
        return self.reads, self.writes


OPS = Counter()


def _req_writes(request: Any) -> int:
    writes = request.get("writes") if isinstance(request, dict) else request.writes
    return len(writes or [])


def install_counters() -> None:
    """Count billed operations on every Firestore client in this process."""
    commit, batch_get, run_query = (gapic.FirestoreClient.commit,
                                    gapic.FirestoreClient.batch_get_documents,
                                    gapic.FirestoreClient.run_query)

    def counted_commit(self: Any, request: Any = None, **kw: Any) -> Any:
        OPS.writes += _req_writes(request)
        return commit(self, request=request, **kw)

    def counted_batch_get(self: Any, request: Any = None, **kw: Any) -> Iterator[Any]:
        for response in batch_get(self, request=request, **kw):
            pb = type(response).pb(response)
            if pb.WhichOneof("result") is not None:
                OPS.reads += 1
            yield response

    def counted_query(self: Any, request: Any = None, **kw: Any) -> Iterator[Any]:
        found = 0
        for response in run_query(self, request=request, **kw):
            if type(response).pb(response).HasField("document"):
                found += 1
            yield response
        OPS.reads += max(found, 1)  # an empty query is billed one read

    gapic.FirestoreClient.commit = counted_commit  # type: ignore[method-assign]
    gapic.FirestoreClient.batch_get_documents = counted_batch_get  # type: ignore[method-assign]
    gapic.FirestoreClient.run_query = counted_query  # type: ignore[method-assign]


def random_document(rng: random.Random, day0: datetime) -> dict[str, Any]:
    customer = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
    doc_type = rng.choice(TYPES)
    at = day0 + timedelta(days=rng.randrange(730), minutes=rng.randrange(1440))
    return {"customerName": customer, "officeName": rng.choice(OFFICES),
            "documentType": doc_type, "careManager": rng.choice(CARE_MANAGERS),
            "status": "processed", "processedAt": at, "fileDate": at,
            "fileName": f"{doc_type}_{customer.replace(' ', '')}_{at:%Y%m%d}.pdf"}


def measure(fn: Callable[[], Any]) -> tuple[int, int, float]:
    r0, w0 = OPS.snapshot()
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    return OPS.reads - r0, OPS.writes - w0, elapsed


def per_write_costs(db: firestore.Client, writes: int, rng: random.Random) -> None:
    from tests.functions_client import function_client, post_event

    client = function_client("derived", "on_document_written")
    day0 = datetime(2023, 1, 1, tzinfo=UTC)
    handler: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    parts: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for i in range(writes):
        doc_id = f"bench{i:05d}"
        ref = db.collection("documents").document(doc_id)
        for kind in ("create", "update (move customer)", "echo of write-back"):
            before = ref.get()
            if kind == "create":
                ref.set(random_document(rng, day0))
            elif kind.startswith("update"):
                ref.update({"customerName": f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"})
            after = ref.get()
            event = cloudevents_http.firestore_written(
                db.project, f"documents/{doc_id}",
                before.to_dict() if before.exists else None, after.to_dict(),
                before_times=(before.create_time, before.update_time),
                after_times=(after.create_time, after.update_time))
            handler[kind].append(measure(partial(post_event, client, event)))
        # The steps alone, on a fresh document (as a create).
        doc = random_document(rng, day0)
        name = f"part{i}"
        db.collection("documents").document(name).set(doc)
        settings = get_derived_settings()
        groups = membership(doc)
        parts["index transaction (create)"].append(measure(partial(
            sync_index, db, name, partial(index_entry, name))))
        parts[f"dirty marks ({len(groups)} groups)"].append(measure(partial(
            mark_dirty, db, groups, datetime.now(UTC), settings)))
        parts["recompute of one group"].append(measure(partial(
            recompute_group, db, min(groups), settings)))
    print(f"\n== Firestore operations per document write ({writes} documents) ==")
    print(f"{'event':40} {'reads':>7} {'writes':>7} {'ms (median)':>12}")
    for title, rows in [*handler.items(), *parts.items()]:
        reads = statistics.mean(r for r, _, _ in rows)
        wr = statistics.mean(w for _, w, _ in rows)
        ms = statistics.median(t for _, _, t in rows) * 1000
        print(f"{title:40} {reads:7.1f} {wr:7.1f} {ms:12.1f}")


def build_index_directly(db: firestore.Client, n_docs: int, rng: random.Random) -> int:
    """Write the shards of ``n_docs`` generated documents; returns the largest doc size."""
    day0 = datetime(2023, 1, 1, tzinfo=UTC)
    shards: dict[tuple[str, int], dict[str, Any]] = {}
    counts = [0] * SHARDS
    stamp = datetime.now(UTC)
    for i in range(n_docs):
        doc_id = f"d{i:06d}"
        entry = index_entry(doc_id, random_document(rng, day0))
        if entry is None:
            continue
        shard = shard_of(doc_id)
        counts[shard] += 1
        for token, posting in entry.postings.items():
            key = (token_id(token), shard)
            slot = shards.setdefault(key, {"token": token, "postings": {}})
            slot["postings"][doc_id] = {"score": posting.score,
                                        "fieldsMask": posting.fields_mask, "updatedAt": stamp}
    items = list(shards.items())
    largest = max(_doc_size(k[0], v) for k, v in items)

    def write(chunk: list[tuple[tuple[str, int], dict[str, Any]]]) -> None:
        batch = db.batch()
        for (tid, shard), slot in chunk:
            batch.set(shard_ref(db, tid, shard), {
                "token": slot["token"], "df": len(slot["postings"]), "updatedAt": stamp,
                "postings": slot["postings"]})
        batch.commit()

    chunks: list[list[tuple[tuple[str, int], dict[str, Any]]]] = []
    current: list[tuple[tuple[str, int], dict[str, Any]]] = []
    size = 0
    for item in items:
        current.append(item)
        size += len(item[1]["postings"])
        if len(current) >= 400 or size >= 20_000:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, chunks))
    batch = db.batch()
    for shard, count in enumerate(counts):
        batch.set(stats_ref(db, shard), {"docs": count, "updatedAt": stamp})
    batch.commit()
    print(f"built {n_docs:,} documents: {len(items):,} shard documents")
    return largest


def _doc_size(tid: str, slot: dict[str, Any]) -> int:
    """Firestore's stored size of a shard document (strings +1, numbers 8, maps 32...)."""
    name = len(f"search_index/{tid}/shards/00".encode()) + 16
    fields = (len("token") + 1 + len(slot["token"].encode()) + 1 + len("df") + 1 + 8
              + len("updatedAt") + 1 + 8 + len("postings") + 1)
    per = sum(len(d.encode()) + 1 + (6 + 8) + (11 + 8) + (10 + 8) for d in slot["postings"])
    return name + fields + per + 32


def query_latency(db: firestore.Client, n_docs: int) -> None:
    STATS.clear()
    queries = [
        SearchRequest(q="山田太郎"),
        SearchRequest(q="山田 サービス提供票"),
        SearchRequest(q="ケアサポートみどり 2024年5月"),
        SearchRequest(q="サービス提供票"),
        SearchRequest.model_validate({"q": "訪問看護", "dateFrom": "2024-03-15",
                                      "dateTo": "2024-04-20"}),
        SearchRequest.model_validate({"q": "佐藤花子", "groupType": "careManager",
                                      "groupKey": "田中健"}),
    ]
    print(f"\n== query latency, {n_docs:,} indexed documents ==")
    print(f"{'query':50} {'hits':>7} {'shard reads':>12} {'ms (median of 3)':>17}")
    for request in queries:
        times = []
        page = None
        for _ in range(3):
            t0 = time.perf_counter()
            page = search(db, request)
            times.append(time.perf_counter() - t0)
        assert page is not None
        label = request.q + (f" [{request.date_from}..{request.date_to}]"
                             if request.date_from else "") + (
            f" [{request.group_type}={request.group_key}]" if request.group_type else "")
        print(f"{label:50} {page.total:7,} {page.reads:12,} "
              f"{statistics.median(times) * 1000:17.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    install_counters()
    cloud = LocalCloud()
    emulators = cloud.start_emulators()
    try:
        os.environ.update(emulators.env())
        from shared.clients import get_db
        from shared.config import get_settings

        get_settings.cache_clear()
        get_db.cache_clear()
        db = firestore.Client(project=emulators.project)
        rng = random.Random(20240501)
        per_write_costs(db, args.writes, rng)
        for size in (int(s) for s in args.sizes.split(",") if s):
            emulators.wipe()
            t0 = time.perf_counter()
            largest = build_index_directly(db, size, rng)
            print(f"build time {time.perf_counter() - t0:.0f} s; largest index document "
                  f"≈ {largest / 1024:.0f} KiB (limit 1,024 KiB)")
            query_latency(db, size)
    finally:
        cloud.stop()


if __name__ == "__main__":
    main()
