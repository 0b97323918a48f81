"""Apply one document version to the sharded index in one transaction.

``_searchPostings/{docId}`` holds what the document last put into the index and the
source version it came from. A newer version writes only the difference: postings added
(``df`` +1), removed (``df`` −1) or changed, each a merge into the document's shard of
that token, plus the shard's document count. No shard is read, so the transaction
touches one record and at most a few hundred small merges, and retries stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.derived.versions import SourceVersion
from shared.search.entries import IndexEntry
from shared.search.layout import record_ref, shard_of, shard_ref, stats_ref, token_id
from shared.search.tokenize import SEARCH_VERSION

TRANSACTION_ATTEMPTS = 12


@dataclass(frozen=True)
class IndexApplyResult:
    applied: bool
    reason: str
    added: int = 0
    removed: int = 0
    changed: int = 0


def _record_postings(entry: IndexEntry | None) -> dict[str, dict[str, Any]]:
    if entry is None:
        return {}
    return {token_id(t): {"t": t, "s": p.score, "m": p.fields_mask}
            for t, p in entry.postings.items()}


def apply_index(db: firestore.Client, doc_id: str, version: SourceVersion,
                entry: IndexEntry | None, *, force: bool = False) -> IndexApplyResult:
    """Move the index to ``entry`` for ``doc_id`` (``None`` = not indexed) if newer.

    ``force`` re-applies even an equal version (reindexing after drift).
    """
    ref = record_ref(db, doc_id)
    shard = shard_of(doc_id)
    new_postings = _record_postings(entry)
    new_date = entry.date if entry else None

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> IndexApplyResult:
        snap = ref.get(transaction=tx)
        record = snap.to_dict() if snap.exists else None
        stored = SourceVersion.from_record(record)
        if not (version.supersedes(stored) or (force and stored is not None
                                                 and version >= stored)):
            return IndexApplyResult(False, "stale")
        old_postings: dict[str, dict[str, Any]] = (record or {}).get("postings") or {}
        now = datetime.now(UTC)
        stamp = datetime.fromtimestamp(version.nanos / 1e9, UTC)
        added = removed = changed = 0
        for tid in old_postings:
            if tid not in new_postings:
                tx.set(shard_ref(db, tid, shard), {
                    "df": firestore.Increment(-1), "updatedAt": now,
                    "postings": {doc_id: firestore.DELETE_FIELD},
                }, merge=True)
                removed += 1
        for tid, new in new_postings.items():
            old = old_postings.get(tid)
            posting = {"score": new["s"], "fieldsMask": new["m"], "updatedAt": stamp}
            if old is None:
                tx.set(shard_ref(db, tid, shard), {
                    "token": new["t"], "df": firestore.Increment(1), "updatedAt": now,
                    "postings": {doc_id: posting},
                }, merge=True)
                added += 1
            elif (old.get("s"), old.get("m")) != (new["s"], new["m"]):
                tx.set(shard_ref(db, tid, shard),
                       {"updatedAt": now, "postings": {doc_id: posting}}, merge=True)
                changed += 1
        was_indexed = bool(record) and not (record or {}).get("deleted") and bool(
            (record or {}).get("indexed"))
        is_indexed = entry is not None
        if was_indexed != is_indexed:
            tx.set(stats_ref(db, shard), {
                "docs": firestore.Increment(1 if is_indexed else -1), "updatedAt": now,
            }, merge=True)
        tx.set(ref, {
            **version.to_record(),
            "documentId": doc_id,
            "indexed": is_indexed,
            "postings": new_postings,
            "date": new_date,
            "tokenHash": entry.token_hash if entry else None,
            "searchVersion": SEARCH_VERSION,
            "updatedAt": now,
        })
        return IndexApplyResult(True, "applied", added, removed, changed)

    result: IndexApplyResult = attempt(db.transaction(max_attempts=TRANSACTION_ATTEMPTS))
    return result


def search_metadata(entry: IndexEntry, now: datetime) -> dict[str, Any]:
    """The seed's ``search`` map on the document."""
    return {"version": SEARCH_VERSION, "tokens": list(entry.text_tokens),
            "tokenHash": entry.token_hash, "indexedAt": now}


def metadata_current(doc: dict[str, Any], entry: IndexEntry | None) -> bool:
    """Whether the document's ``search`` map already describes ``entry``."""
    meta = doc.get("search")
    if entry is None:
        return not meta
    return (isinstance(meta, dict) and meta.get("tokenHash") == entry.token_hash
            and meta.get("version") == SEARCH_VERSION
            and list(meta.get("tokens") or []) == list(entry.text_tokens))
