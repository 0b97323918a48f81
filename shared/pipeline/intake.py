"""Intake: a finalized Storage object becomes exactly one record, whatever it holds.

The document id is derived from the object's natural key (``bucket/name#generation``),
and the document is written with ``create()``, which fails if it exists: so however many
times the event is delivered, and even when two deliveries race, one object generation
gives one document. (The Storage emulator ignores ``if_generation_match``; nothing here
relies on Storage preconditions.)

What the object is, is decided by its first bytes (``shared.pipeline.filetype``):

- PDF or image → ``status: pending`` (``process_document`` takes it from there), or, when
  the same bytes are already held by another document and ``DUPLICATE_POLICY=link``,
  ``status: processed`` with ``duplicateOf`` and no OCR;
- audio → no document: an ``uploadLogs``/``gmailLogs`` entry with ``status: received``
  for the counseling side;
- empty, unknown or oversized → ``status: error`` and an ``errors`` entry
  (ファイル処理エラー) saying why, written in the same batch as the record.

Every outcome is logged in ``uploadLogs`` (uploads) or ``gmailLogs`` (mail originals),
one entry per object generation (same id as the document).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import google.cloud.storage as storage
from google.api_core import exceptions as gexc
from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore

from shared.clients import get_storage
from shared.config import Settings
from shared.errors import error_entry
from shared.events.storage import StorageObject
from shared.pipeline.duplicates import claim_content, md5_hex
from shared.pipeline.filetype import FileType, sniff
from shared.pipeline.names import display_file_name
from shared.pipeline.settings import PipelineSettings, get_pipeline_settings

HEAD_BYTES = 1024


def document_id_for(obj: StorageObject) -> str:
    """Stable id for one object generation (hex, safe as a Firestore document id)."""
    return hashlib.sha256(obj.natural_key.encode("utf-8")).hexdigest()[:24]


def source_type_for(name: str, settings: Settings) -> str:
    """``gmail`` for originals the mail path wrote, ``upload`` for everything else."""
    return "gmail" if name.startswith(settings.gmail_prefix) else "upload"


def public_url(bucket: str, name: str) -> str:
    """Authenticated browser URL of an object (the seed's ``fileUrl``)."""
    return f"https://storage.cloud.google.com/{bucket}/{quote(name)}"


@dataclass(frozen=True)
class IntakeOutcome:
    document_id: str
    created: bool
    kind: str = "pdf"
    status: str = "pending"
    duplicate_of: str | None = None


def new_document_fields(obj: StorageObject, settings: Settings) -> dict[str, Any]:
    """The fields of a freshly received document (status ``pending``)."""
    now = datetime.now(UTC)
    return {
        "id": document_id_for(obj),
        "fileName": display_file_name(obj.name),
        "fileId": obj.name,
        "mimeType": obj.content_type or "application/octet-stream",
        "declaredMimeType": obj.content_type,
        "fileUrl": public_url(obj.bucket, obj.name),
        "sourceType": source_type_for(obj.name, settings),
        "status": "pending",
        "storagePath": f"{obj.bucket}/{obj.name}",
        "generation": obj.generation,
        "md5Hash": obj.md5_hash,
        "hash": md5_hex(obj.md5_hash),
        "fileSize": obj.size_bytes,
        "fileSizeKB": round(obj.size_bytes / 1024, 1),
        "createdAt": now,
        "updatedAt": now,
    }


def read_head(client: storage.Client, obj: StorageObject) -> bytes:
    """The first bytes of exactly this generation (enough for the magic numbers)."""
    blob = client.bucket(obj.bucket).blob(obj.name, generation=int(obj.generation))
    data: bytes = blob.download_as_bytes(start=0, end=HEAD_BYTES - 1)
    return data[:HEAD_BYTES]


def _log_intake(db: firestore.Client, doc_id: str, fields: dict[str, Any],
                obj: StorageObject, now: datetime, **extra: Any) -> None:
    """One ``uploadLogs``/``gmailLogs`` entry per object generation (idempotent)."""
    collection = "gmailLogs" if fields["sourceType"] == "gmail" else "uploadLogs"
    metadata = obj.metadata or {}
    entry: dict[str, Any] = {
        "fileName": fields["fileName"],
        "fileId": fields["fileId"],
        "hash": fields["hash"],
        "fileSize": fields["fileSize"],
        "fileSizeKB": fields["fileSizeKB"],
        "mimeType": fields["mimeType"],
        "fileUrl": fields["fileUrl"],
        "processedAt": now,
        "sourceType": fields["sourceType"],
        **extra,
    }
    if collection == "gmailLogs":
        for key in ("emailSubject", "messageId"):
            if metadata.get(key):
                entry[key] = metadata[key]
    db.collection(collection).document(doc_id).set(entry, merge=True)


def register_object(
    db: firestore.Client,
    obj: StorageObject,
    settings: Settings,
    storage_client: storage.Client | None = None,
    pipeline: PipelineSettings | None = None,
) -> IntakeOutcome:
    """Create the record for ``obj`` unless it exists already (see the module doc)."""
    pipeline = pipeline or get_pipeline_settings()
    doc_id = document_id_for(obj)
    ref = db.collection("documents").document(doc_id)
    if obj.name.startswith(pipeline.pipeline_prefix):
        return IntakeOutcome(doc_id, created=False, kind="internal", status="ignored")
    existing = ref.get()
    if existing.exists:
        current = existing.to_dict() or {}
        return IntakeOutcome(doc_id, created=False, status=str(current.get("status")))

    fields = new_document_fields(obj, settings)
    now = fields["createdAt"]
    problem: str | None = None
    detected: FileType
    if obj.size_bytes == 0:
        detected = sniff(b"")
        problem = "ファイルが空です（0バイト）"
    elif obj.size_bytes > pipeline.max_file_bytes:
        detected = FileType("unknown", fields["mimeType"], "大きすぎるファイル")
        problem = (f"ファイルが大きすぎます（{obj.size_bytes:,}バイト、上限"
                   f"{pipeline.max_file_bytes:,}バイト）")
    else:
        try:
            head = read_head(storage_client or get_storage(), obj)
        except gexc.NotFound:
            # This generation is gone (overwritten or deleted before we looked): the newer
            # generation has its own event; there is nothing to record for this one.
            return IntakeOutcome(doc_id, created=False, kind="gone", status="ignored")
        detected = sniff(head)
        if detected.kind == "empty":
            problem = "ファイルが空です（0バイト）"
        elif detected.kind == "unknown":
            problem = (f"対応していないファイル形式です（申告: {obj.content_type or '不明'}、"
                       "内容: 不明な形式）。PDF・JPEG・PNG・TIFF・GIF・HEICに対応しています")
    fields["mimeType"] = detected.mime_type
    fields["detectedType"] = detected.label

    if detected.kind == "audio":
        _log_intake(db, doc_id, fields, obj, now, status="received", mediaKind="audio",
                    handledBy="counseling")
        return IntakeOutcome(doc_id, created=False, kind="audio", status="received")

    duplicate_of: str | None = None
    if problem is not None:
        fields.update(status="error", errorReason=problem, processedAt=now)
    elif fields["hash"]:
        holder = claim_content(db, fields["hash"], doc_id, fields["fileName"], now)
        if holder is not None and settings.duplicate_policy == "link":
            duplicate_of = holder
            fields.update(status="processed", duplicateOf=holder, processedAt=now)
        elif holder is not None:
            fields["sameContentAs"] = holder

    # The record and, for a refused file, its errors entry are one atomic write: a crash
    # between them would leave an error nobody is told about, and a redelivery finds the
    # record and stops. (``DocumentReference.create`` is such a batch of one.)
    batch = db.batch()
    batch.create(ref, fields)
    if problem is not None:
        error = error_entry(db, error_type="ファイル処理エラー", file_name=fields["fileName"],
                            file_id=obj.name, file_url=fields["fileUrl"], document_id=doc_id,
                            details=problem, dedupe_key=f"intake:{obj.natural_key}", now=now,
                            extra={"totalPages": 0, "successPages": 0, "failedPages": 0})
        batch.set(error.ref, error.payload, merge=True)
    try:
        batch.commit()
        created = True
    except AlreadyExists:
        created = False  # a racing delivery wrote the record (and its entry) first
    _log_intake(db, doc_id, fields, obj, now, documentId=doc_id, status=fields["status"],
                duplicateOf=duplicate_of)
    return IntakeOutcome(doc_id, created=created, kind=detected.kind, status=fields["status"],
                         duplicate_of=duplicate_of)
