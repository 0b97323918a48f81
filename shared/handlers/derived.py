"""Firestore ``documents/{id}`` written → search index, group keys, group marks, audit.

No idempotency ledger and no age guard: the work is level-triggered (it derives from the
document as it is now) and every write it makes is conditional or keyed, so a duplicate
costs a few reads, a late event converges to the current state, and a retry after a
crash simply runs again. A ledger would only get in the way of that retry.
"""

from __future__ import annotations

import logging
from datetime import datetime

from cloudevents.http import CloudEvent
from google.protobuf.message import DecodeError

from shared import structured_log
from shared.clients import get_db
from shared.config import get_settings
from shared.derived.document_change import process_change
from shared.errors import record_error
from shared.events.firestore import FirestoreChange, parse_firestore_event
from shared.keyed_lock import KeyedLocks

logger = structured_log.get_logger("shared.handlers.derived")
_DOCUMENTS = KeyedLocks()  # one change of a document at a time in this instance


def event_time(event: CloudEvent) -> datetime | None:
    raw = event.get("time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_or_record(event: CloudEvent, function: str) -> FirestoreChange | None:
    """The typed change, or ``None`` after recording why the event is unusable.

    A malformed event can never succeed, so it is recorded once (keyed by event id) and
    acknowledged instead of being retried forever.
    """
    try:
        return parse_firestore_event(event)
    except (ValueError, DecodeError) as exc:
        structured_log.configure(get_settings().log_level)
        event_id = str(event.get("id") or "")
        record_error(get_db(), error_type="システムエラー",
                     file_name=str(event.get("subject") or "firestore event"),
                     details=f"{function}: unusable Firestore event {event_id}: {exc}",
                     dedupe_key=f"{function}:bad-event:{event_id}")
        structured_log.log(logger, logging.ERROR, "unusable event recorded",
                           eventId=event_id, error=str(exc))
        return None


def handle_document_written(event: CloudEvent) -> None:
    change = parse_or_record(event, "derived")
    if change is None:
        return
    parts = change.document_path.split("/")
    if len(parts) != 2 or parts[0] != "documents":
        return
    settings = get_settings()
    structured_log.configure(settings.log_level)
    with structured_log.bind(function="derived", eventId=change.event_id,
                             eventKey=change.natural_key), _DOCUMENTS.hold(change.document_path):
        result = process_change(get_db(), change, event_time(event))
        structured_log.log(logger, logging.INFO, "event handled", result=result)
