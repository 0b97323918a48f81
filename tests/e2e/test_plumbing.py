"""The journey of a file through real emulated plumbing, with functions in their own
processes: upload → finalized event → intake writes a pending document → Firestore
written event → the derived-data function sets the group keys."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import google.cloud.storage as storage
from google.cloud import firestore

from shared.events.storage import StorageObject
from shared.localcloud.cloud import LocalCloud
from shared.localcloud.router import EventRouter
from shared.pipeline.intake import document_id_for


def _wait_for(predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_uploaded_pdf_becomes_pending_document_and_is_observed(
    event_router: EventRouter, running_functions: LocalCloud
) -> None:
    emulators = running_functions.emulators
    assert emulators is not None
    bucket = storage.Client(project=emulators.project).bucket(emulators.bucket)
    blob = bucket.blob("uploads/訪問看護報告書_山田太郎.pdf")
    blob.upload_from_string(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", content_type="application/pdf")
    blob.reload()
    db = firestore.Client(project=emulators.project)
    doc_id = document_id_for(StorageObject(bucket=emulators.bucket, name=blob.name,
                                           generation=str(blob.generation)))

    snap = _wait_for(lambda: (s := db.collection("documents").document(doc_id).get()).exists
                     and (s.to_dict() or {}).get("careManagerKey") and s)
    data = snap.to_dict()
    assert data["status"] == "pending"
    assert data["fileName"] == "訪問看護報告書_山田太郎.pdf"
    assert data["sourceType"] == "upload"
    assert data["careManagerKey"] == "_unassigned"
    assert event_router.wait_idle()
    functions = {d.function for d in event_router.deliveries}
    assert functions == {"intake", "derived"}
    assert all(d.status == 200 for d in event_router.deliveries)
