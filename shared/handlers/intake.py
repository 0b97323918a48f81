"""Storage finalized → a pending ``documents/{id}``."""

from __future__ import annotations

from cloudevents.http import CloudEvent

from shared.config import get_settings
from shared.events.storage import parse_storage_event
from shared.firestore_client import get_db
from shared.handlers.runtime import run_once
from shared.pipeline.intake import register_object


def handle_object_finalized(event: CloudEvent) -> None:
    parsed = parse_storage_event(event)
    obj = parsed.object
    settings = get_settings()
    if obj.bucket != settings.documents_bucket:
        return

    def work() -> dict[str, object]:
        outcome = register_object(get_db(), obj, settings)
        return {"documentId": outcome.document_id, "created": outcome.created}

    run_once("intake", parsed.event_id, parsed.time, obj.natural_key, work)
