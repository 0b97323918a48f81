"""The same bytes arriving twice (by mail and by upload, or re-sent) are recognised.

``_contentHashes/{md5 hex}`` names the first document that holds those bytes. Claiming
it is a transaction, so two copies finalized at the same moment still agree on which is
first. A first document that was deleted, or that ended in ``error``, does not hold the
bytes any more: a person re-sending a file that failed wants it processed.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from google.cloud import firestore

CONTENT_HASHES = "_contentHashes"
# How long a claim whose document does not exist yet is still honoured.
CLAIM_GRACE = timedelta(minutes=10)


def md5_hex(md5_base64: str | None) -> str | None:
    """Storage reports MD5 in base64; the seeds' ``hash`` is the usual hex form."""
    if not md5_base64:
        return None
    try:
        return base64.b64decode(md5_base64, validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def claim_content(db: firestore.Client, digest: str, doc_id: str, file_name: str,
                  now: datetime) -> str | None:
    """Record ``doc_id`` as holder of ``digest``; return the earlier holder if there is
    one still standing, else ``None`` (``doc_id`` is, or has become, the first)."""
    ref = db.collection(CONTENT_HASHES).document(digest)
    documents = db.collection("documents")

    @firestore.transactional
    def attempt(tx: firestore.Transaction) -> str | None:
        snap = ref.get(transaction=tx)
        if snap.exists:
            holder = str((snap.to_dict() or {}).get("documentId") or "")
            if holder == doc_id:
                return None
            if holder:
                first = documents.document(holder).get(transaction=tx)
                if first.exists and (first.to_dict() or {}).get("status") != "error":
                    return holder
                claimed_at = (snap.to_dict() or {}).get("claimedAt")
                if not first.exists and claimed_at and now - claimed_at < CLAIM_GRACE:
                    return holder  # the holder is between its claim and its create()
        tx.set(ref, {"documentId": doc_id, "fileName": file_name, "hash": digest,
                     "claimedAt": now})
        return None

    result: str | None = attempt(db.transaction())
    return result
