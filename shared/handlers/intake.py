"""Storage finalized → one record for the object (see ``shared.pipeline.intake``)."""

from __future__ import annotations

from cloudevents.http import CloudEvent

from shared.clients import get_db, get_storage
from shared.config import get_settings
from shared.events.storage import parse_storage_event
from shared.handlers.runtime import run_once
from shared.pipeline.intake import register_object
from shared.pipeline.settings import get_pipeline_settings


def handle_object_finalized(event: CloudEvent) -> None:
    parsed = parse_storage_event(event)
    obj = parsed.object
    settings = get_settings()
    if obj.bucket != settings.documents_bucket:
        return
    if obj.name.startswith(get_pipeline_settings().pipeline_prefix):
        return  # the pipeline's own outputs (long OCR text, Vision results)

    def work() -> dict[str, object]:
        outcome = register_object(get_db(), obj, settings, get_storage())
        return {"documentId": outcome.document_id, "created": outcome.created,
                "kind": outcome.kind, "status": outcome.status,
                "duplicateOf": outcome.duplicate_of}

    run_once("intake", parsed.event_id, parsed.time, obj.natural_key, work)
