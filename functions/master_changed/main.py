"""Cloud Function: a master item was written (``masters/{type}/items/{id}``)."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from shared.handlers.master_changed import handle_master_written


@functions_framework.cloud_event
def on_master_written(event: CloudEvent) -> None:
    handle_master_written(event)
