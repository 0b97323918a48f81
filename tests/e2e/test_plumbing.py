"""The journey of a file through real emulated plumbing, with every function in its own
functions-framework process and the router standing in for Eventarc:
upload → finalized event → intake writes a pending document → Firestore written events →
process_document reads and resolves it → derived sets group keys, groups and search."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import google.cloud.storage as storage
from google.cloud import firestore

from shared.events.storage import StorageObject
from shared.localcloud.cloud import LocalCloud
from shared.localcloud.demo_masters import seed_demo_masters
from shared.localcloud.router import EventRouter
from shared.localcloud.samples import DOCUMENTS, render_pdf
from shared.pipeline.intake import document_id_for


def _wait_for(predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_uploaded_report_is_processed_resolved_grouped_and_indexed(
    event_router: EventRouter, running_functions: LocalCloud
) -> None:
    emulators = running_functions.emulators
    assert emulators is not None
    db = firestore.Client(project=emulators.project)
    seed_demo_masters(db)
    sample = DOCUMENTS["nursing_report"]
    bucket = storage.Client(project=emulators.project).bucket(emulators.bucket)
    blob = bucket.blob("uploads/訪問看護報告書_山田太郎.pdf")
    blob.upload_from_string(render_pdf(sample), content_type="application/pdf")
    blob.reload()
    doc_id = document_id_for(StorageObject(bucket=emulators.bucket, name=blob.name,
                                           generation=str(blob.generation)))
    ref = db.collection("documents").document(doc_id)

    def settled() -> dict[str, Any] | None:
        data = ref.get().to_dict() or {}
        done = data.get("status") == "processed" and data.get("search", {}).get("tokenHash")
        return data if done and data.get("customerKey") else None

    data = _wait_for(settled)
    assert event_router.wait_idle(timeout=60)
    assert data["fileName"] == "訪問看護報告書_山田太郎.pdf"
    assert data["sourceType"] == "upload"
    assert data["documentType"] == sample.document_type
    assert data["customerName"] == sample.customer
    assert data["officeName"] == sample.office
    assert data["customerKey"] and data["officeKey"] and data["documentTypeKey"]
    groups = {g.id: g.to_dict() for g in db.collection("documentGroups").stream()}
    customer_groups = [g for g in groups.values() if g["groupType"] == "customer"]
    assert [(g["displayName"], g["count"]) for g in customer_groups] == [(sample.customer, 1)]
    assert {d.function for d in event_router.deliveries} >= {
        "intake", "process_document", "derived"}
    assert all(d.status == 200 for d in event_router.deliveries)
