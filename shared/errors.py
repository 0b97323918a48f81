"""The ``errors`` collection: every failure a person should see, with its context."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from google.cloud import firestore

ERROR_TYPES = (
    "OCR完全失敗", "OCR部分失敗", "情報抽出エラー", "ファイル処理エラー", "システムエラー",
)


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
    """Write an ``errors`` entry (status 未対応) and return its id.

    With ``dedupe_key`` the id is derived from it, so a retried failure updates one entry
    instead of piling up copies.
    """
    if error_type not in ERROR_TYPES:
        raise ValueError(f"unknown error type {error_type!r}")
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "errorType": error_type,
        "fileName": file_name,
        "fileId": file_id,
        "fileUrl": file_url,
        "documentId": document_id,
        "errorDetails": details,
        "status": "未対応",
        "occurredAt": now,
        **(extra or {}),
    }
    collection = db.collection("errors")
    if dedupe_key:
        doc_id = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:24]
        collection.document(doc_id).set(payload, merge=True)
        return doc_id
    ref = collection.document()
    ref.set(payload)
    return str(ref.id)
