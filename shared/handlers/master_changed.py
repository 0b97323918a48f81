"""Firestore ``masters/{type}/items/{id}`` written → documents follow the master."""

from __future__ import annotations

from typing import Any

from cloudevents.http import CloudEvent

from shared.clients import get_db, get_storage
from shared.derived.master_changes import (
    matching_changed,
    propagate_care_manager,
    reresolve_unresolved,
)
from shared.handlers.derived import parse_or_record
from shared.handlers.runtime import run_once


def handle_master_written(event: CloudEvent) -> None:
    change = parse_or_record(event, "master_changed")
    if change is None:
        return
    parts = change.document_path.split("/")
    if len(parts) != 4 or parts[0] != "masters" or parts[2] != "items":
        return
    master_type, master_id = parts[1], parts[3]

    def work() -> dict[str, Any]:
        db = get_db()
        result: dict[str, Any] = {"masterType": master_type, "masterId": master_id}
        before, after = change.before or {}, change.after
        if (master_type == "customers" and after is not None
                and before.get("careManagerName") != after.get("careManagerName")):
            result["careManagerUpdated"] = propagate_care_manager(db, master_id)
        if matching_changed(change.before, after):
            result["reresolved"] = reresolve_unresolved(db, master_type, get_storage)
        return result

    run_once("master_changed", change.event_id, None, change.natural_key, work)
