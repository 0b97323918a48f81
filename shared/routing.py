"""Which function listens to which event: declared once, used locally and for deploy.

The local event router (``shared.localcloud.router``) reads this table to decide where to
post each CloudEvent, and ``deploy/deploy.py`` turns the same rows into
``gcloud functions deploy`` trigger flags, so what runs locally is what is deployed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

TriggerKind = Literal["storage", "firestore", "pubsub", "http", "schedule"]


class Route(BaseModel):
    """One function and its trigger."""

    model_config = ConfigDict(frozen=True)

    function: str  # folder under functions/ and deployed function name
    entry_point: str  # the decorated Python function in functions/<function>/main.py
    trigger: TriggerKind
    event_type: str | None = None
    # storage: bucket setting name; firestore: document path pattern; pubsub: topic id;
    # schedule: cron expression.
    resource: str | None = None
    signature: Literal["cloudevent", "http"] = "cloudevent"
    timeout_seconds: int = 540
    memory: str = "512Mi"


ROUTES: tuple[Route, ...] = (
    Route(
        function="intake",
        entry_point="on_object_finalized",
        trigger="storage",
        event_type="google.cloud.storage.object.v1.finalized",
        resource="documents_bucket",
    ),
    Route(
        function="derived",
        entry_point="on_document_written",
        trigger="firestore",
        event_type="google.cloud.firestore.document.v1.written",
        resource="documents/{docId}",
        timeout_seconds=120,
    ),
    # Groups are recomputed from the documents, at most once per window per group.
    Route(
        function="group_recompute",
        entry_point="on_group_marked",
        trigger="firestore",
        event_type="google.cloud.firestore.document.v1.created",
        resource="_groupDirty/{markId}",
        timeout_seconds=60,
        memory="256Mi",
    ),
    Route(
        function="process_document",
        entry_point="on_document_written",
        trigger="firestore",
        event_type="google.cloud.firestore.document.v1.written",
        resource="documents/{docId}",
        timeout_seconds=540,
        memory="2Gi",
    ),
    Route(
        function="rescue_stuck",
        entry_point="rescue",
        trigger="schedule",
        resource="*/10 * * * *",
        signature="http",
        timeout_seconds=300,
    ),
    # Derived data (issue 5): documents follow their masters; search for the web client.
    Route(
        function="master_changed",
        entry_point="on_master_written",
        trigger="firestore",
        event_type="google.cloud.firestore.document.v1.written",
        resource="masters/{type}/items/{id}",
        timeout_seconds=540,
    ),
    Route(
        function="search_api",
        entry_point="search_documents",
        trigger="http",
        signature="http",
        timeout_seconds=30,
    ),
    # Identity Platform blocking function (beforeCreate + beforeSignIn): provisions
    # users/{uid}. Register its URL in Identity Platform after deploy; 7 s deadline there.
    Route(
        function="provision_user",
        entry_point="before_auth",
        trigger="http",
        signature="http",
        timeout_seconds=7,
        memory="256Mi",
    ),
)


def routes_for(trigger: TriggerKind) -> list[Route]:
    return [r for r in ROUTES if r.trigger == trigger]


def path_matches(pattern: str, path: str) -> bool:
    """Whether a document path matches an Eventarc path pattern (``{x}`` = one segment)."""
    pattern_parts = pattern.split("/")
    path_parts = path.split("/")
    if len(pattern_parts) != len(path_parts):
        return False
    for want, have in zip(pattern_parts, path_parts, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not have:
                return False
        elif want != have:
            return False
    return True
