"""The local Eventarc stand-in delivers every kind of event, in production's formats, to a
function running under functions-framework in its own process."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google.cloud.pubsub_v1 as pubsub_v1
import google.cloud.storage as storage
import pytest
from google.cloud import firestore

from shared.localcloud.cloud import FunctionProcesses, LocalCloud
from shared.localcloud.router import EventRouter
from shared.routing import Route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ECHO_ROUTES = (
    Route(function="echo_function", entry_point="echo", trigger="storage",
          event_type="google.cloud.storage.object.v1.finalized", resource="documents_bucket"),
    Route(function="echo_function", entry_point="echo", trigger="firestore",
          event_type="google.cloud.firestore.document.v1.written", resource="documents/{docId}"),
    Route(function="echo_function", entry_point="echo", trigger="firestore",
          event_type="google.cloud.firestore.document.v1.written",
          resource="masters/{type}/items/{itemId}"),
    Route(function="echo_function", entry_point="echo", trigger="pubsub",
          event_type="google.cloud.pubsub.topic.v1.messagePublished",
          resource="gmail-notifications"),
)


@pytest.fixture
def echo_cloud(local_cloud: LocalCloud, tmp_path: Path) -> Iterator[tuple[EventRouter, Path]]:
    emulators = local_cloud.emulators
    assert emulators is not None
    emulators.wipe()
    out = tmp_path / "echo.jsonl"
    out.touch()
    functions = FunctionProcesses(tmp_path / "logs", {**emulators.env(), "ECHO_OUTPUT": str(out)},
                                  routes=ECHO_ROUTES, source_root=FIXTURES)
    functions.start()
    router = EventRouter(emulators.project, emulators.bucket, functions.urls, routes=ECHO_ROUTES)
    router.start()
    try:
        yield router, out
    finally:
        router.stop()
        functions.stop()


def _seen(out: Path, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    lines: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        if len(lines) >= count:
            return lines
        time.sleep(0.1)
    raise AssertionError(f"expected {count} events, saw {lines}")


def test_router_delivers_storage_firestore_and_pubsub_events(
    echo_cloud: tuple[EventRouter, Path], local_cloud: LocalCloud
) -> None:
    router, out = echo_cloud
    emulators = local_cloud.emulators
    assert emulators is not None
    db = firestore.Client(project=emulators.project)
    bucket = storage.Client(project=emulators.project).bucket(emulators.bucket)

    blob = bucket.blob("gmail/FAX受信_0312345678.pdf")
    blob.upload_from_string(b"%PDF-1.4 fax", content_type="application/pdf")
    ref = db.collection("documents").document("doc-1")
    ref.set({"customerName": "田中 花子", "status": "pending"})
    _seen(out, 2)
    ref.update({"status": "processed"})
    db.collection("masters").document("customers").collection("items").document("C001").set(
        {"name": "田中 花子", "furigana": "タナカ ハナコ"})
    db.collection("errors").document("e1").set({"errorType": "システムエラー"})  # not routed
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(emulators.project, "gmail-notifications")
    publisher.publish(topic, b'{"emailAddress":"fax@example.jp","historyId":"42"}').result()
    ref.delete()

    seen = _seen(out, 6)
    assert router.wait_idle()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in _seen(out, 6):
        by_kind.setdefault(item["kind"], []).append(item)
    assert [s["key"] for s in by_kind["storage"]] == [
        f"{emulators.bucket}/gmail/FAX受信_0312345678.pdf#{blob.generation}"]
    doc_events = [e for e in by_kind["firestore"] if e["path"] == "documents/doc-1"]
    assert [(e["before"] or {}).get("status") for e in doc_events] == [None, "pending", "processed"]
    assert [(e["after"] or {}).get("status") for e in doc_events] == ["pending", "processed", None]
    assert doc_events[1]["mask"] == ["status"]
    assert [e["path"] for e in by_kind["firestore"] if e["path"].startswith("masters/")] == [
        "masters/customers/items/C001"]
    assert json.loads(by_kind["pubsub"][0]["data"]) == {"emailAddress": "fax@example.jp",
                                                        "historyId": "42"}
    assert len(seen) == 6
    assert all(d.status == 200 for d in router.deliveries)
