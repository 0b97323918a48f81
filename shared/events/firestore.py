"""Firestore ``document.v1.*`` events: before/after as plain Python values.

Eventarc delivers these as ``application/protobuf`` bytes of ``DocumentEventData``
(``value = 1; old_value = 2; update_mask = 3``), and sometimes as the same message in
JSON. We declare that three-field message here over the Firestore client's own
``Document`` type rather than depend on the rarely updated ``google-events`` package, and
decode fields with the client's own value decoder, so timestamps, references and nested
maps come out exactly as ``DocumentSnapshot.to_dict()`` would give them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import proto
from cloudevents.http import CloudEvent
from google.cloud.firestore_v1 import _helpers
from google.cloud.firestore_v1.types import common, document

CREATED = "google.cloud.firestore.document.v1.created"
UPDATED = "google.cloud.firestore.document.v1.updated"
DELETED = "google.cloud.firestore.document.v1.deleted"
WRITTEN = "google.cloud.firestore.document.v1.written"


class DocumentEventData(proto.Message):
    """The payload of every Firestore CloudEvent."""

    value = proto.Field(proto.MESSAGE, number=1, message=document.Document)
    old_value = proto.Field(proto.MESSAGE, number=2, message=document.Document)
    update_mask = proto.Field(proto.MESSAGE, number=3, message=common.DocumentMask)


@dataclass(frozen=True)
class FirestoreChange:
    """One document change: what it was, what it is, and which fields moved."""

    event_id: str
    event_type: str
    document_path: str  # e.g. "documents/abc" (relative to the database root)
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    update_mask: tuple[str, ...] = field(default_factory=tuple)
    update_time: datetime | None = None
    old_update_time: datetime | None = None

    @property
    def document_id(self) -> str:
        return self.document_path.rsplit("/", 1)[-1]

    @property
    def is_delete(self) -> bool:
        return self.after is None

    @property
    def natural_key(self) -> str:
        """Document path + update time: the same change, however often it is delivered."""
        if self.update_time is not None:
            return f"{self.document_path}@{self.update_time.isoformat()}"
        stamp = self.old_update_time.isoformat() if self.old_update_time else self.event_id
        return f"{self.document_path}@deleted:{stamp}"


def _relative_path(name: str) -> str:
    """``projects/P/databases/D/documents/a/b`` → ``a/b``."""
    marker = "/documents/"
    idx = name.find(marker)
    return name[idx + len(marker) :] if idx >= 0 else name


def _decode(doc: document.Document | None) -> dict[str, Any] | None:
    if doc is None or not doc.name:
        return None
    pb = document.Document.pb(doc)
    decoded = _helpers.decode_dict(pb.fields, None)
    if not isinstance(decoded, dict):  # a document's fields always decode to a map
        raise ValueError(f"document {doc.name} did not decode to a map")
    return decoded


def _timestamp(doc: document.Document | None) -> datetime | None:
    if doc is None or not doc.name:
        return None
    pb = document.Document.pb(doc)
    if not pb.HasField("update_time"):
        return None
    return _helpers.DatetimeWithNanoseconds.from_timestamp_pb(pb.update_time)


def decode_event_data(
    data: bytes | str | dict[str, Any], content_type: str | None
) -> DocumentEventData:
    """Decode ``DocumentEventData`` from protobuf bytes or its JSON form."""
    if isinstance(data, dict):
        return DocumentEventData.from_json(json.dumps(data), ignore_unknown_fields=True)
    if isinstance(data, str) or (content_type or "").startswith("application/json"):
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return DocumentEventData.from_json(text, ignore_unknown_fields=True)
    return DocumentEventData.deserialize(data)


def parse_firestore_event(event: CloudEvent) -> FirestoreChange:
    """Typed view of a Firestore CloudEvent (raises ``ValueError`` on a malformed one)."""
    content_type = event.get("datacontenttype")
    raw = event.data
    if raw is None:
        raise ValueError("firestore event has no data")
    payload = decode_event_data(raw, content_type)
    value = payload.value if payload.value.name else None
    old_value = payload.old_value if payload.old_value.name else None
    present = value if value is not None else old_value
    name = present.name if present is not None else None
    subject = event.get("subject") or ""
    if name:
        path = _relative_path(name)
    elif subject.startswith("documents/"):
        path = unquote(subject[len("documents/") :])  # headers arrive percent-encoded
    else:
        raise ValueError("firestore event names no document")
    return FirestoreChange(
        event_id=str(event["id"]),
        event_type=str(event["type"]),
        document_path=path,
        before=_decode(old_value),
        after=_decode(value),
        update_mask=tuple(payload.update_mask.field_paths),
        update_time=_timestamp(value),
        old_update_time=_timestamp(old_value),
    )


def encode_document(name: str, fields: dict[str, Any], create_time: datetime | None,
                    update_time: datetime | None) -> document.Document:
    """A ``Document`` message for ``fields`` (used by the local event router and tests)."""
    pb = document.Document.pb(document.Document(name=name))
    for key, value in _helpers.encode_dict(fields).items():
        pb.fields[key].CopyFrom(document.Value.pb(value))
    if create_time is not None:
        pb.create_time.FromDatetime(create_time)
    if update_time is not None:
        pb.update_time.FromDatetime(update_time)
    return document.Document.wrap(pb)


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """Top-level field paths whose values differ (the ``update_mask`` Firestore sends)."""
    if before is None or after is None:
        return []
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k, _MISSING) != after.get(k, _MISSING))


_MISSING = object()
