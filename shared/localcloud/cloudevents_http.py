"""Build the HTTP requests Eventarc sends: binary-mode CloudEvents.

Kept apart from the router so tests can post exactly the same requests to a function.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from shared.events.firestore import DocumentEventData, encode_document
from shared.events.storage import FINALIZED


@dataclass(frozen=True)
class HttpEvent:
    """Headers and body of one binary-mode CloudEvent request."""

    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> str:
        return self.headers["ce-id"]

    @property
    def event_type(self) -> str:
        return self.headers["ce-type"]

    @property
    def subject(self) -> str:
        return self.headers.get("ce-subject", "")


def _header_safe(value: str) -> str:
    """Percent-encode what HTTP headers cannot carry, as the CloudEvents HTTP binding says
    (object names and document paths are often Japanese)."""
    return quote(value, safe="".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%"))


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def storage_finalized(resource: dict[str, Any], event_id: str | None = None) -> HttpEvent:
    """``object.v1.finalized`` with the JSON object resource as data."""
    headers = {
        "ce-id": event_id or uuid.uuid4().hex,
        "ce-specversion": "1.0",
        "ce-source": f"//storage.googleapis.com/projects/_/buckets/{resource['bucket']}",
        "ce-type": FINALIZED,
        "ce-subject": _header_safe(f"objects/{resource['name']}"),
        "ce-time": _now(),
        "Content-Type": "application/json",
    }
    return HttpEvent(headers, json.dumps(resource, ensure_ascii=False).encode("utf-8"))


def firestore_written(
    project: str,
    document_path: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    before_times: tuple[datetime | None, datetime | None] = (None, None),
    after_times: tuple[datetime | None, datetime | None] = (None, None),
    update_mask: list[str] | None = None,
    event_type: str = "google.cloud.firestore.document.v1.written",
    event_id: str | None = None,
) -> HttpEvent:
    """``document.v1.written`` as ``application/protobuf`` ``DocumentEventData``.

    ``*_times`` are ``(create_time, update_time)`` of each side.
    """
    database = f"projects/{project}/databases/(default)"
    name = f"{database}/documents/{document_path}"
    payload = DocumentEventData()
    if after is not None:
        payload.value = encode_document(name, after, *after_times)
    if before is not None:
        payload.old_value = encode_document(name, before, *before_times)
    if update_mask:
        payload.update_mask = {"field_paths": update_mask}
    headers = {
        "ce-id": event_id or uuid.uuid4().hex,
        "ce-specversion": "1.0",
        "ce-source": f"//firestore.googleapis.com/{database}",
        "ce-type": event_type,
        "ce-subject": _header_safe(f"documents/{document_path}"),
        "ce-time": _now(),
        "ce-document": _header_safe(document_path),
        "ce-database": "(default)",
        "ce-namespace": "(default)",
        "ce-project": project,
        "ce-location": "asia-northeast1",
        "Content-Type": "application/protobuf",
    }
    return HttpEvent(headers, DocumentEventData.serialize(payload))


def pubsub_push_body(project: str, topic: str, data: bytes,
                     attributes: dict[str, str] | None = None,
                     message_id: str | None = None) -> dict[str, Any]:
    """The raw push body the Pub/Sub emulator (and Pub/Sub push) sends."""
    import base64

    return {
        "message": {
            "data": base64.b64encode(data).decode("ascii"),
            "attributes": attributes or {},
            "messageId": message_id or uuid.uuid4().hex,
            "publishTime": _now(),
        },
        "subscription": f"projects/{project}/subscriptions/{topic}-push",
    }
