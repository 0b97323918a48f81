"""Cloud Function: a ``documents/{id}`` was written (Firestore document.v1.written)."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from shared.handlers.derived import handle_document_written


@functions_framework.cloud_event
def on_document_written(event: CloudEvent) -> None:
    handle_document_written(event)
