"""Firestore ``documents/{id}`` written → derived fields and data."""

from __future__ import annotations

from cloudevents.http import CloudEvent

from shared.derived.group_keys import key_updates
from shared.events.firestore import parse_firestore_event
from shared.firestore_client import get_db
from shared.handlers.runtime import run_once


def handle_document_written(event: CloudEvent) -> None:
    change = parse_firestore_event(event)

    def work() -> dict[str, object]:
        if change.after is None:
            return {"deleted": True}
        updates = key_updates(change.after)
        if updates:
            ref = get_db().document(change.document_path)
            # Only if the document still exists: a late event must not resurrect it.
            snap = ref.get()
            if snap.exists:
                current = key_updates(snap.to_dict() or {})
                if current:
                    ref.update(current)
                    return {"groupKeysSet": sorted(current)}
        return {"groupKeysSet": []}

    run_once("derived", change.event_id, None, change.natural_key, work)
