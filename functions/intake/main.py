"""Cloud Function: a file landed in the documents bucket (Storage object finalized)."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from shared.handlers.intake import handle_object_finalized


@functions_framework.cloud_event
def on_object_finalized(event: CloudEvent) -> None:
    handle_object_finalized(event)
