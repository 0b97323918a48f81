"""The ``errors`` collection: every failure a person should see, with its context.

``error_entry`` only builds the entry (its reference and payload) so that a caller can
write it in the same transaction as the state it explains (``status: error``): a crash
between two separate writes would leave an error nobody is told about. ``record_error``
writes one on its own, for callers with nothing else to write.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, NamedTuple

from google.cloud import firestore

ERRORS = "errors"
ERROR_TYPES = (
    "OCR完全失敗", "OCR部分失敗", "情報抽出エラー", "ファイル処理エラー", "システムエラー",
)


class ErrorEntry(NamedTuple):
    """An ``errors`` entry not yet written: ``tx.set(ref, payload, merge=True)``."""

    ref: firestore.DocumentReference
    payload: dict[str, Any]


def error_id(dedupe_key: str) -> str:
    """The entry id for ``dedupe_key``: a retried failure lands on the same entry."""
    return hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:24]


def error_entry(
    db: firestore.Client,
    *,
    error_type: str,
    file_name: str,
    details: str,
    file_id: str | None = None,
    file_url: str | None = None,
    document_id: str | None = None,
    dedupe_key: str | None = None,
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ErrorEntry:
    """Build an ``errors`` entry (status 未対応) without writing it.

    With ``dedupe_key`` the id is derived from it, so writing it again (merge) updates one
    entry instead of piling up copies; without, the id is a fresh random one.
    """
    if error_type not in ERROR_TYPES:
        raise ValueError(f"unknown error type {error_type!r}")
    payload: dict[str, Any] = {
        "errorType": error_type,
        "fileName": file_name,
        "fileId": file_id,
        "fileUrl": file_url,
        "documentId": document_id,
        "errorDetails": details,
        "status": "未対応",
        "occurredAt": now or datetime.now(UTC),
        **(extra or {}),
    }
    collection = db.collection(ERRORS)
    ref = collection.document(error_id(dedupe_key)) if dedupe_key else collection.document()
    return ErrorEntry(ref, payload)


def record_error(
    db: firestore.Client,
    *,
    error_type: str,
    file_name: str,
    details: str,
    file_id: str | None = None,
    file_url: str | None = None,
    document_id: str | None = None,
    dedupe_key: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Write an ``errors`` entry on its own (see ``error_entry``) and return its id."""
    entry = error_entry(db, error_type=error_type, file_name=file_name, details=details,
                        file_id=file_id, file_url=file_url, document_id=document_id,
                        dedupe_key=dedupe_key, extra=extra)
    entry.ref.set(entry.payload, merge=True)
    return str(entry.ref.id)
