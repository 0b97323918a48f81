"""Cloud Storage ``object.v1.finalized`` events: the JSON object resource, typed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cloudevents.http import CloudEvent
from pydantic import BaseModel, ConfigDict, Field

FINALIZED = "google.cloud.storage.object.v1.finalized"


class StorageObject(BaseModel):
    """The object resource Eventarc sends as data (numbers arrive as strings)."""

    # Storage adds resource fields over time; unknown ones are kept, not rejected.
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    bucket: str
    name: str
    generation: str
    metageneration: str | None = None
    content_type: str | None = Field(default=None, alias="contentType")
    size: str | None = None
    md5_hash: str | None = Field(default=None, alias="md5Hash")
    crc32c: str | None = None
    time_created: datetime | None = Field(default=None, alias="timeCreated")
    updated: datetime | None = None
    metadata: dict[str, str] | None = None

    @property
    def size_bytes(self) -> int:
        return int(self.size or 0)

    @property
    def natural_key(self) -> str:
        """``bucket/name#generation``: one object version, however often it is announced."""
        return f"{self.bucket}/{self.name}#{self.generation}"


class StorageEvent(BaseModel):
    """A finalized event: CloudEvent attributes plus the object."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    event_type: str
    subject: str | None
    time: datetime | None
    object: StorageObject


def parse_storage_event(event: CloudEvent) -> StorageEvent:
    """Typed view of a Storage CloudEvent (raises ``ValueError`` on a malformed one)."""
    data: Any = event.data
    if isinstance(data, bytes | str):
        import json

        data = json.loads(data)
    if not isinstance(data, dict):
        raise ValueError("storage event has no JSON object resource as data")
    return StorageEvent(
        event_id=str(event["id"]),
        event_type=str(event["type"]),
        subject=event.get("subject"),
        time=event.get("time"),
        object=StorageObject.model_validate(data),
    )
