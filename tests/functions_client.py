"""Post real CloudEvent HTTP requests to a function in-process (functions-framework's
Flask app and test client), exactly as Eventarc would post them."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import functions_framework
from flask.testing import FlaskClient
from google.cloud.firestore import Client, DocumentReference

from shared.localcloud import cloudevents_http
from shared.localcloud.cloudevents_http import HttpEvent

REPO_ROOT = Path(__file__).resolve().parents[1]


@cache
def function_client(function: str, target: str, signature: str = "cloudevent") -> FlaskClient:
    source = REPO_ROOT / "functions" / function / "main.py"
    app = functions_framework.create_app(target, str(source), signature)
    return app.test_client()


def post_event(client: FlaskClient, event: HttpEvent) -> Any:
    return client.post("/", data=event.body, headers=event.headers)


def written_event(ref: DocumentReference, write: Callable[[], object]) -> HttpEvent:
    """Run ``write`` (a change to ``ref``) and return the Firestore event it causes, with
    the before and after snapshots production would put in ``DocumentEventData``."""
    before = ref.get()
    write()
    after = ref.get()
    return cloudevents_http.firestore_written(
        ref._client.project, ref.path,
        before.to_dict() if before.exists else None,
        after.to_dict() if after.exists else None,
        before_times=(before.create_time, before.update_time) if before.exists else (None, None),
        after_times=(after.create_time, after.update_time) if after.exists else (None, None),
    )


def deliver(function: str, target: str, *events: HttpEvent) -> None:
    """Post each event to the function in-process; every delivery must succeed."""
    client = function_client(function, target)
    for event in events:
        assert post_event(client, event).status_code == 200


def settle_groups(db: Client) -> int:
    """Run the group recompute for every pending dirty mark, as the router would on each
    mark's creation (the recompute deletes the mark); returns how many were delivered."""
    from shared.derived.group_marks import MARKS_COLLECTION

    client = function_client("group_recompute", "on_group_marked")
    delivered = 0
    for snap in db.collection(MARKS_COLLECTION).stream():
        event = cloudevents_http.firestore_written(
            db.project, snap.reference.path, None, snap.to_dict(),
            after_times=(snap.create_time, snap.update_time),
            event_type="google.cloud.firestore.document.v1.created")
        assert post_event(client, event).status_code == 200
        delivered += 1
    assert not list(db.collection(MARKS_COLLECTION).limit(1).stream())
    return delivered
