"""Firestore ``documents/{id}`` written → process the document if it is due.

Every write to a document announces itself here (our own status changes, derived keys,
a person's edits); the event's own data says whether the document is due
(``lifecycle.is_due``), so most events cost no read at all. A due one is claimed in a
transaction, which is what makes duplicate and out-of-order events harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from cloudevents.http import CloudEvent

from shared.clients import get_db, get_storage
from shared.config import get_settings
from shared.events.firestore import parse_firestore_event
from shared.handlers.runtime import run_once
from shared.pipeline.engines import max_ocr_pages, select_engine
from shared.pipeline.lifecycle import is_due
from shared.pipeline.masters_loader import CachedMasters
from shared.pipeline.process import ProcessingDeps, process_document
from shared.pipeline.resolve import make_resolver
from shared.pipeline.settings import get_pipeline_settings


@lru_cache(maxsize=1)
def processing_deps() -> ProcessingDeps:
    """One set of clients and one engine per instance (reused across invocations)."""
    settings = get_settings()
    pipeline = get_pipeline_settings()
    db = get_db()
    return ProcessingDeps(
        db=db,
        storage_client=get_storage(),
        engine=select_engine(settings, pipeline),
        resolver=make_resolver(db, CachedMasters(pipeline.masters_cache_seconds)),
        pipeline=pipeline,
        max_ocr_pages=max_ocr_pages(settings, pipeline),
        bucket=settings.documents_bucket,
    )


def handle_document_written(event: CloudEvent) -> None:
    change = parse_firestore_event(event)
    parts = change.document_path.split("/")
    if change.after is None or len(parts) != 2 or parts[0] != "documents":
        return
    if not is_due(change.after, datetime.now(UTC)):
        return

    def work() -> dict[str, object]:
        result = process_document(processing_deps(), change.document_id)
        return {"outcome": result.outcome, **result.detail}

    run_once("process_document", change.event_id, None, change.natural_key, work)
