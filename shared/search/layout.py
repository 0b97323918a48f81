"""Where the inverted index lives in Firestore, and why it is shaped so.

The seed's ``search_index/{tokenId}`` with every posting in one map is a hot spot and
grows without bound (1 MiB per document, about one sustained write per second per
document, 40,000 index entries). So each token's postings are spread over at most
``SHARDS`` documents by a hash of the document id:

    search_index/{tokenId}/shards/{n}   token, df, updatedAt,
                                        postings: {docId: {score, fieldsMask, updatedAt}}

``df`` is kept per shard and summed at query time. A token in 100,000 documents puts
about 1,600 postings (≈150 KB) in each of 64 shards, and one in 700,000 still fits; the
writes of ordinary ingest to one token are spread over 64 documents. ``postings`` is
exempt from automatic indexing (``firestore.indexes.json``). ``_searchStats/{n}`` counts
indexed documents per shard (the N of IDF), and ``_searchPostings/{docId}`` keeps what
each document last contributed, with its source version.
"""

from __future__ import annotations

import hashlib

from google.cloud import firestore

INDEX_COLLECTION = "search_index"
SHARDS_COLLECTION = "shards"
STATS_COLLECTION = "_searchStats"
RECORDS_COLLECTION = "_searchPostings"
SHARDS = 64
_MAX_ID_BYTES = 400


def token_id(token: str) -> str:
    """A valid document id for a token (readable when possible, else a hash)."""
    encoded = token.encode("utf-8")
    if (
        "/" in token
        or token in {".", ".."}
        or token.startswith("__")
        or token.startswith("~")
        or len(encoded) > _MAX_ID_BYTES
    ):
        return "~" + hashlib.sha256(encoded).hexdigest()[:32]
    return token


def shard_of(doc_id: str) -> int:
    """The shard that holds ``doc_id``'s postings, for every token."""
    return int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:8], 16) % SHARDS


def shard_ref(db: firestore.Client, tid: str, shard: int) -> firestore.DocumentReference:
    return (db.collection(INDEX_COLLECTION).document(tid)
            .collection(SHARDS_COLLECTION).document(str(shard)))


def shards_query(db: firestore.Client, tid: str) -> firestore.CollectionReference:
    return db.collection(INDEX_COLLECTION).document(tid).collection(SHARDS_COLLECTION)


def stats_ref(db: firestore.Client, shard: int) -> firestore.DocumentReference:
    return db.collection(STATS_COLLECTION).document(str(shard))


def record_ref(db: firestore.Client, doc_id: str) -> firestore.DocumentReference:
    return db.collection(RECORDS_COLLECTION).document(doc_id)
