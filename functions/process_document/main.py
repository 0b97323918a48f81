"""Cloud Function: a ``documents/{id}`` was written; process it if it is due."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from shared.handlers.process_document import handle_document_written


@functions_framework.cloud_event
def on_document_written(event: CloudEvent) -> None:
    handle_document_written(event)
