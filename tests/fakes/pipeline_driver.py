"""Drive the document pipeline in-process, exactly as Eventarc would: a real finalize
CloudEvent to ``intake``, real Firestore ``written`` CloudEvents (protobuf) to
``process_document``, through functions-framework's test client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import google.cloud.storage as storage
from flask.testing import FlaskClient
from google.cloud import firestore

from shared.events.storage import StorageObject
from shared.localcloud import cloudevents_http
from shared.pipeline.intake import document_id_for
from tests.functions_client import function_client, post_event


def upload(bucket: storage.Bucket, name: str, data: bytes,
           content_type: str = "application/pdf") -> dict[str, Any]:
    blob = bucket.blob(name)
    blob.upload_from_string(data, content_type=content_type)
    blob.reload()
    resource = dict(blob._properties)
    resource.setdefault("bucket", bucket.name)
    return resource


def doc_id_of(resource: dict[str, Any]) -> str:
    return document_id_for(StorageObject.model_validate(resource))


@dataclass
class PipelineDriver:
    db: firestore.Client
    bucket: storage.Bucket
    intake: FlaskClient = field(
        default_factory=lambda: function_client("intake", "on_object_finalized"))
    process: FlaskClient = field(
        default_factory=lambda: function_client("process_document", "on_document_written"))

    def finalize(self, resource: dict[str, Any]) -> int:
        response = post_event(self.intake, cloudevents_http.storage_finalized(resource))
        return int(response.status_code)

    def written_event(self, doc_id: str) -> cloudevents_http.HttpEvent:
        snap = self.db.collection("documents").document(doc_id).get()
        assert snap.exists, f"documents/{doc_id} does not exist"
        return cloudevents_http.firestore_written(
            self.db.project, f"documents/{doc_id}", None, snap.to_dict(),
            after_times=(snap.create_time, snap.update_time))

    def announce(self, doc_id: str) -> int:
        """Post the document's current state as a ``written`` event to process_document."""
        return int(post_event(self.process, self.written_event(doc_id)).status_code)

    def doc(self, doc_id: str) -> dict[str, Any]:
        return self.db.collection("documents").document(doc_id).get().to_dict() or {}

    def detail(self, doc_id: str) -> dict[str, Any] | None:
        snap = (self.db.collection("documents").document(doc_id)
                .collection("detail").document("ocr").get())
        return snap.to_dict() if snap.exists else None

    def run(self, name: str, data: bytes, content_type: str = "application/pdf",
            ) -> tuple[str, dict[str, Any]]:
        """Upload, finalize, and announce the document until it settles."""
        resource = upload(self.bucket, name, data, content_type)
        assert self.finalize(resource) == 200
        doc_id = doc_id_of(resource)
        for _ in range(4):
            snap = self.db.collection("documents").document(doc_id).get()
            if not snap.exists or (snap.to_dict() or {}).get("status") != "pending":
                break
            assert self.announce(doc_id) == 200
        return doc_id, self.doc(doc_id)

    def errors(self) -> list[dict[str, Any]]:
        return [d.to_dict() or {} for d in self.db.collection("errors").stream()]
