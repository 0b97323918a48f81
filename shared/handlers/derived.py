"""Firestore ``documents/{id}`` written → group keys, groups, search index, audit."""

from __future__ import annotations

from datetime import datetime

from cloudevents.http import CloudEvent

from shared.derived.document_change import process_change
from shared.events.firestore import parse_firestore_event
from shared.firestore_client import get_db
from shared.handlers.runtime import run_once


def _event_time(event: CloudEvent) -> datetime | None:
    raw = event.get("time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


def handle_document_written(event: CloudEvent) -> None:
    change = parse_firestore_event(event)
    event_time = _event_time(event)
    run_once("derived", change.event_id, None, change.natural_key,
             lambda: process_change(get_db(), change, event_time))
