"""Cloud Function: a group was marked dirty (Firestore document.v1.written on
``_groupDirty/{markId}``)."""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from shared.handlers.group_recompute import handle_mark_written


@functions_framework.cloud_event
def on_group_marked(event: CloudEvent) -> None:
    handle_mark_written(event)
