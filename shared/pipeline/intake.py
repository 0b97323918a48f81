"""Intake: a finalized Storage object becomes exactly one ``documents/{id}``.

The document id is derived from the object's natural key (``bucket/name#generation``),
and the document is written with ``create()``, which fails if it exists: so however many
times the event is delivered, and even when two deliveries race, one object generation
gives one document. (The Storage emulator ignores ``if_generation_match``; nothing here
relies on Storage preconditions.)
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from google.api_core.exceptions import AlreadyExists
from google.cloud import firestore

from shared.config import Settings
from shared.events.storage import StorageObject


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


def new_document_fields(obj: StorageObject, settings: Settings) -> dict[str, Any]:
    """The fields of a freshly received document (status ``pending``)."""
    now = datetime.now(UTC)
    return {
        "id": document_id_for(obj),
        "fileName": posixpath.basename(obj.name),
        "fileId": obj.name,
        "mimeType": obj.content_type or "application/octet-stream",
        "fileUrl": public_url(obj.bucket, obj.name),
        "sourceType": source_type_for(obj.name, settings),
        "status": "pending",
        "storagePath": f"{obj.bucket}/{obj.name}",
        "generation": obj.generation,
        "md5Hash": obj.md5_hash,
        "fileSize": obj.size_bytes,
        "createdAt": now,
        "updatedAt": now,
    }


def register_object(db: firestore.Client, obj: StorageObject, settings: Settings) -> IntakeOutcome:
    """Create the pending document for ``obj`` unless it exists already."""
    doc_id = document_id_for(obj)
    ref = db.collection("documents").document(doc_id)
    try:
        ref.create(new_document_fields(obj, settings))
    except AlreadyExists:
        return IntakeOutcome(doc_id, created=False)
    return IntakeOutcome(doc_id, created=True)
