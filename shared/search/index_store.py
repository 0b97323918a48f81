"""Bring one document's postings in the sharded index up to date, in one transaction.

``_searchPostings/{docId}`` holds what the document last put into the index and the
source version it came from. The transaction reads the document itself, so whatever
event triggers it, it applies the current state. A newer version writes only the
difference: postings added (``df`` +1), removed (``df`` −1) or changed, each a merge into
the document's shard of that token, plus the shard's document count. No shard is read,
so the transaction touches two documents and a few hundred small merges at most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

from shared.keyed_lock import KeyedLocks
from shared.search.entries import IndexEntry
from shared.search.layout import record_ref, shard_of, shard_ref, stats_ref, token_id
from shared.search.tokenize import SEARCH_VERSION
from shared.source_versions import SourceVersion

TRANSACTION_ATTEMPTS = 12
_SHARD_TURNS = KeyedLocks()


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


@dataclass(frozen=True)
class IndexSync:
    """What one sync did, and the document state it acted on (for the write-back)."""

    result: IndexApplyResult
    doc: dict[str, Any] | None
    update_time: datetime | None
    entry: IndexEntry | None


def sync_index(db: firestore.Client, doc_id: str,
               entry_of: Callable[[dict[str, Any] | None], IndexEntry | None], *,
               force: bool = False) -> IndexSync:
    """Bring ``doc_id``'s postings to what the document says *now* (level-triggered).

    The document is read inside the transaction, so the version applied is the one that
    exists at commit: an event for an older version, or a delete that a re-create has
    since overtaken, applies the current state instead of its own. A missing document is
    ordered just after the version last applied (``(nanos, deleted)``). ``force``
    re-applies even an equal version (reindexing after drift).
    """
    doc_ref = db.collection("documents").document(doc_id)
    ref = record_ref(db, doc_id)
    shard = shard_of(doc_id)
    seen: dict[str, Any] = {}
    if not force:
        current = _already_current(db, doc_ref, ref, entry_of)
        if current is not None:
            return current

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> IndexApplyResult:
        doc_snap = doc_ref.get(transaction=tx)
        snap = ref.get(transaction=tx)
        record = snap.to_dict() if snap.exists else None
        stored = SourceVersion.from_record(record)
        doc = (doc_snap.to_dict() or {}) if doc_snap.exists else None
        seen.update(doc=doc, update_time=doc_snap.update_time if doc_snap.exists else None)
        if doc is not None:
            version = SourceVersion.of(doc_snap.update_time, False)
        elif stored is not None:
            version = SourceVersion(stored.nanos, True)
        else:
            seen["entry"] = None
            return IndexApplyResult(False, "never indexed")
        entry = entry_of(doc)
        seen["entry"] = entry
        if not (version.supersedes(stored) or (force and stored is not None
                                                 and version >= stored)):
            return IndexApplyResult(False, "current")
        if not force and _same_as_record(record, entry):
            return IndexApplyResult(False, "unchanged")  # e.g. only derived fields moved
        return _write_postings(tx, db, doc_id, shard, ref, record, version, entry)

    # Documents of one shard write the same token documents: within an instance their
    # transactions take turns rather than contend (the emulator deadlocks such
    # transactions until its lock timeout; production would retry them).
    with _SHARD_TURNS.hold(str(shard)):
        result: IndexApplyResult = attempt(db.transaction(max_attempts=TRANSACTION_ATTEMPTS))
    return IndexSync(result, seen.get("doc"), seen.get("update_time"), seen.get("entry"))


def _already_current(db: firestore.Client, doc_ref: firestore.DocumentReference,
                     ref: firestore.DocumentReference,
                     entry_of: Callable[[dict[str, Any] | None], IndexEntry | None],
                     ) -> IndexSync | None:
    """One batched read, no transaction: the common case of a duplicate or an echo (the
    index already holds this version's entry) costs a single round trip."""
    snaps = {snap.reference.path: snap for snap in db.get_all([doc_ref, ref])}
    doc_snap, record_snap = snaps.get(doc_ref.path), snaps.get(ref.path)
    record = record_snap.to_dict() if record_snap is not None and record_snap.exists else None
    if doc_snap is None or not doc_snap.exists:
        if record is None or record.get("deleted"):
            return IndexSync(IndexApplyResult(False, "current"), None, None, None)
        return None
    doc = doc_snap.to_dict() or {}
    stored = SourceVersion.from_record(record)
    entry = entry_of(doc)
    same_version = (stored is not None and not stored.deleted
                    and stored >= SourceVersion.of(doc_snap.update_time, False)
                    and (record or {}).get("searchVersion") == SEARCH_VERSION)
    if same_version or _same_as_record(record, entry):
        return IndexSync(IndexApplyResult(False, "current"), doc, doc_snap.update_time, entry)
    return None


def _same_as_record(record: dict[str, Any] | None, entry: IndexEntry | None) -> bool:
    if not record or record.get("deleted"):
        return entry is None and not record
    return (bool(record.get("indexed")) == (entry is not None)
            and record.get("tokenHash") == (entry.token_hash if entry else None)
            and record.get("searchVersion") == SEARCH_VERSION)


def _write_postings(tx: firestore.Transaction, db: firestore.Client, doc_id: str, shard: int,
                    ref: firestore.DocumentReference, record: dict[str, Any] | None,
                    version: SourceVersion, entry: IndexEntry | None) -> IndexApplyResult:
    """The difference between the stored postings and ``entry``, as blind merges."""
    new_postings = _record_postings(entry)
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
        "date": entry.date if entry else None,
        "tokenHash": entry.token_hash if entry else None,
        "searchVersion": SEARCH_VERSION,
        "updatedAt": now,
    })
    return IndexApplyResult(True, "applied", added, removed, changed)


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
