"""Pub/Sub ``messagePublished`` events: the message with its data decoded."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from cloudevents.http import CloudEvent
from pydantic import BaseModel, ConfigDict

MESSAGE_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"


class PubSubMessage(BaseModel):
    """One message: ``data`` is already base64-decoded bytes."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    message_id: str
    publish_time: datetime | None
    data: bytes
    attributes: dict[str, str]
    subscription: str | None

    def json_data(self) -> Any:
        """The data as JSON (Gmail notifications, our own job messages)."""
        return json.loads(self.data.decode("utf-8"))


def parse_pubsub_event(event: CloudEvent) -> PubSubMessage:
    """Typed view of a Pub/Sub CloudEvent (raises ``ValueError`` on a malformed one)."""
    body: Any = event.data
    if isinstance(body, bytes | str):
        body = json.loads(body)
    if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        raise ValueError("pubsub event has no message")
    message = body["message"]
    raw = message.get("data") or ""
    return PubSubMessage(
        event_id=str(event["id"]),
        message_id=str(message.get("messageId") or message.get("message_id") or event["id"]),
        publish_time=message.get("publishTime") or message.get("publish_time"),
        data=base64.b64decode(raw) if raw else b"",
        attributes=dict(message.get("attributes") or {}),
        subscription=body.get("subscription"),
    )
