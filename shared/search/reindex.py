"""Reindex: bring the search index back to what the documents say.

``python -m shared.search.reindex`` re-applies every document whose index record is
missing, has another ``tokenHash`` (drift, a furigana change) or another ``searchVersion``
(tokeniser change); ``--all`` re-applies every document; ``--verify`` also compares every
shard with the records and rebuilds the shards that differ (postings and ``df``) and the
document counts. Each document goes through the same versioned transaction as an event,
so running it while events arrive is safe; ``--verify`` rebuilds are for quiet times.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.clients import get_db
from shared.search.entries import IndexEntry, entry_for
from shared.search.furigana import FuriganaLookup
from shared.search.index_store import metadata_current, search_metadata, sync_index
from shared.search.layout import (
    INDEX_COLLECTION,
    RECORDS_COLLECTION,
    SHARDS,
    SHARDS_COLLECTION,
    STATS_COLLECTION,
    shard_of,
    shard_ref,
    stats_ref,
)
from shared.search.tokenize import SEARCH_VERSION

ShardKey = tuple[str, int]  # (tokenId, shard)


@dataclass
class ReindexReport:
    documents: int = 0
    reindexed: int = 0
    removed: int = 0
    shards_rebuilt: int = 0
    drift: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"documents": self.documents, "reindexed": self.reindexed,
                "removed": self.removed, "shardsRebuilt": self.shards_rebuilt,
                "drift": len(self.drift), "examples": self.drift[:20]}


def reindex(db: firestore.Client, everything: bool = False,
            verify: bool = False) -> ReindexReport:
    report = ReindexReport()
    records = {s.id: s.to_dict() or {} for s in db.collection(RECORDS_COLLECTION).stream()}
    furigana = FuriganaLookup(db)
    live: set[str] = set()
    for snap in db.collection("documents").stream():
        live.add(snap.id)
        report.documents += 1
        doc = snap.to_dict() or {}
        entry = entry_for(snap.id, doc, furigana)
        record = records.get(snap.id)
        current = (record is not None and not record.get("deleted")
                   and record.get("searchVersion") == SEARCH_VERSION
                   and record.get("tokenHash") == (entry.token_hash if entry else None)
                   and bool(record.get("indexed")) == (entry is not None))
        if record is None:
            verify = True  # postings may exist without a record: only a rebuild knows df
        if everything or not current:
            synced = sync_index(db, snap.id, _entry_of(snap.id, furigana), force=True)
            if synced.result.applied:
                report.reindexed += 1
                report.drift.append(f"document {snap.id}: record out of date")
        if not metadata_current(doc, entry):
            update = {"search": search_metadata(entry, datetime.now(UTC))
                      if entry is not None else firestore.DELETE_FIELD}
            # Written meanwhile: that version's own event sets the metadata.
            with contextlib.suppress(gexc.FailedPrecondition, gexc.NotFound):
                snap.reference.update(
                    update, option=db.write_option(last_update_time=snap.update_time))
    for doc_id, record in records.items():
        if doc_id in live or record.get("deleted"):
            continue
        if sync_index(db, doc_id, _entry_of(doc_id, furigana)).result.applied:
            report.removed += 1
            report.drift.append(f"document {doc_id}: deleted but still indexed")
    if verify:
        _verify_shards(db, report)
    return report


def _entry_of(doc_id: str, furigana: FuriganaLookup) -> Callable[[dict[str, Any] | None],
                                                                   IndexEntry | None]:
    return lambda doc: entry_for(doc_id, doc, furigana)


def index_drift(db: firestore.Client) -> list[str]:
    """Read-only check: every way the index differs from what the documents say.

    A live, findable document must have a current record and ``search`` map; a deleted,
    split or otherwise unfindable one must have none; every shard must hold exactly the
    postings (and ``df``) of the records, and the per-shard document counts must match.
    """
    drift: list[str] = []
    records = {s.id: s.to_dict() or {} for s in db.collection(RECORDS_COLLECTION).stream()}
    furigana = FuriganaLookup(db)
    live: set[str] = set()
    for snap in db.collection("documents").stream():
        live.add(snap.id)
        doc = snap.to_dict() or {}
        entry = entry_for(snap.id, doc, furigana)
        record = records.get(snap.id) or {}
        indexed = bool(record.get("indexed")) and not record.get("deleted")
        if entry is None and indexed:
            drift.append(f"document {snap.id}: indexed but must not be findable")
        if entry is not None and (not indexed or record.get("tokenHash") != entry.token_hash
                                  or record.get("searchVersion") != SEARCH_VERSION):
            drift.append(f"document {snap.id}: index record missing or out of date")
        if not metadata_current(doc, entry):
            drift.append(f"document {snap.id}: search map out of date")
    for doc_id, record in records.items():
        if doc_id not in live and record.get("indexed") and not record.get("deleted"):
            drift.append(f"document {doc_id}: deleted but still indexed")
    drift.extend(f"shard {tid}/{shard}: postings or df differ"
                 for tid, shard in shard_drift(expected_shards(db), actual_shards(db)))
    counts = [0] * SHARDS
    for doc_id, record in records.items():
        if record.get("indexed") and not record.get("deleted"):
            counts[shard_of(doc_id)] += 1
    stored = {s.id: int((s.to_dict() or {}).get("docs") or 0)
              for s in db.collection(STATS_COLLECTION).stream()}
    drift.extend(f"stats shard {n}: {stored.get(str(n), 0)} ≠ {count}"
                 for n, count in enumerate(counts) if stored.get(str(n), 0) != count)
    return drift


def expected_shards(db: firestore.Client) -> dict[ShardKey, dict[str, Any]]:
    """Every shard as the index records say it must be (postings without timestamps)."""
    shards: dict[ShardKey, dict[str, Any]] = defaultdict(lambda: {"postings": {}})
    for snap in db.collection(RECORDS_COLLECTION).stream():
        record = snap.to_dict() or {}
        if record.get("deleted") or not record.get("indexed"):
            continue
        shard = shard_of(snap.id)
        for tid, posting in (record.get("postings") or {}).items():
            entry = shards[(tid, shard)]
            entry["token"] = posting.get("t")
            entry["postings"][snap.id] = {"score": posting.get("s"),
                                          "fieldsMask": posting.get("m"),
                                          "sourceVersion": record.get("sourceVersion")}
    return dict(shards)


def actual_shards(db: firestore.Client) -> dict[ShardKey, dict[str, Any]]:
    """Every shard document of the index, as stored."""
    out: dict[ShardKey, dict[str, Any]] = {}
    for snap in db.collection_group(SHARDS_COLLECTION).stream():
        parent = snap.reference.parent.parent
        if parent is None or parent.parent.id != INDEX_COLLECTION:
            continue
        out[(parent.id, int(snap.id))] = snap.to_dict() or {}
    return out


def shard_drift(expected: dict[ShardKey, dict[str, Any]],
                actual: dict[ShardKey, dict[str, Any]]) -> list[ShardKey]:
    """Shards whose postings (score, fieldsMask) or ``df`` differ from the records."""
    bad = []
    for key in set(expected) | set(actual):
        want = {d: (p["score"], p["fieldsMask"])
                for d, p in (expected.get(key) or {}).get("postings", {}).items()}
        stored = actual.get(key) or {}
        have = {d: (p.get("score"), p.get("fieldsMask"))
                for d, p in (stored.get("postings") or {}).items()}
        if want != have or int(stored.get("df") or 0) != len(want):
            bad.append(key)
    return sorted(bad)


def _verify_shards(db: firestore.Client, report: ReindexReport) -> None:
    expected = expected_shards(db)
    now = datetime.now(UTC)
    for tid, shard in shard_drift(expected, actual_shards(db)):
        want = expected.get((tid, shard))
        ref = shard_ref(db, tid, shard)
        if want is None:
            ref.delete()
        else:
            ref.set({
                "token": want.get("token"), "df": len(want["postings"]), "updatedAt": now,
                "postings": {d: {"score": p["score"], "fieldsMask": p["fieldsMask"],
                                 "updatedAt": datetime.fromtimestamp(
                                     int(p["sourceVersion"] or 0) / 1e9, UTC)}
                             for d, p in want["postings"].items()},
            })
        report.shards_rebuilt += 1
        report.drift.append(f"shard {tid}/{shard}: postings or df differ")
    counts = [0] * SHARDS
    for snap in db.collection(RECORDS_COLLECTION).stream():
        record = snap.to_dict() or {}
        if record.get("indexed") and not record.get("deleted"):
            counts[shard_of(snap.id)] += 1
    stored = {s.id: int((s.to_dict() or {}).get("docs") or 0)
              for s in db.collection(STATS_COLLECTION).stream()}
    for shard, count in enumerate(counts):
        if stored.get(str(shard), 0) != count:
            stats_ref(db, shard).set({"docs": count, "updatedAt": now})
            report.drift.append(f"stats shard {shard}: {stored.get(str(shard), 0)} ≠ {count}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reindex documents for search.")
    parser.add_argument("--all", action="store_true", help="re-apply every document")
    parser.add_argument("--verify", action="store_true",
                        help="also compare every shard with the records and rebuild drift")
    args = parser.parse_args(argv)
    report = reindex(get_db(), everything=args.all, verify=args.verify)
    print(json.dumps(report.summary(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
